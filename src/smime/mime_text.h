// The MIME text around S/MIME's CMS (RFC 8551 §3): the header fields of an
// application/pkcs7-mime entity, the frame of a multipart/signed, and DER
// or BER in base64 lines. Shared by the in-memory and the streamed makers,
// so that both write the same bytes. Internal to smime/.
//
// Thread-safety: pure functions; a Base64LineStream is one thread's.
#ifndef SEALPOST_SMIME_MIME_TEXT_H_
#define SEALPOST_SMIME_MIME_TEXT_H_

#include <string>
#include <string_view>

#include "crypto/smime_cms.h"

namespace sealpost::smime {

// The application/pkcs7-mime entity's header fields and the empty line:
// enveloped-data, or authEnveloped-data (RFC 8551 §3.4).
void AppendEnvelopedFields(std::string* out, bool authenticated);

// The opaque signed-data entity's header fields and the empty line.
inline constexpr std::string_view kOpaqueSignedFields =
    "Content-Type: application/pkcs7-mime; smime-type=signed-data;\r\n"
    " name=smime.p7m\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "Content-Disposition: attachment; filename=smime.p7m\r\n\r\n";

// Appends `der` in base64 to `out`, 76 characters a line (57 bytes), the
// last line shorter, written straight into `out` without an intermediate
// copy (a 1 MB message's CMS is 1.4 MB of base64; the copies and their
// page faults cost more than the encoding).
void AppendBase64Lines(std::string* out, std::string_view der);

// AppendBase64Lines over bytes that come in slices of any length: the
// same lines as for the bytes joined.
class Base64LineStream {
 public:
  void Add(std::string_view bytes, std::string* out);
  void Finish(std::string* out);

 private:
  std::string carry_;  // fewer than 57 bytes
};

// A multipart/signed entity (RFC 1847 §2.1) up to its first part: its
// fields, the preamble, the first boundary line.
std::string ClearSignedHead(std::string_view boundary,
                            crypto::CmsDigest digest);
// After the first part: the CRLF and boundary that end it (the CRLF
// belongs to the boundary), the application/pkcs7-signature part of the
// detached `der`, the closing boundary.
std::string ClearSignedTail(std::string_view boundary, std::string_view der);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_MIME_TEXT_H_
