// Signing a message's MIME entity (RFC 8551 §3.5): clear-signed
// multipart/signed (RFC 1847, SHA-256, `micalg=sha-256`) when the entity is
// 7-bit clean, so that clients without S/MIME still read it (OWAClearSign);
// otherwise opaque application/pkcs7-mime signed-data, because a relay
// may re-encode 8-bit text and break a clear signature (RFC 8551 §3.1.2),
// and rewriting the original's transfer encodings would not be byte-faithful.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SMIME_SIGNED_MAIL_H_
#define SEALPOST_SMIME_SIGNED_MAIL_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "smime/certificate_directory.h"
#include "smime/smime_config.h"

namespace sealpost::smime {

// Whether bytes are 7-bit clean, given a slice at a time (a spooled
// entity): only ASCII without NUL, CR and LF only as CRLF, lines of 998
// octets at most (RFC 5322 §2.1.1), safe through any relay. The same answer
// for the same bytes however they are cut.
class SevenBitCheck {
 public:
  void Add(std::string_view bytes);
  // The answer once every byte was added (a CR last is not a CRLF).
  bool Finish() const { return clean_ && !cr_; }
  bool clean_so_far() const { return clean_; }

 private:
  bool clean_ = true;
  bool cr_ = false;  // the last byte added was a CR
  size_t line_ = 0;
};

// Whether an entity may be clear-signed with `boundary`, asked of its
// bytes as they are given, however they are cut: 7-bit clean
// (SevenBitCheck) and without `boundary` (one across two slices found
// too). SignEntity and the spool's ClearSignable and PresignEntity all
// decide by it. An empty boundary never clear-signs.
class ClearSignCheck {
 public:
  explicit ClearSignCheck(std::string_view boundary)
      : boundary_(boundary), clean_(!boundary.empty()) {}
  void Add(std::string_view bytes);
  // Whether it may be clear-signed, once every byte was added.
  bool Finish() const { return clean_ && seven_bit_.Finish(); }
  bool clean_so_far() const { return clean_; }
  // Forgets what was added (the bytes are given again from the first).
  void Reset() { *this = ClearSignCheck(boundary_); }

 private:
  std::string_view boundary_;
  SevenBitCheck seven_bit_;
  std::string tail_;  // the last bytes added, fewer than a boundary
  bool clean_;
};

// The signed entity (header fields, empty line, body). `boundary` must be
// unique (a random token); it is used for multipart/signed only.
// `options`: the digest, SMIMECapabilities, and OWAClearSign (false: opaque
// whatever the entity).
Result<std::string> SignEntity(std::string_view entity,
                               const SigningIdentity& signer,
                               std::string_view boundary,
                               const SmimeOptions& options = {});

// A new boundary for SignEntity's multipart/signed: "=_sp_signed_" and a
// random token ('_' is not base64, so no encrypted entity holds it).
std::string NewSignedBoundary();

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SIGNED_MAIL_H_
