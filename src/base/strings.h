// Small string helpers shared by the modules.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_STRINGS_H_
#define SEALPOST_BASE_STRINGS_H_

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

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view Trim(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

}  // namespace sealpost

#endif  // SEALPOST_BASE_STRINGS_H_
