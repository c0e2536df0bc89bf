#include "smtp/reply.h"

namespace sealpost::smtp {

Reply Reply::Make(int code, std::string_view enhanced, std::string_view text) {
  Reply r;
  r.code = code;
  r.enhanced = std::string(enhanced);
  r.lines.emplace_back(text);
  return r;
}

std::string Reply::Wire() const {
  std::string out;
  const std::string code_text = std::to_string(code);
  const size_t n = lines.empty() ? 1 : lines.size();
  for (size_t i = 0; i < n; ++i) {
    out += code_text;
    // RFC 5321 §4.2.1: "-" after the code on every line but the last.
    out += i + 1 < n ? '-' : ' ';
    if (!enhanced.empty()) {
      out += enhanced;
      out += ' ';
    }
    if (!lines.empty()) {
      for (char c : lines[i]) {
        out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
      }
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace sealpost::smtp
