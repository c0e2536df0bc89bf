// Files carried inside the lines of a text part, which Thunderbird,
// Outlook and others show as attachments (Thunderbird's "untyped text"):
// uuencode ("begin 644 name" ... "end", and uuencode -m's "begin-base64"
// ... "===="), BinHex 4.0 (the line "(This file must be converted with
// BinHex", then its encoded header, which holds the name, RFC 1741) and
// yEnc ("=ybegin ... name=..." ... "=yend"). The mail flow rules see each
// one as an attachment (MailFacts::attachments); the text stays text.
//
// Fed a part's decoded bytes a slice at a time, as they are read: the part
// is never whole in memory (a large message is read from its spool).
// Memory: one line's first kMaxLine and last kMaxLineTail bytes, and the
// files found.
//
// It fails closed: a file past the budget, or one whose name could not be
// read (BinHex), makes the list incomplete(), and the mail flow rules then
// take every attachment condition as met (MailFacts::attachments_incomplete).
//
// Thread-safety: not thread-safe; one object per part.
#ifndef SEALPOST_MIME_EMBEDDED_FILES_H_
#define SEALPOST_MIME_EMBEDDED_FILES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sealpost::mime::internal {

class EmbeddedFiles {
 public:
  struct File {
    std::string name;  // "" when it could not be read (BinHex)
    int64_t size = 0;  // decoded bytes, as counted from the lines
  };

  // A line is looked at by its first kMaxLine bytes and its last
  // kMaxLineTail: a longer "begin" line gives a name of both (its
  // extension kept), and yEnc's name= is found at the end of a long line.
  static constexpr size_t kMaxLine = 4096;
  static constexpr size_t kMaxLineTail = 256;

  // At most `max_files` files are kept (the caller's share of a message's
  // budget: each costs up to kMaxLine + kMaxLineTail bytes).
  explicit EmbeddedFiles(size_t max_files) : max_files_(max_files) {}

  // The next decoded bytes of the part. A line ends at LF, CRLF or a CR
  // alone, as readers take it.
  void Feed(std::string_view bytes);
  // The part's end: the files found, in order (a block without its end
  // line counts as far as it goes, as readers show it).
  std::vector<File> Finish();
  // After Finish: a file was left out (past `max_files`) or listed
  // without a name (a BinHex header not read, or naming nothing).
  bool incomplete() const { return incomplete_; }

 private:
  enum class Block { kNone, kUuencode, kBase64, kBinHex, kYenc };

  void EndLine();
  // The line as seen: its head, and when it was longer than kMaxLine, the
  // tail not in it (at most kMaxLineTail bytes) after it.
  std::string_view SeenLine();
  // A line that opens a block (any kind, even inside another: a block
  // without its end line does not hide the next one).
  bool Opens(std::string_view line);
  void Open(Block block, std::string name);
  void BinHexLine(std::string_view line);

  size_t max_files_;
  std::vector<File> files_;
  bool incomplete_ = false;
  Block block_ = Block::kNone;
  // The current line: its first kMaxLine bytes, past them its last
  // kMaxLineTail in a ring (tail_[tail_at_] the oldest once full), and
  // counts over all of it.
  std::string line_;
  std::array<char, kMaxLineTail> tail_{};
  size_t tail_at_ = 0;
  bool after_cr_ = false;  // the byte before ended a line at CR
  // Outside a block, the current line's head opens none: its rest is
  // passed over to its end (the head and counts stay as they were).
  bool skipping_ = false;
  int64_t line_size_ = 0;
  int64_t line_base64_ = 0;   // base64 alphabet characters
  int64_t line_equals_ = 0;   // '=', yEnc's escape
  int64_t base64_chars_ = 0;  // of the open begin-base64 block
  // BinHex: past the ':' that starts the data; its decoded header so far.
  bool binhex_data_ = false;
  uint32_t binhex_bits_ = 0;
  int binhex_nbits_ = 0;
  bool binhex_run_ = false;  // the byte before was RLE's 0x90
  std::string binhex_header_;
};

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_EMBEDDED_FILES_H_
