#include "sealed/sealed_writer.h"

#include "sealed/container.h"

namespace sealpost::sealed {

Result<std::string> SealedWriter::Begin(const PublishingLicense& license,
                                        const crypto::Signer& signer,
                                        const SecretBytes& content_key) {
  if (stream_.has_value()) {
    return FailedPreconditionError("SealedWriter::Begin called twice");
  }
  SP_ASSIGN_OR_RETURN(std::string license_bytes, SerializeLicense(license));
  std::string out = MakeSignedHeader(license_bytes);
  SP_ASSIGN_OR_RETURN(crypto::StreamEncryptor stream,
                      crypto::StreamEncryptor::Create(content_key, out));
  SP_ASSIGN_OR_RETURN(std::string signature, signer.Sign(out));
  out += signature;
  SP_RETURN_IF_ERROR(stream.WriteHeader(&out));
  stream_.emplace(std::move(stream));
  return out;
}

Result<std::string> SealedWriter::Update(std::string_view chunk) {
  if (!stream_.has_value()) {
    return FailedPreconditionError("SealedWriter::Begin not called");
  }
  std::string out;
  SP_RETURN_IF_ERROR(stream_->Update(chunk, &out));
  return out;
}

Result<std::string> SealedWriter::Finish() {
  if (!stream_.has_value()) {
    return FailedPreconditionError("SealedWriter::Begin not called");
  }
  std::string out;
  SP_RETURN_IF_ERROR(stream_->Finish(&out));
  return out;
}

}  // namespace sealpost::sealed
