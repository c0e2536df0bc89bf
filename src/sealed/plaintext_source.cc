#include "sealed/plaintext_source.h"

#include <algorithm>
#include <utility>

#include "crypto/errors.h"

namespace sealpost::sealed {

PlaintextSource::PlaintextSource(std::unique_ptr<ByteSource> container,
                                 crypto::Verifier verifier,
                                 SecretBytes content_key)
    : container_(std::move(container)),
      verifier_(std::move(verifier)),
      content_key_(std::move(content_key)) {}

Status PlaintextSource::Restart() {
  reader_.reset();
  keyed_ = false;
  finished_ = false;
  failure_ = Status::Ok();
  ready_.clear();
  ready_at_ = 0;
  return container_->Restart();
}

Status PlaintextSource::Fill() {
  if (!reader_.has_value()) reader_.emplace();
  while (ready_at_ == ready_.size() && !finished_) {
    slice_.clear();
    SP_ASSIGN_OR_RETURN(size_t n, container_->Read(kSlice, &slice_));
    if (n == 0) {
      if (!keyed_) return crypto::DecryptionFailedError();  // no header
      SP_RETURN_IF_ERROR(reader_->Finish());
      finished_ = true;
    } else {
      SP_RETURN_IF_ERROR(reader_->Update(slice_));
      if (!keyed_ && reader_->has_header()) {
        SP_RETURN_IF_ERROR(reader_->VerifySignature(verifier_));
        SP_RETURN_IF_ERROR(reader_->SetContentKey(content_key_));
        keyed_ = true;
      }
    }
    ready_ = reader_->TakeOutput();
    ready_at_ = 0;
  }
  return Status::Ok();
}

Result<size_t> PlaintextSource::Read(size_t max, std::string* out) {
  if (!failure_.ok()) return failure_;
  Status filled = Fill();
  if (!filled.ok()) {
    // Nothing more from this pass; a later Restart() starts over.
    failure_ = filled;
    reader_.reset();
    ready_.clear();
    ready_at_ = 0;
    return filled;
  }
  size_t n = std::min(max, ready_.size() - ready_at_);
  out->append(ready_, ready_at_, n);
  ready_at_ += n;
  return n;
}

}  // namespace sealpost::sealed
