// Checking the S/MIME signature of a message that arrives (RFC 8551 §3.5,
// RFC 8550 §3): a clear-signed multipart/signed or an opaque signed-data
// at the top of the message. Verified means all of: the signature verifies
// over the bytes as received, the signer's certificate chains to a CA on
// file and is in date and not revoked, and it names the From address.
// The result is for the X-Sealpost-Smime stamp; the message is not changed.
//
// The verdict is on the message a mail client shows, read as it reads it
// (docs/smime.md): one Content-Type and one From field, read by their
// grammars and as GMime reads them (SignedTopOf, signed_top.h), and a
// multipart/signed
// split at exact delimiter lines (ClearSignedScanner, signed_stream.h),
// in memory also as GMime splits it. Anything two readers may take two
// ways is refused (not verified), never given a verdict one of them would
// not make.
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
// (HeaderEndsAtJunk). A clear signature's body is split by
// ClearSignedScanner, as CheckSignatureStream splits it a slice at a time
// (the same verdicts and reasons), and then its two parts must be the two
// GMime's parse of the message makes (mime::ReadTopMultipartAsGmime), or
// it is not verified.
Result<std::optional<SignatureCheck>> CheckSignature(
    CertificateDirectory& certs, std::string_view message);

// CheckSignature's verdict once the SignedData was verified into `sig`:
// the signer's chain, its use, its key (an RSA key under 2048 bits is
// refused) and the From address of `header` (the message's header
// section, ReadFrom). `content` is left empty.
Result<SignatureCheck> JudgeSignature(CertificateDirectory& certs,
                                      std::string_view header,
                                      crypto::CmsSignature sig);

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

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SIGNATURE_CHECK_H_
