// The domain-name checks of the modules, pinned on one table: the TLS policy
// API's NormalizeDomain (api/queue_api.cc), the SMTP envelope's IsDomain
// (smtp/command.cc) and the composer's IsDomain (mime/compose.cc).
//
// The three are verbatim copies of the modules' functions, so that the table
// is shown to describe them before they are replaced by one helper.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/strings.h"

namespace sealpost {
namespace {

namespace api {

Result<std::string> NormalizeDomain(std::string_view d) {
  auto refuse = [d] {
    std::string shown(d);
    for (char& c : shown) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) c = '?';
    }
    return InvalidArgumentError("'" + shown + "' is not a domain name");
  };
  if (d.empty() || d.size() > 253) return refuse();
  std::string out = AsciiLower(d);
  for (size_t start = 0; start <= out.size();) {
    size_t dot = std::min(out.find('.', start), out.size());
    std::string_view label = std::string_view(out).substr(start, dot - start);
    start = dot + 1;
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return refuse();
    }
    for (char c : label) {
      if (!((c >= 'a' && c <= 'z') || IsAsciiDigit(c) || c == '-')) {
        return refuse();
      }
    }
  }
  return out;
}

}  // namespace api

namespace smtp {

bool IsAlpha(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
bool IsUtf8(char c) { return static_cast<unsigned char>(c) >= 0x80; }

bool IsDomain(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    std::string_view label = s.substr(start, dot - start);
    if (label.empty() || label.size() > 63) return false;
    if (label.front() == '-' || label.back() == '-') return false;
    for (char c : label) {
      if (!IsAlpha(c) && !IsAsciiDigit(c) && c != '-' && !IsUtf8(c))
        return false;
    }
    if (dot == s.size()) break;
    start = dot + 1;
  }
  return true;
}

}  // namespace smtp

namespace mime {

bool IsDomain(std::string_view d) {
  if (d.empty() || d.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    std::string_view label =
        d.substr(start, dot == std::string_view::npos ? d.npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace mime

bool TlsPolicyDomain(std::string_view d) {
  Result<std::string> r = api::NormalizeDomain(d);
  if (r.ok()) {
    EXPECT_EQ(*r, AsciiLower(d));  // lower case, nothing else changed
  }
  return r.ok();
}
bool SmtpDomain(std::string_view d) { return smtp::IsDomain(d); }
bool ComposeDomain(std::string_view d) { return mime::IsDomain(d); }

// A name of `n` octets: labels of 49 'a's, the last one shorter.
std::string NameOfLength(size_t n) {
  std::string s;
  while (n - s.size() > 50) s += std::string(49, 'a') + '.';
  return s + std::string(n - s.size(), 'a');
}

struct Case {
  std::string name;
  bool tls_policy;  // api: TLS policy domains (RFC 1035 host names)
  bool smtp;        // smtp: envelope domains, U-labels, 255 octets
  bool compose;     // mime: the composer's Message-ID and address domains
};

std::vector<Case> Cases() {
  const std::string l63(63, 'a');
  const std::string l64(64, 'a');
  return {
      {"", false, false, false},
      {".", false, false, false},
      {"..", false, false, false},
      {"a", true, true, true},
      {"example", true, true, true},
      {"example.com", true, true, true},
      {"Mail.EXAMPLE.Com", true, true, true},
      {"a.b.c.d.e.f", true, true, true},
      {"a..b", false, false, false},
      {".example.com", false, false, false},
      {"example.com.", false, false, false},  // trailing dot: an empty label
      {"-a.example", false, false, false},
      {"a-.example", false, false, false},
      {"a.-", false, false, false},
      {"-", false, false, false},
      {"a-b.example", true, true, true},
      {"a--b.example", true, true, true},
      {"xn--bcher-kva.example", true, true, true},
      {"b\xC3\xBC"
       "cher.example",
       false, true, false},                  // UTF-8 U-label
      {"\xFF.example", false, true, false},  // 8-bit, not UTF-8: taken too
      {"\xC3\xBC-.example", false, false, false},
      {"a_b.example", false, false, false},
      {"_dmarc.example", false, false, false},
      {"a b.example", false, false, false},
      {"a\tb.example", false, false, false},
      {std::string("a\0b.example", 11), false, false, false},
      {"exa!mple.com", false, false, false},
      {"a@b.example", false, false, false},
      {"[1.2.3.4]", false, false, false},  // an address literal is no name
      {"1.2.3.4", true, true, true},
      {"123", true, true, true},
      {"0-9.example", true, true, true},
      {l63 + ".example", true, true, true},
      {l64 + ".example", false, false, false},
      {"example." + l63, true, true, true},
      {"example." + l64, false, false, false},
      {l63 + "." + l63 + "." + l63 + "." + std::string(61, 'a'), true, true,
       true},  // 253 octets, four labels
      {NameOfLength(252), true, true, true},
      {NameOfLength(253), true, true, true},
      {NameOfLength(254), false, true, false},
      {NameOfLength(255), false, true, false},
      {NameOfLength(256), false, false, false},
      {NameOfLength(253) + ".", false, false, false},
  };
}

TEST(DomainNameTest, EachCallerOnTheTable) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE("'" + c.name + "' (" + std::to_string(c.name.size()) +
                 " octets)");
    EXPECT_EQ(TlsPolicyDomain(c.name), c.tls_policy);
    EXPECT_EQ(SmtpDomain(c.name), c.smtp);
    EXPECT_EQ(ComposeDomain(c.name), c.compose);
  }
}

TEST(DomainNameTest, NameOfLengthIsThatLong) {
  for (size_t n : {1, 50, 51, 252, 253, 254, 255, 256}) {
    EXPECT_EQ(NameOfLength(n).size(), n);
  }
}

}  // namespace
}  // namespace sealpost
