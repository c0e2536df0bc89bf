// A clear-signed (multipart/signed) layer opened a slice at a time (issue
// 14): its body scanned for the boundary as it is read, the signed first
// part spooled (an encrypted temporary spool, crypto/spool.h) exactly as
// CheckSignature takes it, the small signature part held (1 MiB at most),
// and the signature then verified over the spooled part as it is read
// back (crypto::CmsVerifyDetachedStream), with CheckSignature's checks.
// And an opaque signed-data layer: its content spooled from the SignedData
// as it is read (crypto::CmsSignedDataSplit), checked the same way.
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_SMIME_SIGNED_STREAM_H_
#define SEALPOST_SMIME_SIGNED_STREAM_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"
#include "smime/certificate_directory.h"
#include "smime/signature_check.h"

namespace sealpost::smime {

// The signature part of a multipart/signed is held, this large at most.
inline constexpr size_t kMaxSignaturePart = size_t{1} << 20;

// Splits a multipart/signed body given a slice at a time as
// CheckSignature splits it whole (RFC 2046 §5.1.1: a delimiter starts a
// line, the CRLF before it belongs to it): the first part's bytes go to
// `content` as they are found (never more than a delimiter's length is
// held back), the signature part (its fields and body) is kept. Every
// malformation is INVALID_ARGUMENT: a delimiter that never comes, a
// signature part over `max_signature` or that never ends.
class ClearSignedScanner {
 public:
  ClearSignedScanner(std::string_view boundary,
                     std::function<Status(std::string_view)> content,
                     size_t max_signature = kMaxSignaturePart);
  Status Write(std::string_view bytes);
  // After the last byte: OK only when both parts were found.
  Status Finish();
  // The signature part, once Finish is OK.
  const std::string& signature_part() const { return signature_; }

 private:
  enum class State {
    kPreamble,
    kDelimLine,
    kContent,
    kSigDelimLine,
    kSig,
    kEpilogue
  };
  Status Scan(bool last);

  std::string delim_;    // "--" boundary
  std::string pattern_;  // CRLF "--" boundary
  std::function<Status(std::string_view)> content_;
  size_t max_signature_;
  State state_ = State::kPreamble;
  bool at_start_ = true;  // nothing of the body dropped yet
  std::string buf_;
  std::string signature_;
};

struct StreamedSignature {
  SignatureCheck check;  // its `content` is empty: the content is below
  // The signed first part, from a spool, read from its first byte.
  std::unique_ptr<SizedByteSource> content;
};

// Opens the clear-signed layer `message` (from its first byte), whose
// header section is its first `header_size` bytes `header` and boundary
// `boundary`: the first part spooled in `spool_dir` ("" = /tmp), then the
// signature checked over it as CheckSignature does. INVALID_ARGUMENT for
// a malformed multipart/signed (nothing is given then); a signature that
// does not verify is not an error (check.verified false, with its reason).
Result<StreamedSignature> OpenClearSignedStream(CertificateDirectory& certs,
                                                ByteSource& message,
                                                std::string_view header,
                                                size_t header_size,
                                                std::string_view boundary,
                                                const std::string& spool_dir);

// Opens the opaque signed-data layer `message` (application/pkcs7-mime;
// smime-type=signed-data, its body base64 after the header section, the
// first `header_size` bytes `header`): the SignedData read a slice at a
// time (crypto::CmsSignedDataSplit), its content spooled, the signature
// checked over the spooled content as CheckSignature checks it whole.
// INVALID_ARGUMENT when the body is not base64 or the SignedData is
// malformed or cut; a signature that does not verify is not an error.
Result<StreamedSignature> OpenOpaqueSignedStream(CertificateDirectory& certs,
                                                 ByteSource& message,
                                                 std::string_view header,
                                                 size_t header_size,
                                                 const std::string& spool_dir);

// CheckSignature for a message too large to hold (issue 14: the gateway's
// check of a large signed message from outside), read from `message` (a
// spool, from its first byte) a slice at a time, whose header section is
// its first `header_size` bytes, `header` (mime::SplitHeaderSection's)
// and the empty line that ends it: nullopt when its top is not an S/MIME
// signature (SignedFormOf its Content-Type) or when `header` ends at a
// line that is no field (HeaderEndsAtJunk), else the verdict, JudgeSignature's
// as CheckSignature's, with `content` empty. The signed part of a clear
// signature is spooled in `spool_dir` ("" = /tmp) and thrown away
// (OpenClearSignedStream), an opaque one's content likewise
// (OpenOpaqueSignedStream). A malformed signed layer is a verdict, not
// verified, with its reason, as CheckSignature gives one (the reasons' words
// may differ); beyond CheckSignature, a signature part over kMaxSignaturePart
// is one. Errors: `message`'s own (as they came), the spool's, the directory's.
Result<std::optional<SignatureCheck>> CheckSignatureStream(
    CertificateDirectory& certs, ByteSource& message, std::string_view header,
    size_t header_size, const std::string& spool_dir);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SIGNED_STREAM_H_
