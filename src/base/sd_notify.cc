#include "base/sd_notify.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <string>

namespace sealpost {

Status NotifySystemd(std::string_view state) {
  const char* env = getenv("NOTIFY_SOCKET");
  if (env == nullptr || *env == '\0') return Status::Ok();
  std::string path = env;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if ((path[0] != '/' && path[0] != '@') ||
      path.size() >= sizeof addr.sun_path) {
    return InvalidArgumentError("NOTIFY_SOCKET is neither a path nor @name");
  }
  memcpy(addr.sun_path, path.data(), path.size());
  if (path[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace
  socklen_t len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return InternalError("sd_notify: socket: " + std::string(strerror(errno)));
  ssize_t n = sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                     reinterpret_cast<const sockaddr*>(&addr), len);
  int e = errno;
  close(fd);
  if (n < 0) {
    return InternalError("sd_notify: sending to " + path + ": " + strerror(e));
  }
  return Status::Ok();
}

}  // namespace sealpost
