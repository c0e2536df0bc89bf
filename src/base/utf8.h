// UTF-8 (RFC 3629) one code point at a time: the decoder behind mime/'s
// charset repair and search/'s word splitting, and the encoder of both.
//
// Inline: the tokenizer calls it for every character it indexes.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_UTF8_H_
#define SEALPOST_BASE_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sealpost {

// Length of the valid UTF-8 sequence at s[i] (i < s.size()), its code point
// in `*code_point` when given; 0 when invalid (RFC 3629 §3: overlong forms,
// surrogates and code points above U+10FFFF are invalid; NUL is valid).
inline size_t Utf8SequenceAt(std::string_view s, size_t i,
                             char32_t* code_point = nullptr) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = byte(i);
  size_t n;
  char32_t cp;
  if (c < 0x80) {
    n = 1;
    cp = c;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  if (code_point != nullptr) *code_point = cp;
  return n;
}

// Appends the UTF-8 form of `c`, a Unicode scalar value (not a surrogate,
// at most U+10FFFF).
inline void AppendUtf8(char32_t c, std::string& out) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// How much of `s`'s first `max` bytes stays once a UTF-8 sequence that
// their end leaves incomplete (a cut made inside a character, at a read's
// cap) is dropped.
inline size_t CompleteUtf8Prefix(std::string_view s, size_t max) {
  size_t end = s.size() < max ? s.size() : max;
  size_t lead = end;  // after the last byte that may start a character
  while (lead > 0 && end - lead < 3 &&
         (static_cast<unsigned char>(s[lead - 1]) & 0xC0) == 0x80) {
    --lead;
  }
  if (lead > 0) {
    unsigned char b = static_cast<unsigned char>(s[lead - 1]);
    size_t need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
    if (end - (lead - 1) < need) end = lead - 1;
  }
  return end;
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 character, and
// drops the sequence its end leaves incomplete (a cut made before it, at a
// read's cap); true when it removed anything.
inline bool TruncateUtf8(std::string& s, size_t max) {
  size_t end = CompleteUtf8Prefix(s, max);
  bool cut = end < s.size();
  s.resize(end);
  return cut;
}

// Replaces each byte of `s` that is not part of a valid UTF-8 sequence
// with U+FFFD (as JsonQuote does); true when it replaced any. Text that is
// valid is only read.
inline bool ReplaceInvalidUtf8(std::string& s) {
  size_t i = 0;
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  size_t n = 0;
  while (i < s.size() && (n = Utf8SequenceAt(s, i)) != 0) i += n;
  if (i == s.size()) return false;
  std::string out(s, 0, i);
  while (i < s.size()) {
    n = Utf8SequenceAt(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  s = std::move(out);
  return true;
}

}  // namespace sealpost

#endif  // SEALPOST_BASE_UTF8_H_
