// Whole-buffer helpers over SealedWriter/SealedReader, for small messages and
// tests; streaming callers use the writer and reader directly.
//
// Thread-safety: pure functions (KeyHierarchy is itself thread-safe).
#ifndef SEALPOST_SEALED_SEAL_H_
#define SEALPOST_SEALED_SEAL_H_

#include <functional>
#include <string>
#include <string_view>

#include "base/byte_source.h"

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/key_hierarchy.h"
#include "crypto/signature.h"
#include "sealed/license.h"

namespace sealpost::sealed {

// The container for `message` under an already wrapped content key.
Result<std::string> Seal(const PublishingLicense& license,
                         const crypto::Signer& signer,
                         const SecretBytes& content_key,
                         std::string_view message);

// Draws a content key, wraps it under the primary org key (associated data =
// message id), fills license.key_version and wrapped_content_key, signs with
// that version and seals.
Result<std::string> SealWithKeys(PublishingLicense license,
                                 const crypto::KeyHierarchy& keys,
                                 std::string_view message);

// SealWithKeys a slice at a time (issue 14): the message is read from
// `message` (from where it stands) to its end, and the container handed to
// `out` in pieces as it is made, never whole. Returns the container's
// header (what sealed::ParseSealedHeader reads), which `out` was given
// first.
Result<std::string> SealWithKeysStreamed(
    PublishingLicense license, const crypto::KeyHierarchy& keys,
    ByteSource& message, const std::function<Status(std::string_view)>& out);

struct OpenedMessage {
  PublishingLicense license;
  std::string message;
};

// Verifies with `verifier` and decrypts with `content_key`.
Result<OpenedMessage> Open(std::string_view container,
                           const crypto::Verifier& verifier,
                           const SecretBytes& content_key);

// Verifies with the org key named by the license and unwraps its content key.
// No rights are checked here: that is the license service's job.
Result<OpenedMessage> OpenWithKeys(std::string_view container,
                                   const crypto::KeyHierarchy& keys);

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_SEAL_H_
