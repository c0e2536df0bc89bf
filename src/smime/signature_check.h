// Checking the S/MIME signature of a message that arrives (RFC 8551 §3.5,
// RFC 8550 §3): a clear-signed multipart/signed or an opaque signed-data
// at the top of the message. Verified means all of: the signature verifies
// over the bytes as received, the signer's certificate chains to a CA on
// file and is in date and not revoked, and it names the From address.
// The result is for the X-Sealpost-Smime stamp; the message is not changed.
//
// Thread-safety: a pure function of its inputs and the directory.
#ifndef SEALPOST_SMIME_SIGNATURE_CHECK_H_
#define SEALPOST_SMIME_SIGNATURE_CHECK_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "crypto/smime_cms.h"
#include "smime/certificate_directory.h"

namespace sealpost::smime {

struct SignatureCheck {
  bool verified = false;
  std::string signer;  // the certificate's address naming From, or its first
  std::string reason;  // why not verified
  // The signer's certificate (DER) when verified: what harvesting keeps.
  std::string signer_certificate;
  // The signed MIME entity: a multipart/signed's first part as received,
  // or an opaque SignedData's content (empty when its signature does not
  // verify). What `sealpost open` shows under the signature.
  std::string content;

  // "signed; verified=yes; signer=bob@partner.example" or
  // "signed; verified=no; signer=...; reason=\"...\"".
  std::string StampValue() const;
};

// nullopt when the message's top level is not an S/MIME signature, or
// when its header section ends at a line that is no field
// (HeaderEndsAtJunk).
Result<std::optional<SignatureCheck>> CheckSignature(
    CertificateDirectory& certs, std::string_view message);

// CheckSignature's verdict once the SignedData was verified into `sig`:
// the signer's chain, its use and the From address of `header` (the
// message's header section). `content` is left empty.
Result<SignatureCheck> JudgeSignature(CertificateDirectory& certs,
                                      std::string_view header,
                                      crypto::CmsSignature sig);

// The unfolded value of the first field `name` (any case) in the header
// section `header`; nullopt when there is none.
std::optional<std::string> HeaderField(std::string_view header,
                                       std::string_view name);
// A Content-Type value's media type in lower case ("application/pkcs7-mime").
std::string MediaType(std::string_view content_type);
// One parameter's value of a Content-Type value, unquoted; "" when absent.
std::string ContentTypeParam(std::string_view content_type,
                             std::string_view name);

// How a message whose Content-Type value is `content_type` is signed at
// its top, as CheckSignature reads it: clear (multipart/signed, protocol
// ...pkcs7-signature), opaque (application/pkcs7-mime;
// smime-type=signed-data), or not at all.
enum class SignedForm { kNone, kClear, kOpaque };
SignedForm SignedFormOf(std::string_view content_type);

// The top of a message as CheckSignature and CheckSignatureStream read it
// first, from its header section `header`: its SignedForm (kNone also
// when it has no Content-Type), a clear signature's boundary, and
// `refused`, the verdict (not verified) when the header alone shows the
// signature cannot verify (a multipart/signed without a boundary). Both
// answer `refused` at once when the form is kNone (nullopt) or it is set.
struct SignedTop {
  SignedForm form = SignedForm::kNone;
  std::string boundary;
  std::optional<SignatureCheck> refused;
};
SignedTop SignedTopOf(std::string_view header);

// Whether a message's header section, as mime::SplitHeaderSection splits
// it, ends at a line that is neither empty nor a field: `after` is what
// follows that header section (its first two bytes suffice). GMime, and
// the readers after us, skip such a line and keep the fields after it
// (mime::HeaderEnd): the Content-Type our checks read need not be the one
// a reader sees (a multipart/signed over a text/plain showing the whole
// body as text), so neither check gives a verdict, as `sealpost open`
// says "not S/MIME mail".
bool HeaderEndsAtJunk(std::string_view after);

// A MIME body in base64 (line breaks, spaces and tabs skipped), decoded:
// a signature part's, an opaque signed-data's. INVALID_ARGUMENT when it
// is not base64.
Result<std::string> Base64Body(std::string_view body);

// The addr-spec of a From field's value ("Bob <bob@x>" -> "bob@x"); ""
// when there is none.
std::string FromAddress(std::string_view from_value);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SIGNATURE_CHECK_H_
