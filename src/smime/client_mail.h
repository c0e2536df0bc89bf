// S/MIME for one signed-in user (`sealpost open` and `sealpost protect
// --smime`, docs/smime.md): the server opens S/MIME mail with the private
// key on file of the user who asks, and never anyone else's, checking each
// signature on the way in; and it makes S/MIME mail from that user to
// recipients whose certificates are on file, signed with the user's key
// when asked. The private key never leaves the server; the caller (the API)
// authenticates the user and audits each use of the key.
//
// Thread-safety: pure functions of their inputs and the directory, which
// is thread-safe.
#ifndef SEALPOST_SMIME_CLIENT_MAIL_H_
#define SEALPOST_SMIME_CLIENT_MAIL_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/status.h"
#include "smime/certificate_directory.h"
#include "smime/signature_check.h"
#include "smime/smime_config.h"

namespace sealpost::smime {

struct OpenedMail {
  // The original's header fields (From, To, Subject, ...) over the
  // innermost entity: what the sender wrote.
  std::string message;
  // The certificate whose key decrypted it; empty when it was not
  // encrypted (signed only).
  std::string certificate_id;
  // One per signature layer, outermost first (a triple wrap has two).
  std::vector<SignatureCheck> signatures;
};

// Opens `message` for `address` (the signed-in user): layer by layer,
// EnvelopedData or AuthEnvelopedData decrypted with a key on file of a
// certificate that names `address`, clear-signed and opaque-signed layers
// checked (smime/signature_check.h) and unwrapped. INVALID_ARGUMENT when
// the message is not S/MIME; PERMISSION_DENIED when it is encrypted and no
// key of `address` opens it (it was not encrypted to their certificate).
Result<OpenedMail> OpenMail(CertificateDirectory& certs,
                            std::string_view message, std::string_view address);

// OpenMail for a message too large to hold (issue 14), read from
// `message` (a spool, a file) a slice at a time, what it opens to written
// to `out` a slice at a time (the result's `message` and each signature's
// `content` are empty), layer by layer as OpenMail, without holding any
// layer whole: an application/pkcs7-mime EnvelopedData (AES-CBC) or
// AuthEnvelopedData (AES-GCM) in base64 is decrypted as it is read
// (crypto::CmsDecryptStream); a clear-signed layer (multipart/signed) has
// its signed part spooled and its signature checked as that is read back
// (smime/signed_stream.h), with OpenMail's checks and results; an opaque
// signed-data layer has its content spooled from the SignedData as it is
// read (crypto::CmsSignedDataSplit) and is checked the same way. An
// entity that is S/MIME again (signed inside encrypted, triple wrap) is
// spooled and opened as the next layer; spools are encrypted temporary
// files in `spool_dir` ("" = /tmp). Still opened whole by OpenMail, 72
// MiB at most (FAILED_PRECONDITION beyond): encrypted mail not in base64.
// Refusals as OpenMail's, decided before a byte is written;
// INVALID_ARGUMENT when the encrypted content is damaged, cut short or
// (GCM) does not authenticate, and (unlike OpenMail, which gives such a
// message back as it came with an unverified signature) when a signed
// layer is malformed: a multipart/signed delimiter that never comes, a
// signature part over 1 MiB or that never ends, a line that starts with
// the boundary but is no delimiter (ClearSignedScanner), a SignedData cut
// short. A signed layer refused from its header section alone (two
// Content-Type or From fields, no boundary: SignedTopOf) is given as it
// came with that unverified signature, as OpenMail gives it.
// On any error what `out` got is not the message and must be thrown
// away: `out` must hold it until OK (the API writes it to a spool that is
// answered only then), since AES-GCM's plaintext comes before its tag is
// checked.
Result<OpenedMail> OpenMailStream(
    CertificateDirectory& certs, ByteSource& message, std::string_view address,
    const std::function<Status(std::string_view)>& out,
    const std::string& spool_dir = "");

struct SmimeMail {
  std::string message;  // what goes out
  // The certificates it is encrypted to: the recipients' (same order), then
  // the sender's own when on file.
  std::vector<std::string> certificate_ids;
  std::string signer_id;  // the sender's certificate that signed; "" if none
  std::string note;       // why it is not signed when OWAAlwaysSign asked
};

// `original` from `sender` encrypted for every address of `recipients`
// (one message for all, as a mail client sends it) and the sender's own
// usable certificate, so that the sender can read what they sent. Every
// recipient must have a usable certificate: FAILED_PRECONDITION naming each
// one without and why otherwise, and nothing is made. `sign` (or
// OWAAlwaysSign in `options`): signed with the sender's key on file first
// (RFC 8551 §3.6, and again outside with OWATripleWrapSignedEncryptedMail);
// with `sign` a sender without a usable key is FAILED_PRECONDITION.
Result<SmimeMail> ProtectMail(CertificateDirectory& certs,
                              std::string_view original,
                              std::string_view sender,
                              const std::vector<std::string>& recipients,
                              bool sign, const SmimeOptions& options);

// ProtectMail for a message too large to hold (issue 14), read from
// `original` (a spool) a slice at a time: the same refusals, decided before
// a byte of it is read; then what goes out is written to `out` a slice at a
// time (its CMS in BER with indefinite lengths), and the result's `message`
// is empty. A message to sign is signed a slice at a time too
// (smime/streamed_mail.h): read once to decide clear or opaque signing,
// then once as it is signed and encrypted (and signed again, triple wrap).
// INVALID_ARGUMENT when the header section does not end in its first MiB.
Result<SmimeMail> ProtectMailStream(
    CertificateDirectory& certs, ByteSource& original, std::string_view sender,
    const std::vector<std::string>& recipients, bool sign,
    const SmimeOptions& options,
    const std::function<Status(std::string_view)>& out);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_CLIENT_MAIL_H_
