// base/domain_name.h's IsDomainName with the rules its callers pass today
// (copied here; each caller's own test pins its entry point: command_test,
// compose_test, smtp_gateway_test), on one table: the TLS policy API's
// NormalizeDomain (api/queue_api.cc), the SMTP envelope's Domain
// (smtp/command.cc) and the composer's host names (mime/compose.cc). The
// table was first checked against the three checks those callers had of
// their own before this helper.
#include "base/domain_name.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace sealpost {
namespace {

// The rules the callers pass.
bool TlsPolicyDomain(std::string_view d) { return IsDomainName(d); }
bool SmtpDomain(std::string_view d) {
  return IsDomainName(d, {.allow_8bit = true, .max_length = 255});
}
bool ComposeDomain(std::string_view d) { return IsDomainName(d); }

// A name of `n` octets: labels of 49 'a's, then one of 1 to 50.
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
