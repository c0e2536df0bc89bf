// The header section of a message as bytes (RFC 5322 §2.1, §2.2), without
// GMime and without changing a byte that need not change: where it ends, and
// taking out the fields that only Sealpost may write.
//
// Thread-safety: pure functions; a HeaderEnd or HeaderSectionSize is one
// thread's object.
#ifndef SEALPOST_MIME_HEADER_SECTION_H_
#define SEALPOST_MIME_HEADER_SECTION_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace sealpost::mime {

struct HeaderSection {
  std::string_view header;  // the fields, each with its line end
  std::string_view body;    // after the empty line; all of it when no header
};

// Splits at the first empty line (CRLF or bare LF). A message whose first
// line is not a header field has no header section: all of it is body. A
// line inside the header that is neither a field nor a continuation ends
// the header there (no empty line consumed).
HeaderSection SplitHeaderSection(std::string_view message);

// Whether the header section of a message read a slice at a time has
// ended: an empty line (CRLF CRLF, LF LF, or a field's LF then CRLF, as
// SplitHeaderSection takes them; or one at the first byte) has arrived, or
// `limit` bytes have. Each byte is examined once and none is kept, whatever
// the slices (the sender picks them: searching all that is held at each
// slice would be quadratic in the limit).
class HeaderEnd {
 public:
  explicit HeaderEnd(size_t limit) : limit_(limit) {}
  // The next bytes of the message; true once it has ended (and from then
  // on, without looking at `bytes`).
  bool Feed(std::string_view bytes);
  bool done() const { return found_ || fed_ >= limit_; }
  // Whether the empty line was found, and the offset just past it (from
  // the message's first byte).
  bool found() const { return found_; }
  size_t end() const { return found_ ? fed_ : 0; }
  // Bytes looked at so far (tests: one per byte fed before the end).
  size_t examined() const { return examined_; }

 private:
  enum class Line { kStart, kStartCr, kInside };
  size_t limit_;
  size_t fed_ = 0;
  // Counted apart from fed_ so that a test sees any byte looked at twice.
  size_t examined_ = 0;
  bool found_ = false;
  Line line_ = Line::kStart;
};

// How long the header section of a message read a slice at a time is,
// ended exactly where SplitHeaderSection ends it: at an empty line (CRLF
// or bare LF, counted), or before a line that is neither a field nor a
// continuation (not counted; HeaderEnd reads on past such a line). For
// the SMTP server's smtp.max_header_bytes (issue 14): each byte is
// examined once and none is kept, so a header section far over the limit
// costs nothing to measure, whatever the slices.
class HeaderSectionSize {
 public:
  // The next bytes of the message; nothing once the section has ended.
  void Feed(std::string_view bytes);
  bool ended() const { return state_ == State::kEnded; }
  // Bytes of the header section so far: its complete lines, the line
  // arriving once it is known to be a field or a continuation, and the
  // empty line that ends it. After the whole message: its size less that
  // of SplitHeaderSection's body.
  size_t size() const { return lines_ + (state_ == State::kField ? line_ : 0); }

 private:
  // Where the line arriving stands: at its start (or after a CR there),
  // in what may be a field's name (or the blanks after it), known to be a
  // field or a continuation; or the section has ended.
  enum class State { kStart, kStartCr, kName, kNameBlank, kField, kEnded };
  size_t lines_ = 0;  // bytes of the complete lines of the section
  size_t line_ = 0;   // bytes of the line arriving
  State state_ = State::kStart;
};

// `message` without its X-Sealpost-* fields, which clients must not be able
// to write (a forged X-Sealpost-Protected would claim a protection the mail
// does not have). Kept: X-Sealpost-Template (the sender's documented
// request for protection) and, when `keep_protected`, X-Sealpost-Protected
// (a wrapper whose seal was verified). IsReservedField says it of one
// field name (any case). nullopt when there is nothing to
// take out, so that the usual message is not copied.
bool IsReservedField(std::string_view name, bool keep_protected);
std::optional<std::string> RemoveReservedFields(std::string_view message,
                                                bool keep_protected);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_HEADER_SECTION_H_
