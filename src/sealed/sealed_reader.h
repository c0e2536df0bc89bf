// SealedReader: reads a message.sealed container incrementally. The license
// is available without any key (to decide whether the reader may open it);
// decryption needs the signature checked first, then the content key.
//
//   SealedReader r;
//   while (!r.has_header() && read chunk) SP_RETURN_IF_ERROR(r.Update(chunk));
//   SP_RETURN_IF_ERROR(r.VerifySignature(org_verifier_for(r.license())));
//   ... check rights, unwrap the content key ...
//   SP_RETURN_IF_ERROR(r.SetContentKey(content_key));
//   out << r.TakeOutput();
//   while (read chunk) { SP_RETURN_IF_ERROR(r.Update(chunk)); out <<
//   r.TakeOutput(); } SP_RETURN_IF_ERROR(r.Finish()); out << r.TakeOutput();
//
// Output handed out before Finish() succeeds is authentic but may belong to a
// truncated container: discard it if Finish() fails. Every fault in the bytes
// after magic and version is DecryptionFailedError().
//
// Thread-safety: thread-compatible (one container, one thread at a time).
#ifndef SEALPOST_SEALED_SEALED_READER_H_
#define SEALPOST_SEALED_SEALED_READER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/signature.h"
#include "crypto/streaming_aead.h"
#include "sealed/container.h"
#include "sealed/license.h"

namespace sealpost::sealed {

class SealedReader {
 public:
  // Ciphertext buffered while waiting for SetContentKey(), beyond which
  // Update() fails: callers must set the key once has_header().
  static constexpr size_t kMaxPendingBytes =
      kMaxLicenseSize + 2 * crypto::kStreamCiphertextSegmentSize;

  // Feeds container bytes. Decrypted plaintext accumulates for TakeOutput().
  Status Update(std::string_view bytes);
  bool has_header() const { return header_.has_value(); }
  // Valid once has_header(); not yet authenticated until VerifySignature().
  const PublishingLicense& license() const { return header_->license; }
  const SealedHeader& header() const { return *header_; }

  Status VerifySignature(const crypto::Verifier& verifier);
  // Needs a verified signature. Buffered ciphertext is decrypted now.
  Status SetContentKey(const SecretBytes& content_key);
  // Checks the stream ended properly; decrypts the last segment.
  Status Finish();
  // Plaintext decrypted so far and not yet taken.
  std::string TakeOutput();

 private:
  void MarkFailed();
  Status Fail();  // MarkFailed() and the generic error

  std::string pending_;  // header bytes, then ciphertext awaiting the key
  std::optional<SealedHeader> header_;
  bool verified_ = false;
  bool failed_ = false;
  std::optional<crypto::StreamDecryptor> stream_;
  std::string output_;
};

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_SEALED_READER_H_
