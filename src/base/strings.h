// Small string helpers shared by the modules.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_STRINGS_H_
#define SEALPOST_BASE_STRINGS_H_

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <iterator>
#include <string>
#include <string_view>

namespace sealpost {

// `c` in lower case when it is an ASCII capital letter, else `c`: bytes of
// 0x80 and above (UTF-8, Latin-1) are never folded, whatever the locale.
constexpr char AsciiLowerByte(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Whether `c` is an ASCII letter (never a byte of 0x80 and above).
constexpr bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// ASCII lower case (addresses, domains, names compared without case).
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLowerByte(c);
  return out;
}

// Whether `a` and `b` are the same but for the case of ASCII letters
// (protocol verbs and keywords, field and parameter names, right names).
constexpr bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLowerByte(a[i]) != AsciiLowerByte(b[i])) return false;
  }
  return true;
}

// Whether `s` begins with `prefix`, ASCII letters compared without case.
constexpr bool StartsWithIgnoringAsciiCase(std::string_view s,
                                           std::string_view prefix) {
  return s.size() >= prefix.size() &&
         EqualsIgnoringAsciiCase(s.substr(0, prefix.size()), prefix);
}

// Whether `s` ends with `suffix`, ASCII letters compared without case.
constexpr bool EndsWithIgnoringAsciiCase(std::string_view s,
                                         std::string_view suffix) {
  return s.size() >= suffix.size() &&
         EqualsIgnoringAsciiCase(s.substr(s.size() - suffix.size()), suffix);
}

// Whether `haystack` holds `lower_needle` (given in lower case) anywhere,
// ASCII letters compared without case (an empty needle: whether the
// haystack is not empty, as std::search has it). When the needle has a
// byte without case (a digit, '/', '.', a space...), memchr jumps from one
// place of it to the next; where such places are dense (a haystack of '/'
// sent on purpose), the plain search takes over.
inline bool ContainsIgnoringAsciiCase(std::string_view haystack,
                                      std::string_view lower_needle) {
  const auto plain_from = [&](size_t start) {
    return std::search(haystack.begin() + static_cast<std::ptrdiff_t>(start),
                       haystack.end(), lower_needle.begin(), lower_needle.end(),
                       [](char a, char b) { return AsciiLowerByte(a) == b; }) !=
           haystack.end();
  };
  const auto same_at = [&](size_t at) {
    for (size_t k = 0; k < lower_needle.size(); ++k) {
      if (AsciiLowerByte(haystack[at + k]) != lower_needle[k]) return false;
    }
    return true;
  };
  const size_t anchor = lower_needle.find_first_not_of(
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
  if (lower_needle.empty() || anchor == std::string_view::npos) {
    return plain_from(0);
  }
  if (haystack.size() < lower_needle.size()) return false;
  // The anchor byte's places where the whole needle fits around it.
  const size_t last = haystack.size() - lower_needle.size() + anchor;
  // More than one anchor per kDense bytes after the first kMisses: memchr
  // stops so often that the plain scan costs less.
  constexpr size_t kMisses = 64, kDense = 16;
  size_t misses = 0;
  for (size_t from = anchor; from <= last;) {
    const void* hit = std::memchr(haystack.data() + from, lower_needle[anchor],
                                  last - from + 1);
    if (hit == nullptr) return false;
    const size_t at =
        static_cast<size_t>(static_cast<const char*>(hit) - haystack.data());
    if (same_at(at - anchor)) return true;
    from = at + 1;
    // Every start before from - anchor is ruled out.
    if (++misses > kMisses && misses * kDense > from) {
      return plain_from(from - anchor);
    }
  }
  return false;
}

// The domain of an address, lower case ("" when it has no '@'; the last
// '@' counts, as in RFC 5321's Mailbox).
inline std::string DomainOf(std::string_view address) {
  size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string()
                                      : AsciiLower(address.substr(at + 1));
}

// Whether the local part of `address` (before its last '@') holds a
// character that MTAs route by: '@' (a quoted "user@elsewhere"), '%' (the
// percent hack) or '!' (UUCP bang paths). Postfix's defaults follow all
// three for a domain it accepts: "carol%gmail.test"@example.com leaves
// for gmail.test.
inline bool HasRoutingLocalPart(std::string_view address) {
  size_t at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  return address.substr(0, at).find_first_of("@%!") != std::string_view::npos;
}

// Whether `address` is in one of `domains` (lower case, exact) and the
// next hop cannot route it elsewhere by its local part: what the mail flow
// and the journal take for an address of the organisation.
template <class Domains>
bool IsAddressIn(const Domains& domains, std::string_view address) {
  if (HasRoutingLocalPart(address)) return false;
  const std::string d = DomainOf(address);
  return std::find(std::begin(domains), std::end(domains), d) !=
         std::end(domains);
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
