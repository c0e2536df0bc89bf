#include "sealed/sealed_reader.h"

#include <utility>

#include "crypto/errors.h"

namespace sealpost::sealed {

void SealedReader::MarkFailed() {
  failed_ = true;
  pending_.clear();
  output_.clear();
}

Status SealedReader::Fail() {
  MarkFailed();
  return crypto::DecryptionFailedError();
}

Status SealedReader::Update(std::string_view bytes) {
  if (failed_) return crypto::DecryptionFailedError();
  if (stream_.has_value()) {
    if (!stream_->Update(bytes, &output_).ok()) return Fail();
    return Status::Ok();
  }
  if (!header_.has_value()) {
    // Buffer only what the header needs, so the license size limit bounds
    // memory even before the length is known.
    size_t needed = kPrefixSize;
    while (true) {
      auto header = ParseSealedHeader(pending_, &needed);
      if (header.ok()) {
        header_ = std::move(header).value();
        break;
      }
      if (!IsIncompleteHeader(header.status())) {
        MarkFailed();
        return header
            .status();  // the magic or version message, or the generic error
      }
      if (bytes.empty()) return Status::Ok();
      size_t take = std::min(needed - pending_.size(), bytes.size());
      pending_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
    }
    pending_.clear();
  }
  if (pending_.size() + bytes.size() > kMaxPendingBytes) {
    return FailedPreconditionError(
        "sealed message: content key not set after the header");
  }
  pending_.append(bytes);
  return Status::Ok();
}

Status SealedReader::VerifySignature(const crypto::Verifier& verifier) {
  if (failed_) return crypto::DecryptionFailedError();
  if (!header_.has_value()) {
    return FailedPreconditionError("sealed message header not read yet");
  }
  if (!VerifySealedHeader(*header_, verifier).ok()) return Fail();
  verified_ = true;
  return Status::Ok();
}

Status SealedReader::SetContentKey(const SecretBytes& content_key) {
  if (failed_) return crypto::DecryptionFailedError();
  if (!verified_) {
    return FailedPreconditionError(
        "sealed message signature must be verified before decrypting");
  }
  if (stream_.has_value()) {
    return FailedPreconditionError("content key already set");
  }
  auto stream =
      crypto::StreamDecryptor::Create(content_key, header_->signed_header);
  if (!stream.ok()) return Fail();
  stream_.emplace(std::move(stream).value());
  std::string pending = std::move(pending_);
  pending_.clear();
  return Update(pending);
}

Status SealedReader::Finish() {
  if (failed_) return crypto::DecryptionFailedError();
  if (!header_.has_value()) return Fail();  // truncated inside the header
  if (!stream_.has_value()) {
    return FailedPreconditionError("content key not set");
  }
  if (!stream_->Finish(&output_).ok()) return Fail();
  return Status::Ok();
}

std::string SealedReader::TakeOutput() {
  std::string out = std::move(output_);
  output_.clear();
  return out;
}

namespace {

// The reason OpenStreamed gives the container's own faults.
enum class StreamedOpenFault { kContainer };

Status ContainerFault() {
  return crypto::DecryptionFailedError().WithReason(
      StreamedOpenFault::kContainer);
}

}  // namespace

Result<bool> ReadHeader(const ReadFn& read, std::string* head) {
  size_t needed = kPrefixSize;
  for (;;) {
    auto header = ParseSealedHeader(*head, &needed);
    if (header.ok()) return true;
    if (!IsIncompleteHeader(header.status())) return false;
    SP_ASSIGN_OR_RETURN(size_t n, read(needed - head->size(), head));
    if (n == 0) return false;
  }
}

Status OpenStreamed(const ReadFn& read, const StreamedOpen& open) {
  std::string head;
  SP_ASSIGN_OR_RETURN(bool whole, ReadHeader(read, &head));
  if (!whole) return ContainerFault();
  SealedReader reader;
  if (!reader.Update(head).ok()) return ContainerFault();
  SP_ASSIGN_OR_RETURN(
      crypto::Verifier verifier,
      open.verifier(reader.license(),
                    std::string_view(head).substr(0, reader.header().size)));
  if (!reader.VerifySignature(verifier).ok()) return ContainerFault();
  SP_ASSIGN_OR_RETURN(SecretBytes content_key,
                      open.content_key(reader.license()));
  if (!reader.SetContentKey(content_key).ok()) return ContainerFault();
  std::string chunk;
  for (;;) {
    chunk.clear();
    SP_ASSIGN_OR_RETURN(size_t n, read(open.slice, &chunk));
    if (n == 0) break;
    if (!reader.Update(chunk).ok()) return ContainerFault();
    SP_RETURN_IF_ERROR(open.plaintext(reader.TakeOutput()));
  }
  if (!reader.Finish().ok()) return ContainerFault();
  return open.plaintext(reader.TakeOutput());
}

bool IsContainerFault(const Status& status) {
  return status.Reason<StreamedOpenFault>() == StreamedOpenFault::kContainer;
}

}  // namespace sealpost::sealed
