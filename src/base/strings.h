// Small string helpers shared by the modules.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_STRINGS_H_
#define SEALPOST_BASE_STRINGS_H_

#include <algorithm>
#include <string>
#include <string_view>

namespace sealpost {

// ASCII lower case (addresses, domains, names compared without case).
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Whether `haystack` holds `lower_needle` (given in lower case) anywhere,
// ASCII letters compared without case.
inline bool ContainsIgnoringAsciiCase(std::string_view haystack,
                                      std::string_view lower_needle) {
  return std::search(haystack.begin(), haystack.end(), lower_needle.begin(),
                     lower_needle.end(), [](char a, char b) {
                       return (a >= 'A' && a <= 'Z' ? a - 'A' + 'a' : a) == b;
                     }) != haystack.end();
}

// The domain of an address, lower case ("" when it has no '@'; the last
// '@' counts, as in RFC 5321's Mailbox).
inline std::string DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string()
                                      : AsciiLower(address.substr(at + 1));
}

inline bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

// `s` without leading and trailing spaces and tabs (RFC 5234 WSP; HTTP's
// OWS): for protocol fields, where a CR or LF is never white space.
inline std::string_view TrimBlanks(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

}  // namespace sealpost

#endif  // SEALPOST_BASE_STRINGS_H_
