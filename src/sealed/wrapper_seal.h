// The seal of a wrapper mail (docs/format.md §8): proof that a mail marked
// `X-Sealpost-Protected` is a wrapper this organisation built and that its
// body is unchanged. The mail flow never seals a message twice, so the mark
// must not be something a sender can write: the org signing key signs the
// message id, the template name and a digest of the wrapper's body, and the
// signature travels in the header:
//
//   X-Sealpost-Protected: v1; id=ID; template="NAME"; k=VERSION; seal=SIG
//
// SIG is base64url (no padding) of the Ed25519 signature over
//   "sealpost-wrapper-v1" 0x00 ID 0x00 NAME 0x00 SHA-256(canonical body)
// where the canonical body has every line end as CRLF, no spaces or tabs at
// the end of a line and no empty lines at its end (DKIM's relaxed body
// canonicalisation, RFC 6376 §3.4.4, less its folding of inner white space),
// so that a Maildir's LF line ends or a relay's trailing blanks do not break
// it. Headers are not covered: a redirected wrapper gains Received,
// Delivered-To or a new Subject and stays the same wrapper.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SEALED_WRAPPER_SEAL_H_
#define SEALPOST_SEALED_WRAPPER_SEAL_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace sealpost::sealed {

inline constexpr std::string_view kProtectedHeader = "X-Sealpost-Protected";

// The parameters of an X-Sealpost-Protected value. Fields a value lacks
// stay empty (key_version 0).
struct ProtectedMarker {
  std::string id;
  std::string template_name;
  uint32_t key_version = 0;
  std::string seal;  // the raw signature; empty when absent or not base64
};

ProtectedMarker ParseProtectedHeader(std::string_view value);

// "v1; id=ID; template=NAME" (NAME quoted when it needs to be).
std::string FormatProtectedHeader(std::string_view id,
                                  std::string_view template_name);
// "; k=VERSION; seal=SIG", appended to FormatProtectedHeader's value.
std::string FormatSealParams(uint32_t key_version, std::string_view signature);

// The bytes the org key signs for a wrapper whose body (everything after
// the header section's empty line) is `body`.
std::string WrapperSealInput(std::string_view id,
                             std::string_view template_name,
                             std::string_view body);

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_WRAPPER_SEAL_H_
