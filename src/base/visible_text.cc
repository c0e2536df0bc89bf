#include "base/visible_text.h"

#include <cstdio>

#include "base/utf8.h"

namespace sealpost {

bool IsControlCodePoint(char32_t c) {
  return c < 0x20 || (c >= 0x7F && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

std::string VisibleText(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto escape = [&out](const char* format, unsigned value) {
    char buf[16];
    std::snprintf(buf, sizeof buf, format, value);
    out += buf;
  };
  for (size_t i = 0; i < s.size();) {
    char32_t c = 0;
    const size_t n = Utf8SequenceAt(s, i, &c);
    if (n == 0) {
      escape("\\x%02x", static_cast<unsigned char>(s[i]));
      ++i;
      continue;
    }
    if (!IsControlCodePoint(c)) {
      out.append(s, i, n);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x80) {
      escape("\\x%02x", static_cast<unsigned>(c));
    } else {
      escape("\\u%04x", static_cast<unsigned>(c));
    }
    i += n;
  }
  return out;
}

}  // namespace sealpost
