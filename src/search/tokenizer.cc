#include "search/tokenizer.h"

#include <algorithm>

namespace sealpost::search {
namespace {

// One code point from `s` at `*i` (advanced); U+FFFD for a bad sequence,
// which then counts as a separator.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  int extra = 0;
  char32_t cp = 0;
  if (c < 0x80) {
    ++*i;
    return c;
  } else if ((c & 0xe0) == 0xc0) {
    extra = 1;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    extra = 2;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    extra = 3;
    cp = c & 0x07;
  } else {
    ++*i;
    return 0xfffd;
  }
  if (*i + extra >= s.size()) {  // cut short at the end
    ++*i;
    return 0xfffd;
  }
  for (int k = 1; k <= extra; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[*i + k]);
    if ((cc & 0xc0) != 0x80) {
      *i += k;
      return 0xfffd;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  *i += extra + 1;
  // Overlong forms and surrogates are not characters.
  static constexpr char32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  if (cp < kMin[extra] || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
    return 0xfffd;
  }
  return cp;
}

bool IsWordChar(char32_t c) {
  if (c < 0x80) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z');
  }
  if (c < 0xc0) return c == 0xaa || c == 0xb5 || c == 0xba;
  if (c == 0xd7 || c == 0xf7) return false;  // × ÷
  if (c < 0x2000) return true;    // Latin, Greek, Cyrillic, ... and marks
  if (c <= 0x2bff) return false;  // punctuation, symbols, arrows, boxes
  if (c >= 0x3000 && c <= 0x303f) return false;  // CJK punctuation
  if (c >= 0xfe00 && c <= 0xfe6f) return false;  // variation, small forms
  if (c >= 0xff00 && c <= 0xff0f) return false;  // fullwidth punctuation
  if (c == 0xfeff || c == 0xfffd) return false;
  return true;
}

bool IsAsciiWordByte(unsigned char b) {
  return (b >= '0' && b <= '9') || (b >= 'a' && b <= 'z') ||
         (b >= 'A' && b <= 'Z');
}

char32_t Lower(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + 32;
  if (c < 0xc0) return c;
  if (c <= 0xde && c != 0xd7) return c + 32;                  // À..Þ
  if (c >= 0x100 && c <= 0x137) return c | 1;                 // Ā ā .. Ķ ķ
  if (c >= 0x139 && c <= 0x148) return (c & 1) ? c + 1 : c;   // Ĺ ĺ .. Ň ň
  if (c >= 0x14a && c <= 0x177) return c | 1;                 // Ŋ ŋ .. Ŷ ŷ
  if (c == 0x178) return 0xff;                                // Ÿ
  if (c >= 0x179 && c <= 0x17e) return (c & 1) ? c + 1 : c;   // Ź ź .. Ž ž
  if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) return c + 32;  // Greek
  if (c >= 0x410 && c <= 0x42f) return c + 32;                // Cyrillic
  if (c >= 0x400 && c <= 0x40f) return c + 80;                // Ѐ..Џ
  return c;
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    *out += static_cast<char>(c);
  } else if (c < 0x800) {
    *out += static_cast<char>(0xc0 | (c >> 6));
    *out += static_cast<char>(0x80 | (c & 0x3f));
  } else if (c < 0x10000) {
    *out += static_cast<char>(0xe0 | (c >> 12));
    *out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (c & 0x3f));
  } else {
    *out += static_cast<char>(0xf0 | (c >> 18));
    *out += static_cast<char>(0x80 | ((c >> 12) & 0x3f));
    *out += static_cast<char>(0x80 | ((c >> 6) & 0x3f));
    *out += static_cast<char>(0x80 | (c & 0x3f));
  }
}

// Calls `emit(word)` for each word of `text`.
template <typename Emit>
void ForEachWord(std::string_view text, Emit emit) {
  std::string word;
  size_t chars = 0;
  bool too_long = false;
  auto flush = [&] {
    if (chars >= 2 && !too_long) emit(word);
    word.clear();
    chars = 0;
    too_long = false;
  };
  size_t i = 0;
  while (i < text.size()) {
    // Most text is ASCII: a run of ASCII letters and digits is taken in one
    // go (lower-cased and appended at once, or skipped when the word is
    // already too long) instead of a code point at a time.
    if (const auto b = static_cast<unsigned char>(text[i]); b < 0x80) {
      if (!IsAsciiWordByte(b)) {
        flush();
        ++i;
        continue;
      }
      size_t end = i + 1;
      while (end < text.size() &&
             IsAsciiWordByte(static_cast<unsigned char>(text[end]))) {
        ++end;
      }
      if (!too_long) {
        // One byte more than the limit is enough to know it is too long.
        const size_t take = std::min(end - i, kMaxWordBytes + 1 - word.size());
        const size_t at = word.size();
        word.resize(at + take);
        for (size_t k = 0; k < take; ++k) {
          const auto a = static_cast<unsigned char>(text[i + k]);
          word[at + k] = static_cast<char>(a >= 'A' && a <= 'Z' ? a + 32 : a);
        }
        chars += take;
        if (word.size() > kMaxWordBytes) too_long = true;
      }
      i = end;
      continue;
    }
    char32_t c = NextCodePoint(text, &i);
    if (!IsWordChar(c)) {
      flush();
      continue;
    }
    if (too_long) continue;
    AppendUtf8(Lower(c), &word);
    ++chars;
    if (word.size() > kMaxWordBytes) too_long = true;
  }
  flush();
}

}  // namespace

void WordSet::AddWord(std::string_view word) {
  if (full()) return;
  auto [it, added] = words_.emplace(word);
  if (added) order_.push_back(*it);
}

void WordSet::Add(std::string_view text) {
  if (full()) return;
  ForEachWord(text, [&](const std::string& w) { AddWord(w); });
}

std::vector<std::string> QueryWords(std::string_view query) {
  WordSet set(64);
  set.Add(query);
  return set.words();
}

}  // namespace sealpost::search
