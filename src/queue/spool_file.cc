#include "queue/spool_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "base/files.h"
#include "base/log.h"
#include "crypto/random.h"

namespace sealpost::queue {
namespace {

constexpr std::string_view kSpoolAd = "sealpost spool";
// Ciphertext is written in pieces of at least this size.
constexpr size_t kWriteSize = 256 * 1024;

Status SpoolErrno(std::string_view what) {
  const int e = errno;
  std::string msg = "spool file: " + std::string(what) + ": " + strerror(e);
  if (e == ENOSPC || e == EDQUOT) return ResourceExhaustedError(msg);
  return InternalError(msg);
}

// A file in `dir` with no name: O_TMPFILE, else a created name unlinked
// at once.
Result<int> OpenNameless(const std::string& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return SpoolErrno("create in " + dir);
  }
  std::string path = dir + "/spool-XXXXXX";
  fd = mkostemp(path.data(), O_CLOEXEC);
  if (fd < 0) return SpoolErrno("create in " + dir);
  if (unlink(path.c_str()) != 0) {
    Status s = SpoolErrno("unlink " + path);
    close(fd);
    return s;
  }
  return fd;
}

}  // namespace

Result<std::unique_ptr<SpoolFile>> SpoolFile::Create(const std::string& dir) {
  SecretBytes key = crypto::RandomBytes(crypto::kStreamKeySize);
  SP_ASSIGN_OR_RETURN(crypto::StreamEncryptor enc,
                      crypto::StreamEncryptor::Create(key, kSpoolAd));
  SP_ASSIGN_OR_RETURN(int fd, OpenNameless(dir));
  std::unique_ptr<SpoolFile> spool(
      new SpoolFile(fd, std::move(key), std::move(enc)));
  SP_RETURN_IF_ERROR(spool->encryptor_.WriteHeader(&spool->pending_));
  return spool;
}

SpoolFile::~SpoolFile() {
  if (fd_ >= 0) close(fd_);
}

Status SpoolFile::Fail(Status s) {
  if (failed_.ok()) {
    // The SMTP session answers 452 and says no more: the reason is here.
    log::Warn("smtp: spooling a message: {}", s.ToString());
    failed_ = s;
  }
  std::string().swap(pending_);
  return s;
}

Status SpoolFile::Flush() {
  size_t done = 0;
  while (done < pending_.size()) {
    ssize_t n =
        pwrite(fd_, pending_.data() + done, pending_.size() - done, written_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(SpoolErrno("write"));
    }
    done += static_cast<size_t>(n);
    written_ += n;
  }
  pending_.clear();
  return Status::Ok();
}

Status SpoolFile::Append(std::string_view bytes) {
  SP_RETURN_IF_ERROR(failed_);
  if (finished_) return FailedPreconditionError("spool file: finished");
  Status s = encryptor_.Update(bytes, &pending_);
  if (!s.ok()) return Fail(std::move(s));
  size_ += static_cast<int64_t>(bytes.size());
  if (pending_.size() >= kWriteSize) return Flush();
  return Status::Ok();
}

Status SpoolFile::Finish() {
  SP_RETURN_IF_ERROR(failed_);
  if (finished_) return FailedPreconditionError("spool file: finished");
  Status s = encryptor_.Finish(&pending_);
  if (!s.ok()) return Fail(std::move(s));
  SP_RETURN_IF_ERROR(Flush());
  std::string().swap(pending_);
  finished_ = true;
  return Restart();
}

Status SpoolFile::Restart() {
  SP_RETURN_IF_ERROR(failed_);
  if (!finished_) return FailedPreconditionError("spool file: not finished");
  SP_ASSIGN_OR_RETURN(crypto::StreamDecryptor dec,
                      crypto::StreamDecryptor::Create(key_, kSpoolAd));
  decryptor_.emplace(std::move(dec));
  read_at_ = 0;
  std::string().swap(plain_);
  plain_pos_ = 0;
  read_end_ = false;
  return Status::Ok();
}

Result<size_t> SpoolFile::Read(size_t max, std::string* out) {
  SP_RETURN_IF_ERROR(failed_);
  if (!decryptor_) return FailedPreconditionError("spool file: not finished");
  while (plain_pos_ == plain_.size() && !read_end_) {
    plain_.clear();
    plain_pos_ = 0;
    if (read_at_ >= written_) {
      // The file's end: the last segment must authenticate as the last.
      SP_RETURN_IF_ERROR(decryptor_->Finish(&plain_));
      read_end_ = true;
      break;
    }
    std::string cipher(crypto::kStreamCiphertextSegmentSize, '\0');
    const size_t want = static_cast<size_t>(std::min<int64_t>(
        static_cast<int64_t>(cipher.size()), written_ - read_at_));
    ssize_t n = pread(fd_, cipher.data(), want, read_at_);
    if (n < 0) {
      if (errno == EINTR) continue;
      return SpoolErrno("read");
    }
    if (n == 0) return InternalError("spool file: shorter than written");
    read_at_ += n;
    cipher.resize(static_cast<size_t>(n));
    SP_RETURN_IF_ERROR(decryptor_->Update(cipher, &plain_));
  }
  const size_t n = std::min(max, plain_.size() - plain_pos_);
  out->append(plain_, plain_pos_, n);
  plain_pos_ += n;
  return n;
}

Status PrepareSpoolDir(const std::string& dir) {
  SP_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::error_code rm;
    std::filesystem::remove(entry.path(), rm);
    if (rm) {
      return InternalError("cannot remove " + entry.path().string() + ": " +
                           rm.message());
    }
  }
  if (ec) return InternalError("cannot list " + dir + ": " + ec.message());
  return Status::Ok();
}

}  // namespace sealpost::queue
