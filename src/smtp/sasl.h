// SASL as SMTP AUTH carries it (RFC 4954 §4): base64 client responses, and
// the two password mechanisms the submission listener offers, PLAIN
// (RFC 4616) and LOGIN (draft-murchison-sasl-login-00, what Outlook and
// older clients speak). Pure functions; the protocol state machine runs the
// exchange and the I/O layer checks the password.
//
// Thread-safety: pure functions and value types.
#ifndef SEALPOST_SMTP_SASL_H_
#define SEALPOST_SMTP_SASL_H_

#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::smtp {

// RFC 4616 §2: authcid and passwd "MUST" be accepted up to 255 octets; an
// address is at most 254 (RFC 5321 §4.5.3.1.3). Longer passwords are
// allowed, within reason.
inline constexpr size_t kMaxSaslUser = 255;
inline constexpr size_t kMaxSaslPassword = 1024;

struct SaslLogin {
  std::string user;  // the authentication identity (authcid)
  SecretBytes password;
};

// RFC 4954 §4: a response is base64, "=" for an empty one. The decoded
// bytes may hold a password, so they come back as SecretBytes.
Result<SecretBytes> DecodeSaslResponse(std::string_view line);

// RFC 4616 §2: message = [authzid] UTF8NUL authcid UTF8NUL passwd. An
// authzid other than the authcid is refused: a login never acts for
// someone else.
Result<SaslLogin> ParseSaslPlain(const SecretBytes& message);

// A user name as LOGIN sends it: 1 to kMaxSaslUser octets, no control
// characters (it is looked up and may be logged).
Status CheckSaslUser(std::string_view user);

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_SASL_H_
