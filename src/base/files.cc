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
  SP_ASSIGN_OR_RETURN(auto writer, ExclusiveFileWriter::Create(path, mode));
  SP_RETURN_IF_ERROR(writer->Append(content));
  return writer->Commit();
}

Result<std::unique_ptr<ExclusiveFileWriter>> ExclusiveFileWriter::Create(
    const std::string& path, int mode) {
  if (FileExists(path)) {
    return AlreadyExistsError(path + " exists; not overwritten");
  }
  std::string tmp = path + ".new." + std::to_string(getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return Errno("creating", tmp);
  return std::unique_ptr<ExclusiveFileWriter>(
      new ExclusiveFileWriter(path, std::move(tmp), fd));
}

ExclusiveFileWriter::~ExclusiveFileWriter() { Abandon(); }

void ExclusiveFileWriter::Abandon() {
  if (fd_ < 0) return;
  close(fd_);
  fd_ = -1;
  unlink(tmp_.c_str());
}

Status ExclusiveFileWriter::Append(std::string_view bytes) {
  if (fd_ < 0) return FailedPreconditionError("file already closed");
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = Errno("writing", tmp_);
      Abandon();
      return s;
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status ExclusiveFileWriter::Commit() {
  if (fd_ < 0) return FailedPreconditionError("file already closed");
  if (fsync(fd_) != 0) {
    Status s = Errno("syncing", tmp_);
    Abandon();
    return s;
  }
  close(fd_);
  fd_ = -1;
  int rc = link(tmp_.c_str(), path_.c_str());
  int e = errno;
  unlink(tmp_.c_str());
  if (rc != 0) {
    if (e == EEXIST) {
      return AlreadyExistsError(path_ + " exists; not overwritten");
    }
    errno = e;
    return Errno("creating", path_);
  }
  std::string dir = std::filesystem::path(path_).parent_path().string();
  if (dir.empty()) dir = ".";
  int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Errno("opening", dir);
  rc = fsync(dfd);
  close(dfd);
  return rc == 0 ? Status::Ok() : Errno("syncing", dir);
}

Result<std::unique_ptr<FileReader>> FileReader::Open(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFoundError("no such file: " + path);
    return Errno("opening", path);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Status s = Errno("reading", path);
    close(fd);
    return s;
  }
  return std::unique_ptr<FileReader>(new FileReader(path, fd, st.st_size));
}

FileReader::~FileReader() { close(fd_); }

Status FileReader::Restart() {
  if (lseek(fd_, 0, SEEK_SET) != 0) return Errno("rewinding", path_);
  return Status::Ok();
}

Result<size_t> FileReader::Read(size_t max, std::string* out) {
  const size_t old = out->size();
  out->resize(old + max);
  for (;;) {
    ssize_t n = read(fd_, out->data() + old, max);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out->resize(old);
      return Errno("reading", path_);
    }
    out->resize(old + static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }
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
