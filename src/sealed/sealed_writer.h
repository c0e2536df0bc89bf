// SealedWriter: writes a message.sealed container incrementally, so a message
// of any size is protected with memory bounded by one 64 KiB segment.
//
//   SealedWriter w;
//   out << w.Begin(license, signer, content_key);   // header
//   while (read chunk) out << w.Update(chunk);     // whole segments
//   out << w.Finish();                              // last segment
//
// Thread-safety: thread-compatible (one container, one thread at a time).
#ifndef SEALPOST_SEALED_SEALED_WRITER_H_
#define SEALPOST_SEALED_SEALED_WRITER_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/signature.h"
#include "crypto/streaming_aead.h"
#include "sealed/license.h"

namespace sealpost::sealed {

class SealedWriter {
 public:
  // Serializes and signs `license` with `signer` (the org signing key of
  // license.key_version) and returns the container header and stream header.
  // `content_key` is the 32-byte key wrapped in license.wrapped_content_key.
  Result<std::string> Begin(const PublishingLicense& license,
                            const crypto::Signer& signer,
                            const SecretBytes& content_key);
  // The ciphertext of every segment `chunk` completes (often empty).
  Result<std::string> Update(std::string_view chunk);
  // The final segment. The writer is finished afterwards.
  Result<std::string> Finish();

 private:
  std::optional<crypto::StreamEncryptor> stream_;
};

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_SEALED_WRITER_H_
