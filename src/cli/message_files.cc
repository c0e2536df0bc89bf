#include "cli/message_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/visible_text.h"

namespace sealpost::cli {
namespace {

// Copies `from` to the end of `to`; false (errno set) on a failure.
bool CopyFd(int from, int to) {
  std::string buf(256 * 1024, '\0');
  for (;;) {
    ssize_t n = read(from, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    if (!WriteAll(to, std::string_view(buf.data(), static_cast<size_t>(n)))) {
      return false;
    }
  }
}

}  // namespace

int AnonymousTempFile() {
  const char* dir = std::getenv("TMPDIR");
  std::string name =
      std::string(dir != nullptr && *dir != '\0' ? dir : "/tmp") +
      "/sealpost-XXXXXX";
  int fd = mkstemp(name.data());
  if (fd >= 0) unlink(name.c_str());
  return fd;
}

bool WriteAll(int fd, std::string_view bytes) {
  for (size_t done = 0; done < bytes.size();) {
    ssize_t w = write(fd, bytes.data() + done, bytes.size() - done);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return false;
    done += static_cast<size_t>(w);
  }
  return true;
}

Input::~Input() {
  if (fd_ > STDIN_FILENO) close(fd_);
}

std::unique_ptr<FileReader> Input::Open(const std::string& name) {
  name_ = name == "-" ? "standard input" : name;
  int source =
      name == "-" ? STDIN_FILENO : open(name.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (source < 0 || fstat(source, &st) != 0) {
    std::fprintf(stderr, "sealpost: cannot read %s: %s\n", name_.c_str(),
                 std::strerror(errno));
    if (source > STDIN_FILENO) close(source);
    return nullptr;
  }
  if (S_ISREG(st.st_mode) &&
      (source != STDIN_FILENO || lseek(source, 0, SEEK_CUR) == 0)) {
    fd_ = source;
  } else if (!CopyToTemporary(source)) {
    return nullptr;
  }
  // The file opened (or its copy) again, with an offset of its own: the
  // reader starts at the first byte.
  path_ = "/proc/self/fd/" + std::to_string(fd_);
  auto reader = FileReader::Open(path_);
  if (!reader.ok()) {
    std::fprintf(stderr, "sealpost: cannot read %s: %s\n", name_.c_str(),
                 reader.status().message().c_str());
    return nullptr;
  }
  return std::move(*reader);
}

bool Input::CopyToTemporary(int source) {
  // A pipe, a terminal or a FIFO: copied first, so that it can be read
  // again and its size is known.
  fd_ = AnonymousTempFile();
  bool copied = fd_ >= 0 && CopyFd(source, fd_);
  int saved = errno;
  if (source > STDIN_FILENO) close(source);
  if (!copied) {
    std::fprintf(stderr,
                 "sealpost: cannot copy %s to a temporary file in "
                 "TMPDIR: %s\n",
                 name_.c_str(), std::strerror(saved));
    return false;
  }
  return true;
}

Output::Output(const std::string& path) : path_(path) {
  struct stat st;
  if (path_.empty() || path_ == "-") {
    file_ = stdout;
  } else if (path_ == "/dev/stdout" || path_ == "/dev/stderr" ||
             path_.starts_with("/dev/fd/") || path_.starts_with("/proc/") ||
             (stat(path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode))) {
    // A device or FIFO, or a name for one of our descriptors
    // (/dev/stdout, /proc/self/fd/N: a link to whatever stdout is, perhaps
    // a regular file): written where it points, never replaced by a
    // rename (as root that would replace /dev/stdout itself).
    file_ = std::fopen(path_.c_str(), "wb");
    in_place_ = true;
  } else {
    // A name of its own, made with O_EXCL and mode 0600 (mkstemp): in a
    // shared directory nobody can plant a file or a symlink there to be
    // written the plaintext, nor read it while it is written; the file
    // renamed into place keeps 0600.
    std::string name = path_ + ".sealpost-XXXXXX";
    const int fd = mkostemp(name.data(), O_CLOEXEC);
    if (fd < 0) return;
    tmp_ = std::move(name);
    file_ = fdopen(fd, "wb");
    if (file_ == nullptr) {
      const int saved = errno;
      close(fd);
      std::remove(tmp_.c_str());
      errno = saved;
    }
  }
}

Output::~Output() {
  if (file_ != nullptr && file_ != stdout) {
    std::fclose(file_);
    if (!in_place_) std::remove(tmp_.c_str());
  }
}

bool Output::Write(std::string_view data) {
  return data.empty() ||
         std::fwrite(data.data(), 1, data.size(), file_) == data.size();
}

bool Output::Commit() {
  if (file_ == stdout) return std::fflush(stdout) == 0;
  bool ok = std::fflush(file_) == 0 && (in_place_ || fsync(fileno(file_)) == 0);
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (in_place_) return ok;
  ok = ok && std::rename(tmp_.c_str(), path_.c_str()) == 0;
  if (!ok) {
    // A full disk must not leave part of the plaintext beside --out; the
    // caller says why from errno.
    const int saved = errno;
    std::remove(tmp_.c_str());
    errno = saved;
  }
  return ok;
}

std::string RefusalOf(const ApiResponse& res) {
  namespace json = boost::json;
  std::string reason = "HTTP " + std::to_string(res.status);
  boost::system::error_code ec;
  json::value v = json::parse(res.body, ec);
  if (!ec && v.is_object()) {
    if (const auto* e = v.as_object().if_contains("error");
        e != nullptr && e->is_object()) {
      if (const auto* m = e->as_object().if_contains("message");
          m != nullptr && m->is_string()) {
        reason = VisibleText(m->as_string());
      }
    }
  }
  return reason;
}

}  // namespace sealpost::cli
