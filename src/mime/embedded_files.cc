#include "mime/embedded_files.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace sealpost::mime::internal {
namespace {

constexpr std::string_view kBinHexMarker =
    "(This file must be converted with BinHex";

// RFC 1741: BinHex 4.0's 64 characters, each 6 bits.
constexpr std::string_view kBinHexAlphabet =
    "!\"#$%&'()*+,-012345689@ABCDEFGHIJKLMNPQRSTUVXYZ[`abcdefhijklmpqr";

bool IsBase64Char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '+' || c == '/';
}

// The name in what follows "begin " or "begin-base64 ": the mode (3 or 4
// octal digits, as uuencode writes it), one space, the name without the
// blanks before it (as Thunderbird reads it); "" when the line is no such
// line.
std::string_view UuencodeName(std::string_view rest) {
  size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '7') {
    ++digits;
  }
  if (digits < 3 || digits > 4 || digits + 1 >= rest.size() ||
      rest[digits] != ' ') {
    return {};
  }
  rest.remove_prefix(digits + 1);
  const size_t name = rest.find_first_not_of(" \t");
  return name == std::string_view::npos ? std::string_view()
                                        : rest.substr(name);
}

// A line that starts with none of these opens no block: kOpenerPrefix
// bytes of a line tell ("begin ", "begin-base64 ", the BinHex marker,
// "=ybegin ").
constexpr size_t kOpenerPrefix = 8;
bool MayOpen(std::string_view head) {
  return head.starts_with("begin ") || head.starts_with("begin-ba") ||
         head.starts_with("(This fi") || head.starts_with("=ybegin ");
}

// Where the line that `bytes` continues from `from` ends (its LF or CR),
// or npos: memchr, for the text of a part is mostly lines no rule cares
// about.
size_t LineEnd(std::string_view bytes, size_t from) {
  const char* begin = bytes.data() + from;
  size_t upto = bytes.size() - from;
  if (const void* lf = std::memchr(begin, '\n', upto)) {
    upto = static_cast<size_t>(static_cast<const char*>(lf) - begin);
  }
  if (const void* cr = std::memchr(begin, '\r', upto)) {
    upto = static_cast<size_t>(static_cast<const char*>(cr) - begin);
  }
  return from + upto == bytes.size() ? std::string_view::npos : from + upto;
}

}  // namespace

void EmbeddedFiles::Feed(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (skipping_) {
      // Outside a block, a line that cannot open one: nothing in it
      // counts, to its end at once (its head stays what it was).
      i = LineEnd(bytes, i);
      if (i == std::string_view::npos) return;
    }
    const char c = bytes[i];
    if (c == '\n' || c == '\r') {
      // CRLF is one line end; a CR alone is one too (old Mac text: a
      // reader shows "begin 644 evil.exe" after it on a line of its own).
      const bool crlf = c == '\n' && after_cr_;
      after_cr_ = c == '\r';
      if (!crlf) EndLine();
      continue;
    }
    after_cr_ = false;
    if (line_.size() < kMaxLine) {
      line_ += c;
    } else {
      tail_[tail_at_] = c;
      tail_at_ = (tail_at_ + 1) % kMaxLineTail;
    }
    ++line_size_;
    line_base64_ += IsBase64Char(static_cast<unsigned char>(c)) ? 1 : 0;
    line_equals_ += c == '=' ? 1 : 0;
    skipping_ = block_ == Block::kNone && line_size_ == kOpenerPrefix &&
                !MayOpen(line_);
  }
}

std::vector<EmbeddedFiles::File> EmbeddedFiles::Finish() {
  if (line_size_ > 0) EndLine();
  block_ = Block::kNone;
  // A file no name rule can see: the rules fail closed on it.
  for (const File& file : files_) {
    if (file.name.empty()) incomplete_ = true;
  }
  return std::move(files_);
}

std::string_view EmbeddedFiles::SeenLine() {
  if (line_size_ <= static_cast<int64_t>(kMaxLine)) return line_;
  const auto past = static_cast<size_t>(line_size_) - kMaxLine;
  if (past < kMaxLineTail) {
    line_.append(tail_.data(), past);
  } else {  // the ring is full: its oldest byte is at tail_at_
    line_.append(tail_.data() + tail_at_, kMaxLineTail - tail_at_);
    line_.append(tail_.data(), tail_at_);
  }
  return line_;
}

void EmbeddedFiles::Open(Block block, std::string name) {
  block_ = block;
  base64_chars_ = 0;
  binhex_data_ = false;
  binhex_bits_ = 0;
  binhex_nbits_ = 0;
  binhex_run_ = false;
  binhex_header_.clear();
  if (files_.size() < max_files_) {
    files_.push_back({std::move(name), 0});
  } else {
    block_ = Block::kNone;  // over the budget: looked at no more,
    incomplete_ = true;     // and the rules told so
  }
}

