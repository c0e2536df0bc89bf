// The message.sealed container (MIME type application/vnd.sealpost.sealed),
// docs/format.md §6:
//
//   "SEALPOST" (8) | format version 0x01 (1) | license length L (4, BE) |
//   license (L, TLV) | Ed25519 signature (64) | streaming AEAD (§3)
//
// The first 13 + L bytes are the "signed header": the org signing key of
// license.key_version signs exactly those bytes, and they are the associated
// data of every stream segment, so a swapped license or signed header breaks
// decryption as well as the signature.
//
// Thread-safety: value types and pure functions.
#ifndef SEALPOST_SEALED_CONTAINER_H_
#define SEALPOST_SEALED_CONTAINER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/signature.h"
#include "sealed/license.h"

namespace sealpost::sealed {

inline constexpr std::string_view kMagic = "SEALPOST";
inline constexpr uint8_t kFormatVersion = 0x01;
inline constexpr std::string_view kMimeType = "application/vnd.sealpost.sealed";
inline constexpr std::string_view kFileName = "message.sealed";
inline constexpr size_t kPrefixSize = 8 + 1 + 4;  // magic, version, length

// Everything before the encrypted stream.
struct SealedHeader {
  PublishingLicense license;
  std::string signed_header;  // magic .. license: signed, and the stream AD
  std::string signature;      // 64 bytes
  size_t size = 0;            // bytes of the container consumed
  std::string_view license_bytes() const {
    return std::string_view(signed_header).substr(kPrefixSize);
  }
};

// magic | version | length | license bytes.
std::string MakeSignedHeader(std::string_view license_bytes);

// Whether `bytes` starts like a sealed container (magic and version), for
// content sniffing.
bool LooksSealed(std::string_view bytes);

// Parses the header from the start of a container, without any key.
// `bytes` may hold more (the stream follows) or, while reading, less: then
// the status satisfies IsIncompleteHeader() and *needed (if given) is the
// number of bytes the header needs, as far as known yet. A wrong magic or
// version has its own message; every other fault is DecryptionFailedError().
Result<SealedHeader> ParseSealedHeader(std::string_view bytes,
                                       size_t* needed = nullptr);

// Checks the header's signature; DecryptionFailedError() on mismatch.
Status VerifySealedHeader(const SealedHeader& header,
                          const crypto::Verifier& verifier);

// True for ParseSealedHeader's "need more bytes" status.
bool IsIncompleteHeader(const Status& status);

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_CONTAINER_H_
