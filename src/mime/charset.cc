// Text of mail as UTF-8 (mime/charset.h).
#include "mime/charset.h"

#include <gmime/gmime.h>
#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "base/strings.h"
#include "base/utf8.h"

namespace sealpost::mime::internal {

namespace {

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // Mail text is mostly ASCII: eight such bytes at a time.
    if (uint64_t w; i + sizeof w <= s.size()) {
      std::memcpy(&w, s.data() + i, sizeof w);
      if ((w & 0x8080808080808080ULL) == 0) {
        i += sizeof w;
        continue;
      }
    }
    size_t n = Utf8SequenceAt(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// windows-1252 as the WHATWG Encoding Standard defines it (it also serves for
// ISO-8859-1, which mail mislabels all the time): bytes 0x80-0x9F are the
// typographic characters, everything else is its own code point.
std::string Windows1252ToUtf8(std::string_view s) {
  static constexpr uint16_t kHigh[32] = {
      0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
      0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
      0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
      0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  for (unsigned char c : s) {
    AppendUtf8(c >= 0x80 && c < 0xA0 ? kHigh[c - 0x80] : c, out);
  }
  return out;
}

}  // namespace

// No charset, or one we cannot use: UTF-8 when it is valid UTF-8, else the
// most common 8-bit charset of the web and of mail.
std::string GuessToUtf8(std::string_view bytes) {
  return IsValidUtf8(bytes) ? std::string(bytes) : Windows1252ToUtf8(bytes);
}

namespace {

// Converts with iconv; undecodable bytes become U+FFFD. False when iconv does
// not know `charset`.
bool IconvToUtf8(std::string_view bytes, const char* charset,
                 std::string& out) {
  iconv_t cd = g_mime_iconv_open("UTF-8", charset);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.clear();
  out.reserve(bytes.size() + bytes.size() / 2);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char buf[4096];
  bool flushing = false;
  while (true) {
    char* o = buf;
    size_t o_left = sizeof buf;
    size_t r = flushing ? iconv(cd, nullptr, nullptr, &o, &o_left)
                        : iconv(cd, &in, &in_left, &o, &o_left);
    int err = errno;
    out.append(buf, o - buf);
    if (r != static_cast<size_t>(-1)) {
      if (flushing) break;
      flushing = true;  // in_left is 0: flush a stateful encoding's state
      continue;
    }
    if (err == E2BIG) continue;
    if (flushing) break;
    // EILSEQ: skip the bad byte; EINVAL: a sequence cut at the end.
    out += kReplacement;
    if (err == EINVAL || in_left == 0) {
      in_left = 0;
      flushing = true;
      continue;
    }
    if (err != EILSEQ) break;
    ++in;
    --in_left;
  }
  g_mime_iconv_close(cd);
  return true;
}

}  // namespace

std::string CharsetToUtf8(std::string_view bytes, const char* charset,
                          bool cut) {
  std::string canon;
  if (charset != nullptr && *charset != '\0') {
    const char* canon_c = g_mime_charset_canon_name(charset);
    canon = AsciiLower(canon_c != nullptr ? canon_c : charset);
  }
  const bool utf8 = canon == "utf-8" || canon == "utf8";
  // None, or ASCII declared: UTF-8 when it is valid UTF-8 (GuessToUtf8).
  const bool guess = canon.empty() || canon == "us-ascii" || canon == "ascii";
  if (cut && (utf8 || guess)) {
    // A cap's cut inside a character is no reason to read the rest as
    // windows-1252 (or to show U+FFFD): UTF-8 loses that character only.
    std::string_view whole =
        bytes.substr(0, CompleteUtf8Prefix(bytes, bytes.size()));
    if (utf8 || IsValidUtf8(whole)) bytes = whole;
  }
  if (utf8) {
    std::string text(bytes);
    ReplaceInvalidUtf8(text);  // invalid bytes become U+FFFD
    return text;
  }
  if (guess) return GuessToUtf8(bytes);
  if (canon == "iso-8859-1" || canon == "latin1" || canon == "windows-1252" ||
      canon == "cp1252") {
    return Windows1252ToUtf8(bytes);
  }
  std::string out;
  if (IconvToUtf8(bytes, charset, out) && IsValidUtf8(out)) return out;
  return GuessToUtf8(bytes);
}

}  // namespace sealpost::mime::internal
