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

}  // namespace sealpost

#endif  // SEALPOST_BASE_STRINGS_H_
