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
#include <cstdint>
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

// Splits a multipart/signed body, given a slice at a time or whole (the
// same split and the same words whatever the slices), at delimiter lines
// as every reader takes them (RFC 2046 §5.1.1): a line that is exactly
// "--" boundary, then blanks (space, tab) at most, then CRLF, the CRLF
// before it belonging to it; the close delimiter the same with "--" after
// the boundary, ended by CRLF or the body's end. The body is the preamble
// (dropped), the signed part (given to `content` as it is found, never
// more than a delimiter's length and a line end held back), the signature
// part (its fields and body, kept) and, after the close delimiter, the
// epilogue (not read).
//
// Refused as malformed (INVALID_ARGUMENT, NothingOpenedError), because
// readers split such a body in different ways: the delimiter string
// ("--" boundary) anywhere before the close delimiter but at the start
// of a line after CRLF (GMime also after a bare LF, and in a line over
// its 4 KiB buffer, at a buffer's end), or at the start of a line that
// is not exactly a delimiter ("--boundaryX": GMime reads it as text, a
// reader that follows RFC 2046's note to implementors, a boundary "in its
// entirety following the CRLF" suffices, as a delimiter; a CR before the
// CRLF: GMime reads a delimiter); a delimiter line over
// kMaxDelimiterLine bytes; a close delimiter before the signed part or
// right after it; a third part; an empty signed or signature part; a
// delimiter that never comes, a signature part over `max_signature` or
// that never ends.
class ClearSignedScanner {
 public:
  // RFC 5322 §2.1.1's longest line, its CRLF excluded.
  static constexpr size_t kMaxDelimiterLine = 998;

  ClearSignedScanner(std::string_view boundary,
                     std::function<Status(std::string_view)> content,
                     size_t max_signature = kMaxSignaturePart);
  Status Write(std::string_view bytes);
  // After the last byte: OK only when both parts were found.
  Status Finish();
  // The signature part, once Finish is OK.
  const std::string& signature_part() const { return signature_; }
  // Where the signed part and the signature part begin, from the body's
  // first byte, once Finish is OK.
  uint64_t content_begin() const { return content_begin_; }
  uint64_t signature_begin() const { return signature_begin_; }

 private:
  enum class State { kPreamble, kContent, kSignature, kEpilogue };
  enum class Line { kUndecided, kDelimiter, kClose };
  Status Scan(bool last);
  // What the delimiter string at buf_[at] starts; *end is set past the
  // line's CRLF (or at the body's end) when it is decided.
  Result<Line> LineAt(size_t at, bool last, size_t* end) const;
  // The part ends before the delimiter line at buf_[at] (its CRLF before
  // it excluded), which ends at buf_[end].
  Status EndPart(size_t at, Line line, size_t end);
  // Gives buf_[0, n) to the part it belongs to (the preamble's is
  // dropped), then Drop(n).
  Status Release(size_t n);
  // Takes buf_[0, n) out of buf_ (its last two bytes kept in last_two_).
  void Drop(size_t n);
  // The byte `back` (1 or 2) bytes before buf_[at]; 0 before the body.
  char Before(size_t at, size_t back) const;

  std::string delim_;  // "--" boundary
  std::function<Status(std::string_view)> content_;
  size_t max_signature_;
  State state_ = State::kPreamble;
  std::string buf_;
  uint64_t dropped_ = 0;       // bytes of the body before buf_
  char last_two_[2] = {0, 0};  // the two bytes before buf_
  // buf_[0, searched_) holds no start of delim_.
  size_t searched_ = 0;
  uint64_t content_begin_ = 0;
  uint64_t content_size_ = 0;  // given so far
  uint64_t signature_begin_ = 0;
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
// verified, with its reason, as CheckSignature gives one (the same words:
// both split with ClearSignedScanner); CheckSignature also compares the
// split with GMime's, which is not done here (the message is not held).
// Errors: `message`'s own (as they came), the spool's, the directory's.
Result<std::optional<SignatureCheck>> CheckSignatureStream(
    CertificateDirectory& certs, ByteSource& message, std::string_view header,
    size_t header_size, const std::string& spool_dir);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SIGNED_STREAM_H_
