// Finding the characters HTML escaping replaces (& < > " '), eight bytes
// at a time: the escapers (AppendHtmlEscaped, AppendMustacheEscaped) copy
// the runs between them whole. Internal to src/portal.
#ifndef SEALPOST_PORTAL_HTML_SCAN_H_
#define SEALPOST_PORTAL_HTML_SCAN_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace sealpost::portal::internal {

constexpr bool IsHtmlSpecial(char c) {
  return c == '&' || c == '<' || c == '>' || c == '"' || c == '\'';
}

// The first position at or after `from` holding & < > " or ', or
// text.size() when none does.
inline size_t NextHtmlSpecial(std::string_view text, size_t from) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  // Nonzero when a byte of `word` is `c` (the classic "has zero byte" test
  // on word ^ c repeated; may flag bytes above a true match, never below,
  // and never flags a word without one).
  auto has = [](uint64_t word, unsigned char c) {
    const uint64_t x = word ^ (kOnes * c);
    return (x - kOnes) & ~x & kHigh;
  };
  size_t i = from;
  while (i + 8 <= text.size()) {
    uint64_t word;
    std::memcpy(&word, text.data() + i, 8);
    if ((has(word, '&') | has(word, '<') | has(word, '>') | has(word, '"') |
         has(word, '\'')) != 0) {
      break;  // one of these eight bytes (or a later one) is special
    }
    i += 8;
  }
  while (i < text.size() && !IsHtmlSpecial(text[i])) ++i;
  return i;
}

// `text` escaped onto `out`: & < > " as entities and ' as `apostrophe`
// (the sanitizer's "&#39;", kainjow mustache's "&apos;"); the runs between
// them are copied whole.
inline void AppendEscaped(std::string& out, std::string_view text,
                          std::string_view apostrophe) {
  size_t run = 0;
  for (size_t i = NextHtmlSpecial(text, 0); i < text.size();
       i = NextHtmlSpecial(text, run)) {
    out.append(text.data() + run, i - run);
    switch (text[i]) {
      case '&':
        out.append("&amp;");
        break;
      case '<':
        out.append("&lt;");
        break;
      case '>':
        out.append("&gt;");
        break;
      case '"':
        out.append("&quot;");
        break;
      default:
        out.append(apostrophe);
        break;
    }
    run = i + 1;
  }
  out.append(text.data() + run, text.size() - run);
}

}  // namespace sealpost::portal::internal

#endif  // SEALPOST_PORTAL_HTML_SCAN_H_
