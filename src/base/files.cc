#include "base/files.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

namespace sealpost {
namespace {

Status Errno(std::string_view what, const std::string& path) {
  int e = errno;
  std::string msg = std::string(what) + " " + path + ": " + strerror(e);
  if (e == ENOSPC || e == EDQUOT) return ResourceExhaustedError(msg);
  return InternalError(msg);
}

}  // namespace

Result<std::string> ReadFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file: " + path);
    return Errno("opening", path);
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      Status s = Errno("reading", path);
      close(fd);
      return s;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

Status WriteAndRename(const std::string& tmp, const std::string& path,
                      std::string_view content, int mode, bool exclusive) {
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (exclusive ? O_EXCL : O_TRUNC);
  int fd = open(tmp.c_str(), flags, mode);
  if (fd < 0) return Errno("creating", tmp);
  auto fail = [&](std::string_view what, const std::string& p) {
    Status s = Errno(what, p);
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return s;
  };
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("writing", tmp);
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) return fail("syncing", tmp);
  close(fd);
  fd = -1;
  if (rename(tmp.c_str(), path.c_str()) != 0) return fail("renaming", tmp);
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("opening", dir);
  int rc = fsync(dfd);
  close(dfd);
  return rc == 0 ? Status::Ok() : Errno("syncing", dir);
}

Status WriteFileAtomic(const std::string& path, std::string_view content,
                       int mode) {
  return WriteAndRename(path + ".tmp", path, content, mode,
                        /*exclusive=*/false);
}

Status WriteFileExclusive(const std::string& path, std::string_view content,
                          int mode) {
  if (FileExists(path)) {
    return AlreadyExistsError(path + " exists; not overwritten");
  }
  std::string tmp = path + ".new." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Errno("creating", tmp);
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("writing", tmp);
      close(fd);
      unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (fsync(fd) != 0) {
    Status s = Errno("syncing", tmp);
    close(fd);
    unlink(tmp.c_str());
    return s;
  }
  close(fd);
  int rc = link(tmp.c_str(), path.c_str());
  int e = errno;
  unlink(tmp.c_str());
  if (rc != 0) {
    if (e == EEXIST) {
      return AlreadyExistsError(path + " exists; not overwritten");
    }
    errno = e;
    return Errno("creating", path);
  }
  std::string dir = std::filesystem::path(path).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("opening", dir);
  rc = fsync(dfd);
  close(dfd);
  return rc == 0 ? Status::Ok() : Errno("syncing", dir);
}

Status MakeDirs(const std::string& path, int mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return InternalError("creating directory " + path + ": " + ec.message());
  }
  chmod(path.c_str(), static_cast<mode_t>(mode));
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

}  // namespace sealpost
