#include "protect/streamed_copy.h"

#include <algorithm>

#include "base/strings.h"

namespace sealpost::protect {
namespace {

constexpr size_t kSlice = 256 * 1024;

}  // namespace

Status SpoolFileError(const Status& status) {
  return InternalError("spool file: " + status.message());
}

Status SpooledOriginal::Restart() {
  Status s = source_.Restart();
  return s.ok() ? s : SpoolFileError(s);
}

Result<size_t> SpooledOriginal::Read(size_t max, std::string* out) {
  auto n = source_.Read(max, out);
  if (!n.ok()) return SpoolFileError(n.status());
  return *n;
}

Result<std::unique_ptr<ByteSource>> OpenSpooled(ByteSpool& spool,
                                                std::string prefix,
                                                int64_t skip) {
  auto reader = spool.Open();
  if (!reader.ok()) return SpoolFileError(reader.status());
  return std::unique_ptr<ByteSource>(std::make_unique<SpooledOriginal>(
      std::move(prefix), skip, std::move(*reader)));
}

Result<std::unique_ptr<ByteSource>> OpenSpooled(
    std::shared_ptr<ByteSpool> spool, std::string prefix) {
  auto reader = spool->Open();
  if (!reader.ok()) return SpoolFileError(reader.status());
  return std::unique_ptr<ByteSource>(std::make_unique<SpooledOriginal>(
      std::move(prefix), 0, std::move(*reader), std::move(spool)));
}

Status WrapperSource::Restart() {
  if (!started_) return Status::Ok();
  return UnimplementedError("a wrapper stream is read once");
}

Result<size_t> WrapperSource::Read(size_t max, std::string* out) {
  started_ = true;
  if (prefix_at_ < prefix_.size()) {
    size_t n = std::min(max, prefix_.size() - prefix_at_);
    out->append(prefix_, prefix_at_, n);
    prefix_at_ += n;
    return n;
  }
  return mail_->Next(max, out);
}

Result<bool> SourceMentions(ByteSource& mail, std::string_view needle) {
  // Each slice is searched with the end of the one before in front, so
  // that a needle across two slices is found.
  std::string window;
  for (;;) {
    const size_t keep = std::min(window.size(), needle.size() - 1);
    window.erase(0, window.size() - keep);
    SP_ASSIGN_OR_RETURN(size_t n, mail.Read(kSlice, &window));
    if (ContainsIgnoringAsciiCase(window, needle)) return true;
    if (n == 0) return false;
  }
}

}  // namespace sealpost::protect
