// PublishingLicense: who may open a sealed message and with which rights,
// signed by the org and carried inside the container (SPEC §3 "Protected
// container"). Rights stay generic here: a grant is a principal string and a
// list of right names; src/rights gives them meaning.
//
// Serialized as a canonical TLV (docs/format.md §5): every field is
// tag (1 byte) | length (4 bytes, big-endian) | value, in ascending tag order,
// each exactly once except grants (0..n). Parsing accepts only the canonical
// form, so one license has exactly one encoding and its signature covers it.
//
// Thread-safety: value types and pure functions.
#ifndef SEALPOST_SEALED_LICENSE_H_
#define SEALPOST_SEALED_LICENSE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::sealed {

struct Grant {
  std::string principal;            // e-mail, group, domain, "recipients"...
  std::vector<std::string> rights;  // "VIEW", "REPLY", ...
  friend bool operator==(const Grant&, const Grant&) = default;
};

struct PublishingLicense {
  std::string issuer;         // the issuing server (e.g. its public host)
  uint32_t key_version = 0;   // org key that wraps the content key and signs
  std::string message_id;     // also the content key's associated data
  std::string owner;          // the sender; always holds OWNER
  std::string template_name;  // "Encrypt", "Do Not Forward", ...
  std::vector<Grant> grants;
  int64_t issued_at = 0;  // Unix seconds
  int64_t expiry = 0;     // Unix seconds; 0 = never
  // The content key wrapped under org key `key_version` (an Aead ciphertext,
  // docs/format.md §1, with associated data = message_id).
  std::string wrapped_content_key;
  friend bool operator==(const PublishingLicense&,
                         const PublishingLicense&) = default;
};

// Limits enforced by both directions.
inline constexpr size_t kMaxLicenseSize = 1 << 20;
inline constexpr size_t kMaxLicenseStringSize = 4096;
inline constexpr size_t kMaxGrants = 10000;
inline constexpr size_t kMaxRightsPerGrant = 64;

// InvalidArgument naming the field when a value is missing or too long.
Result<std::string> SerializeLicense(const PublishingLicense& license);
// InvalidArgument("malformed publishing license: ...") on any deviation.
Result<PublishingLicense> ParseLicense(std::string_view bytes);

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_LICENSE_H_