bool EmbeddedFiles::Opens(std::string_view line) {
  std::string_view name;
  if (line.starts_with("begin ")) {
    name = UuencodeName(line.substr(6));
    if (!name.empty()) Open(Block::kUuencode, std::string(name));
  } else if (line.starts_with("begin-base64 ")) {
    name = UuencodeName(line.substr(13));
    if (!name.empty()) Open(Block::kBase64, std::string(name));
  } else if (line.starts_with(kBinHexMarker)) {
    Open(Block::kBinHex, std::string());
    return true;
  } else if (line.starts_with("=ybegin ")) {
    // yEnc 1.3: name= is the line's last parameter, the rest of the line.
    // On a line too long to see whole with name= in the part not seen,
    // the name ends as the line does: its last bytes keep its extension.
    size_t at = line.find(" name=");
    if (at != std::string_view::npos) {
      name = line.substr(at + 6);
    } else if (line.size() > kMaxLine) {
      name = line.substr(kMaxLine);
    }
    if (!name.empty()) Open(Block::kYenc, std::string(name));
  }
  return !name.empty();
}

void EmbeddedFiles::EndLine() {
  // A block opens on the line as seen, its head and tail (a name keeps
  // its end); its lines are read by their heads.
  const bool opens = Opens(SeenLine());
  const std::string_view line =
      std::string_view(line_).substr(0, std::min(line_.size(), kMaxLine));
  const int64_t size = line_size_;
  if (!opens && block_ != Block::kNone) {
    File& file = files_.back();
    switch (block_) {
      case Block::kUuencode:
        // Each line's first character says how many bytes it holds.
        if (line == "end") {
          block_ = Block::kNone;
        } else if (!line.empty()) {
          file.size += (static_cast<unsigned char>(line[0]) - 32) & 63;
        }
        break;
      case Block::kBase64:
        if (line == "====") {
          block_ = Block::kNone;
        } else {
          base64_chars_ += line_base64_;
          file.size = base64_chars_ * 3 / 4;
        }
        break;
      case Block::kYenc:
        // Each byte one character, but for '=' and the one it escapes.
        if (line.starts_with("=yend")) {
          block_ = Block::kNone;
        } else if (!line.starts_with("=ypart")) {
          file.size += size - line_equals_;
        }
        break;
      case Block::kBinHex:
        BinHexLine(line);
        break;
      case Block::kNone:
        break;
    }
  }
  line_.clear();
  skipping_ = false;
  tail_at_ = 0;
  line_size_ = 0;
  line_base64_ = 0;
  line_equals_ = 0;
}

// RFC 1741: after ':', 6 bits a character (line breaks and blanks left
// out), then run-length decoding (0x90 and a count repeat the byte
// before; 0x90 0 is 0x90 itself). The header: the name's length and the
// name, a version byte, type, creator and flags (10 bytes), the data
// fork's length (4 bytes, big-endian): all a rule needs.
void EmbeddedFiles::BinHexLine(std::string_view line) {
  File& file = files_.back();
  for (char c : line) {
    if (!binhex_data_) {
      binhex_data_ = c == ':';
      continue;
    }
    if (c == ' ' || c == '\t') continue;
    size_t value = kBinHexAlphabet.find(c);
    if (value == std::string_view::npos) {  // ':' at its end, or not BinHex
      block_ = Block::kNone;
      return;
    }
    binhex_bits_ = (binhex_bits_ << 6) | static_cast<uint32_t>(value);
    binhex_nbits_ += 6;
    if (binhex_nbits_ < 8) continue;
    binhex_nbits_ -= 8;
    const auto byte = static_cast<unsigned char>(binhex_bits_ >> binhex_nbits_);
    binhex_bits_ &= (1u << binhex_nbits_) - 1;
    const size_t need =
        binhex_header_.empty()
            ? 1
            : static_cast<unsigned char>(binhex_header_[0]) + size_t{16};
    if (binhex_run_) {
      binhex_run_ = false;
      if (byte == 0) {
        binhex_header_ += '\x90';
      } else {
        for (int i = 1; i < byte && !binhex_header_.empty() &&
                        binhex_header_.size() < need;
             ++i) {
          binhex_header_ += binhex_header_.back();
        }
      }
    } else if (byte == 0x90) {
      binhex_run_ = true;
    } else {
      binhex_header_ += static_cast<char>(byte);
    }
    if (binhex_header_.empty()) continue;
    const size_t length = static_cast<unsigned char>(binhex_header_[0]);
    if (binhex_header_.size() >= length + 16) {
      file.name = binhex_header_.substr(1, length);
      file.size = 0;
      for (size_t i = length + 12; i < length + 16; ++i) {
        file.size =
            (file.size << 8) | static_cast<unsigned char>(binhex_header_[i]);
      }
      block_ = Block::kNone;
      return;
    }
  }
}

}  // namespace sealpost::mime::internal
