#include "crypto/spool.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "crypto/errors.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

// What the stream's segments are bound to: nothing else is ever decrypted
// with a spool's key, which never leaves the process.
constexpr std::string_view kSpoolAd = "sealpost spool v1";

}  // namespace

// Reads the file from its start with pread (its own offset), decrypting
// as it goes.
class Spool::Reader : public SizedByteSource {
 public:
  explicit Reader(std::shared_ptr<Spool> spool) : spool_(std::move(spool)) {}

  int64_t size() const override { return spool_->size_; }

  Status Restart() override {
    SP_ASSIGN_OR_RETURN(StreamDecryptor d,
                        StreamDecryptor::Create(spool_->key_, kSpoolAd));
    decryptor_.emplace(std::move(d));
    at_ = 0;
    ready_.clear();
    ready_at_ = 0;
    done_ = false;
    return Status::Ok();
  }

  Result<size_t> Read(size_t max, std::string* out) override {
    if (!decryptor_.has_value()) SP_RETURN_IF_ERROR(Restart());
    while (ready_at_ == ready_.size() && !done_) {
      ready_.clear();
      ready_at_ = 0;
      if (at_ == spool_->file_size_) {
        SP_RETURN_IF_ERROR(decryptor_->Finish(&ready_));
        done_ = true;
        break;
      }
      constexpr size_t kSlice = 256 * 1024;
      slice_.resize(static_cast<size_t>(
          std::min<int64_t>(kSlice, spool_->file_size_ - at_)));
      ssize_t n = pread(spool_->fd_, slice_.data(), slice_.size(), at_);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return DecryptionFailedError();
      at_ += n;
      SP_RETURN_IF_ERROR(decryptor_->Update(
          std::string_view(slice_.data(), static_cast<size_t>(n)), &ready_));
    }
    size_t n = std::min(max, ready_.size() - ready_at_);
    out->append(ready_, ready_at_, n);
    ready_at_ += n;
    return n;
  }

 private:
  std::shared_ptr<Spool> spool_;
  std::optional<StreamDecryptor> decryptor_;
  int64_t at_ = 0;
  std::string ready_;
  size_t ready_at_ = 0;
  bool done_ = false;
  std::string slice_;
};

namespace {

Status SpoolErrno(const std::string& what) {
  const int e = errno;
  std::string msg = what + ": " + std::strerror(e);
  if (e == ENOSPC || e == EDQUOT) return ResourceExhaustedError(msg);
  return UnavailableError(msg);
}

// A file in `dir` with no name: O_TMPFILE, else a name made and unlinked at
// once (where the file system lacks O_TMPFILE; a crash between the two
// leaves a file, which is why SMTP's spool directory is emptied at start).
Result<int> OpenNameless(const std::string& dir) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC | O_EXCL, 0600);
  if (fd >= 0) return fd;
  if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL) {
    return SpoolErrno("cannot make a spool file in " + dir);
  }
  std::string name = dir + "/sealpost-spool-XXXXXX";
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return SpoolErrno("cannot make a spool file in " + dir);
  if (unlink(name.c_str()) != 0) {
    Status s = SpoolErrno("cannot unlink " + name);
    close(fd);
    return s;
  }
  return fd;
}

}  // namespace

Result<std::shared_ptr<Spool>> Spool::Create(const std::string& dir) {
  SP_ASSIGN_OR_RETURN(int fd,
                      OpenNameless(dir.empty() ? std::string("/tmp") : dir));
  std::shared_ptr<Spool> spool(new Spool(fd, RandomBytes(kStreamKeySize)));
  SP_ASSIGN_OR_RETURN(StreamEncryptor e,
                      StreamEncryptor::Create(spool->key_, kSpoolAd));
  spool->encryptor_.emplace(std::move(e));
  SP_RETURN_IF_ERROR(spool->encryptor_->WriteHeader(&spool->pending_));
  return spool;
}

Spool::~Spool() { close(fd_); }

Status Spool::WriteAll(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return SpoolErrno("cannot write a spool");
    bytes.remove_prefix(static_cast<size_t>(n));
    file_size_ += n;
  }
  return Status::Ok();
}

Status Spool::Append(std::string_view bytes) {
  if (finished_) return FailedPreconditionError("the spool is finished");
  SP_RETURN_IF_ERROR(encryptor_->Update(bytes, &pending_));
  size_ += static_cast<int64_t>(bytes.size());
  // Written once a few segments are ready: fewer, larger writes.
  if (pending_.size() >= 256 * 1024) {
    SP_RETURN_IF_ERROR(WriteAll(pending_));
    pending_.clear();
  }
  return Status::Ok();
}

Status Spool::Finish() {
  if (finished_) return Status::Ok();
  SP_RETURN_IF_ERROR(encryptor_->Finish(&pending_));
  SP_RETURN_IF_ERROR(WriteAll(pending_));
  std::string().swap(pending_);
  finished_ = true;
  return Status::Ok();
}

Result<std::unique_ptr<SizedByteSource>> Spool::Open() {
  if (!finished_) return FailedPreconditionError("the spool is not finished");
  return std::unique_ptr<SizedByteSource>(
      std::make_unique<Reader>(shared_from_this()));
}

}  // namespace sealpost::crypto
