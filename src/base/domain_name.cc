#include "base/domain_name.h"

#include "base/strings.h"

namespace sealpost {
namespace {

constexpr size_t kMaxLabel = 63;  // RFC 1035 §2.3.4

bool IsLabelOctet(char c, bool allow_8bit) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsAsciiDigit(c) ||
         c == '-' || (allow_8bit && static_cast<unsigned char>(c) >= 0x80);
}

bool IsLabel(std::string_view label, bool allow_8bit) {
  if (label.empty() || label.size() > kMaxLabel || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  for (char c : label) {
    if (!IsLabelOctet(c, allow_8bit)) return false;
  }
  return true;
}

}  // namespace

bool IsDomainName(std::string_view name, DomainNameRules rules) {
  if (name.empty() || name.size() > rules.max_length) return false;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    if (!IsLabel(name.substr(start, dot - start), rules.allow_8bit)) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace sealpost
