// The header section of a message as bytes (RFC 5322 §2.1, §2.2), without
// GMime and without changing a byte that need not change: where it ends, and
// taking out the fields that only Sealpost may write.
//
// Thread-safety: pure functions; a HeaderEnd is one thread's object.
#ifndef SEALPOST_MIME_HEADER_SECTION_H_
#define SEALPOST_MIME_HEADER_SECTION_H_

#include <algorithm>
#include <cstddef>
#include <limits>
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

// Where the header section of a message read a slice at a time ends, as
// GMime's parser ends it (mime::ParsedMessage, the protection stage): at
// the first empty line (CRLF or LF at a line's start; CR CR or CR and
// another byte is no empty line), reading on past lines that are no field
// (GMime skips them and keeps the fields after them), or at `limit` bytes.
// Each byte is examined once and none is kept, whatever the slices (the
// sender picks them: searching all that is held at each slice would be
// quadratic in the limit).
//
// size() is what GMime holds as the header section, for the SMTP server's
// smtp.max_header_bytes (issue 14). A leading line that is neither a
// field, nor an mbox "From " line (or ">From "), nor empty makes GMime
// give up the message (no message, no header held): size() stays 0.
// Unlike SplitHeaderSection, which ends the header at the first line that
// is no field.
//
// The same as GMime (3.2) for input whose lines end in CRLF (as SMTP hands
// it on: a bare CR or LF is refused or normalized before Feed) and whose
// lines are at most kMaxHeaderLine bytes (longest_line()); tested on every
// short message, LF lines too, and on every line length up to
// kMaxHeaderLine in each long-line shape (a "From " line, a field name,
// blanks before a colon, a name after a field, a field's value). Known to
// differ with lines over GMime's 4 KiB read buffer, where its parser sees
// a line cut at the buffer's end: a "From " line, a field name or blanks
// over ~4 KiB, a line that is no field over 4 KiB after fields. The SMTP
// server refuses a message with a longer line in this region (552 5.3.4),
// so that what it accepts, GMime and every reader after it agree on.
inline constexpr size_t kMaxHeaderLine = 4000;

class HeaderEnd {
 public:
  explicit HeaderEnd(size_t limit = std::numeric_limits<size_t>::max())
      : limit_(limit) {}
  // The next bytes of the message; true once it has ended (and from then
  // on, without looking at `bytes`).
  bool Feed(std::string_view bytes);
  bool done() const { return found_ || fed_ >= limit_; }
  // Whether GMime makes no message of it (its first line): size() is 0
  // for good.
  bool given_up() const { return section_ == Section::kNone; }
  // Whether the empty line was found, and the offset just past it (from
  // the message's first byte).
  bool found() const { return found_; }
  size_t end() const { return found_ ? fed_ : 0; }
  // The header section as GMime holds it so far, its empty line included:
  // 0 until a field's colon or the empty line shows that there is one
  // (leading "From " lines are then counted with it), and 0 for good when
  // GMime makes no message; else every byte fed, to the empty line.
  size_t size() const { return section_ == Section::kHeld ? fed_ : 0; }
  // Bytes looked at so far (tests: one per byte fed before the end).
  size_t examined() const { return examined_; }
  // The most bytes of one line so far, its line end included (the line
  // arriving: its bytes so far), to the end: every line of the region
  // (leading "From " lines, lines that are no field, and lines of a
  // message GMime gives up, to its empty line).
  size_t longest_line() const { return std::max(longest_line_, line_bytes_); }

 private:
  enum class Line { kStart, kStartCr, kInside };
  // Whether GMime makes a header section of the bytes so far: not known
  // while the only lines are mbox "From " lines (or none has ended yet).
  enum class Section { kUndecided, kHeld, kNone };
  // One more byte of a leading line (section_ undecided), as GMime's
  // parser checks a field's name (gmime-parser.c, step_headers).
  void Lead(char c);
  size_t limit_;
  size_t fed_ = 0;
  // Counted apart from fed_ so that a test sees any byte looked at twice.
  size_t examined_ = 0;
  size_t line_bytes_ = 0;  // of the line arriving
  size_t longest_line_ = 0;
  bool found_ = false;
  Line line_ = Line::kStart;
  Section section_ = Section::kUndecided;
  // The leading line arriving: bytes so far, its first ones (a "From "
  // line is known by them), whether a blank was seen in the name, and
  // whether it is known to be a "From " line (the rest is not looked at).
  size_t lead_length_ = 0;
  char lead_[6] = {};
  bool lead_blank_ = false;
  bool lead_from_ = false;
};

// What goes between header fields put in front of `message` (our Received
// field, a rule's added fields) and `message`: "" when GMime holds a
// header section of `message` (a field or the empty line comes first,
// after any mbox "From " lines), so that the fields join it; else "\r\n",
// an empty line that ends the header section at our fields. Without it,
// a message whose first line is no field (GMime makes no message of it:
// HeaderEnd::given_up()) would be read, once a field is in front, past
// that line: its later lines as fields that our side never saw (nor
// measured, nor stripped of X-Sealpost-*), and a first line starting with
// a blank as a continuation of our field (issue 14). `message` may be its
// first bytes only: when they show no header section yet (only "From "
// lines), the empty line is put in. It matches GMime for header lines of
// at most kMaxHeaderLine bytes (HeaderEnd), which is why the SMTP server
// refuses longer ones; it stops reading once it is decided.
std::string_view SeparatorAfterAddedFields(std::string_view message);

// `message` without its X-Sealpost-* fields, which clients must not be able
// to write (a forged X-Sealpost-Protected would claim a protection the mail
// does not have). Kept: X-Sealpost-Template (the sender's documented
// request for protection) and, when `keep_protected`, X-Sealpost-Protected
// (a wrapper whose seal was verified). IsReservedField says it of one
// field name (any case). Looked for in the header section as GMime reads
// it (ReservedFieldsRegion), not where SplitHeaderSection ends it: past
// lines that are no field and leading mbox "From " lines, GMime and every
// GMime reader after us (the next hop) still see the fields. nullopt when
// there is nothing to take out, so that the usual message is not copied.
bool IsReservedField(std::string_view name, bool keep_protected);
// The first bytes of `message` that RemoveReservedFields looks at and may
// rewrite: HeaderEnd::size() of all of it (its empty line included; all
// of it when there is none; 0 when GMime makes no message of it). The
// bytes after it are never changed.
size_t ReservedFieldsRegion(std::string_view message);
std::optional<std::string> RemoveReservedFields(std::string_view message,
                                                bool keep_protected);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_HEADER_SECTION_H_
