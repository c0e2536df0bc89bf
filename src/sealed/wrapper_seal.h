// The seal of a wrapper mail (docs/format.md §7): proof that a mail marked
// `X-Sealpost-Protected` is a wrapper this organisation built and that its
// body and the header fields it was built with are unchanged. The mail flow
// never seals a message twice, so the mark must not be something a sender
// can write: the org signing key signs the message id, the template name
// and digests of those fields and of the body, and the signature travels in
// the header:
//
//   X-Sealpost-Protected: v1; id=ID; template="NAME"; k=VERSION; seal=SIG
//
// SIG is base64url (no padding) of the Ed25519 signature over
//   "sealpost-wrapper-v1" 0x00 ID 0x00 NAME 0x00
//   SHA-256(canonical signed fields) SHA-256(canonical body)
// The signed fields are the ones a wrapper is built with (kSignedFields),
// each occurrence as "name:value" CRLF in that order, the name in lower
// case, the value unfolded with runs of spaces and tabs as one space and
// trimmed (DKIM's relaxed header canonicalisation, RFC 6376 §3.4.2). The
// canonical body has every line end as CRLF, no spaces or tabs at the end
// of a line and no empty lines at its end (§3.4.4, less its folding of
// inner white space). So a Maildir's LF line ends, a relay's trailing
// blanks or the trace fields a redirect adds (Received, Delivered-To) leave
// the seal whole; a new Subject, Cc or part does not.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SEALED_WRAPPER_SEAL_H_
#define SEALPOST_SEALED_WRAPPER_SEAL_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto/digest.h"

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

// The header fields a seal covers, in the order they are digested.
inline constexpr std::string_view kSignedFields[] = {
    "from",       "sender",     "reply-to",     "to",
    "cc",         "subject",    "date",         "in-reply-to",
    "references", "message-id", "mime-version", "content-type"};

// The bytes the org key signs for a wrapper whose header section (the
// fields, without the empty line) is `header` and whose body (everything
// after the empty line) has the digest `body_digest` (CanonicalBodyHasher:
// a body is made and sent a slice at a time, never whole, issue 14).
std::string WrapperSealInputWithDigest(std::string_view id,
                                       std::string_view template_name,
                                       std::string_view header,
                                       std::string_view body_digest);

// SHA-256 of the canonical body (above), fed in slices of any size; only
// the current line is held. One body per object.
class CanonicalBodyHasher {
 public:
  void Update(std::string_view chunk);
  std::string Finish();

 private:
  void EndLine();

  crypto::Sha256Hasher hasher_;
  std::string line_;          // the line being read, without its LF
  size_t pending_empty_ = 0;  // empty lines not yet known to be inner ones
};

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_WRAPPER_SEAL_H_
