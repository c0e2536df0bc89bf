#include "protect/journal_stream.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "mime/journal_report.h"
#include "smime/streamed_mail.h"

namespace sealpost::protect {
namespace {

// The frame's pieces with the attached messages between them, each
// opened when the read reaches it and scanned again as it is read; an
// attached message that reads back another size, 8bit where it was 7bit
// (or the reverse), or with the boundary where it had none, is an error:
// the frame was made for the bytes scanned the first time.
class JournalReportSource final : public ByteSource {
 public:
  JournalReportSource(std::vector<std::string> pieces,
                      std::vector<OpenAttached> attached,
                      std::vector<mime::AttachedScan> scans,
                      std::string boundary)
      : pieces_(std::move(pieces)),
        attached_(std::move(attached)),
        scans_(std::move(scans)),
        boundary_(std::move(boundary)) {}

  Status Restart() override {
    item_ = 0;
    at_ = 0;
    open_.reset();
    rescan_.reset();
    return Status::Ok();
  }

  Result<size_t> Read(size_t max, std::string* out) override {
    if (max == 0) return size_t{0};  // not the end: nothing asked for
    // Items: piece 0, attached 0, piece 1, ..., the last piece.
    const size_t items = pieces_.size() + attached_.size();
    while (item_ < items) {
      if (item_ % 2 == 0) {
        const std::string& piece = pieces_[item_ / 2];
        if (at_ < piece.size()) {
          const size_t n = std::min(max, piece.size() - at_);
          out->append(piece, at_, n);
          at_ += n;
          return n;
        }
      } else {
        const size_t i = item_ / 2;
        const mime::AttachedScan& first = scans_[i];
        if (open_ == nullptr) {
          SP_ASSIGN_OR_RETURN(open_, attached_[i]());
          rescan_.emplace(boundary_);
          at_ = 0;
        }
        SP_ASSIGN_OR_RETURN(size_t n, open_->Read(max, out));
        at_ += n;
        if (static_cast<int64_t>(at_) > first.size() ||
            (n == 0 && static_cast<int64_t>(at_) != first.size())) {
          return InternalError(
              "journal report: an attached message read back another size");
        }
        if (n > 0) {
          rescan_->Update(std::string_view(*out).substr(out->size() - n));
          return n;
        }
        if (rescan_->ascii() != first.ascii() ||
            rescan_->has_delimiter() != first.has_delimiter()) {
          return InternalError(
              "journal report: an attached message read back other bytes");
        }
        open_.reset();
        rescan_.reset();
      }
      ++item_;
      at_ = 0;
    }
    return size_t{0};
  }

 private:
  std::vector<std::string> pieces_;
  std::vector<OpenAttached> attached_;
  std::vector<mime::AttachedScan> scans_;  // as first read
  std::string boundary_;
  size_t item_ = 0;
  size_t at_ = 0;  // in the current item
  std::unique_ptr<ByteSource> open_;
  std::optional<mime::AttachedScan> rescan_;  // of what `open_` has read
};

}  // namespace

Status StreamJournalReport(PlannedJournalReport* plan,
                           std::vector<OpenAttached> attached) {
  const size_t expected = plan->request.include_decrypted ? 2 : 1;
  if (attached.size() != expected) {
    return InternalError("journal report: an opener per attached message");
  }
  std::vector<mime::AttachedScan> scans;
  for (const OpenAttached& open : attached) {
    mime::AttachedScan& scan = scans.emplace_back(plan->request.boundary);
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> source, open());
    SP_RETURN_IF_ERROR(
        smime::CopySource(*source, [&scan](std::string_view slice) {
          scan.Update(slice);
          return Status::Ok();
        }));
  }
  SP_ASSIGN_OR_RETURN(
      std::vector<std::string> pieces,
      mime::JournalReportFrame(plan->request, plan->is_protected,
                               plan->request.include_decrypted, scans));
  int64_t size = 0;
  for (const auto& p : pieces) size += static_cast<int64_t>(p.size());
  for (const auto& scan : scans) size += scan.size();
  plan->report.content.clear();
  plan->report.content_size = size;
  plan->report.content_source = std::make_shared<JournalReportSource>(
      std::move(pieces), std::move(attached), std::move(scans),
      plan->request.boundary);
  return Status::Ok();
}

}  // namespace sealpost::protect
