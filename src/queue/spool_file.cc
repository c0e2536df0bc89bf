#include "queue/spool_file.h"

#include <sys/stat.h>

#include <filesystem>

#include "base/files.h"
#include "base/log.h"

namespace sealpost::queue {

Result<std::unique_ptr<SpoolFile>> SpoolFile::Create(const std::string& dir,
                                                     std::string what) {
  SP_ASSIGN_OR_RETURN(std::shared_ptr<crypto::Spool> spool,
                      crypto::Spool::Create(dir));
  return std::unique_ptr<SpoolFile>(
      new SpoolFile(std::move(spool), std::move(what)));
}

Status SpoolFile::Fail(Status s) {
  if (failed_.ok()) {
    // The SMTP session answers 452 and says no more: the reason is here.
    log::Warn("{}: {}", what_, s.ToString());
    failed_ = s;
  }
  return s;
}

Status SpoolFile::Append(std::string_view bytes) {
  SP_RETURN_IF_ERROR(failed_);
  if (reader_ != nullptr) return FailedPreconditionError("spool: finished");
  Status s = spool_->Append(bytes);
  return s.ok() ? s : Fail(std::move(s));
}

Status SpoolFile::Finish() {
  SP_RETURN_IF_ERROR(failed_);
  if (reader_ != nullptr) return FailedPreconditionError("spool: finished");
  Status s = spool_->Finish();
  if (!s.ok()) return Fail(std::move(s));
  SP_ASSIGN_OR_RETURN(reader_, spool_->Open());
  return Status::Ok();
}

Status SpoolFile::Restart() {
  SP_RETURN_IF_ERROR(failed_);
  if (reader_ == nullptr) return FailedPreconditionError("spool: not finished");
  return reader_->Restart();
}

Result<size_t> SpoolFile::Read(size_t max, std::string* out) {
  SP_RETURN_IF_ERROR(failed_);
  if (reader_ == nullptr) return FailedPreconditionError("spool: not finished");
  return reader_->Read(max, out);
}

Result<std::unique_ptr<ByteSource>> SpoolFile::Open() {
  SP_RETURN_IF_ERROR(failed_);
  if (reader_ == nullptr) return FailedPreconditionError("spool: not finished");
  SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> reader, spool_->Open());
  return reader;
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
