// The S/MIME enveloped message (RFC 8551 §3.3): the original message's MIME
// entity (its Content-* header fields and body, byte for byte) encrypted
// into an application/pkcs7-mime part, under the original's other header
// fields (From, To, Subject, Date, Message-ID, ...), which stay outside as
// RFC 8551 §3.1 has them.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SMIME_ENVELOPED_MAIL_H_
#define SEALPOST_SMIME_ENVELOPED_MAIL_H_

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/status.h"
#include "crypto/smime_cms.h"

namespace sealpost::smime {

struct EntitySplit {
  // The fields that stay outside, as received (folding kept), without
  // MIME-Version.
  std::string outer_fields;
  // The MIME entity to encrypt: the Content-* fields as received, an empty
  // line, the body. A message without Content-Type is text/plain (RFC 2045
  // §5.2) and its entity says so. Empty when split without `join`.
  std::string entity;
  // The same entity in two parts, so that it is encrypted without a copy
  // of the body: the Content-* fields and the empty line, then the body, a
  // view into the message split (which must outlive it).
  std::string head;
  std::string_view body;

  // `head` and `body`: the parts of the entity.
  std::vector<std::string_view> Parts() const { return {head, body}; }
};

// Splits an RFC 5322 message. CRLF line ends are assumed (SMTP's). With
// `subject`, the Subject field outside becomes that (decoded) text: the
// sender's keyword taken out, as the wrapper does. `join`: `entity` is
// made too (a copy of the body: signing needs it whole).
EntitySplit SplitEntity(std::string_view message,
                        const std::optional<std::string>& subject = {},
                        bool join = true);

// The application/pkcs7-mime entity of a DER EnvelopedData (smime-type
// enveloped-data) or, `authenticated`, AuthEnvelopedData (authEnveloped-data,
// RFC 8551 §3.4): its header fields, an empty line, the DER in base64, lines
// of 76 characters.
std::string EnvelopedEntity(std::string_view enveloped_der,
                            bool authenticated = false);

// The outgoing message: `outer_fields`, MIME-Version and EnvelopedEntity.
std::string BuildEnvelopedMail(std::string_view outer_fields,
                               std::string_view enveloped_der,
                               bool authenticated = false);

// The encrypted entity of `entity` (a MIME entity, e.g. SignEntity's) for
// `recipients`, with `cipher`.
Result<std::string> EncryptToEntity(
    std::string_view entity, const std::vector<std::string>& recipients,
    crypto::CmsCipher cipher = crypto::CmsCipher::kAes256Cbc);

// Encrypts the entity that is `parts` one after the other (EntitySplit's
// Parts, or a whole entity) for `recipients` under `outer_fields`.
Result<std::string> EncryptEntity(
    std::string_view outer_fields, std::span<const std::string_view> parts,
    const std::vector<std::string>& recipients,
    crypto::CmsCipher cipher = crypto::CmsCipher::kAes256Cbc);

// The whole step for `message` and the DER `recipients`: what goes out.
Result<std::string> EncryptMail(std::string_view message,
                                const std::vector<std::string>& recipients,
                                const std::optional<std::string>& subject = {});

// EncryptEntity for a message too large to hold (issue 14): the entity is
// `parts` (EntitySplit's head and the body's first bytes), then what
// `rest` gives to its end; what goes out (`outer_fields`, MIME-Version,
// the application/pkcs7-mime entity) is written to `out` a slice at a
// time, its CMS in BER with indefinite lengths (crypto::CmsEncryptStream).
Status EncryptMailStream(std::string_view outer_fields,
                         std::span<const std::string_view> parts,
                         ByteSource& rest,
                         const std::vector<std::string>& recipients,
                         crypto::CmsCipher cipher,
                         const std::function<Status(std::string_view)>& out);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_ENVELOPED_MAIL_H_
