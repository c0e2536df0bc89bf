// The one decision SMTP RCPT and the portal take on a recipient address.
#include "base/recipient_address.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealpost {
namespace {

const std::vector<std::string> kOurs = {"example.com", "example.org"};

// A local part that routes elsewhere ('%', '!', a quoted '@') is refused in
// our domains, whatever their case: the next hop would send
// bob%competitor.test@example.com to competitor.test, past a rule on it.
TEST(RecipientAddressTest, RoutingLocalPartsInOurDomainsAreRefused) {
  for (const char* to :
       {"bob%competitor.test@example.com", "competitor.test!bob@example.com",
        "bob@competitor.test@example.com", "bob%competitor.test@EXAMPLE.org",
        "x%y!z@example.org"}) {
    EXPECT_EQ(CheckRecipientAddress(kOurs, to),
              RecipientRefusal::kRoutingLocalPart)
        << to;
  }
  EXPECT_EQ(RecipientRefusalReason(RecipientRefusal::kRoutingLocalPart),
            "no '@', '%' or '!' in the local part of an address in our "
            "domains");
}

// Elsewhere the domain's own MTA decides what its local parts mean, as
// RCPT has it; a '%' or '!' after the '@' is no routing local part.
TEST(RecipientAddressTest, OtherAddressesPass) {
  for (const char* to :
       {"bob@example.com", "bob.o'neil+tag@example.org", "a%b@competitor.test",
        "a!b@gmail.example", "postmaster", "bob@sub.example.com",
        "bob@example.com%x"}) {
    EXPECT_EQ(CheckRecipientAddress(kOurs, to), RecipientRefusal::kNone) << to;
  }
  EXPECT_EQ(CheckRecipientAddress({}, "bob%competitor.test@example.com"),
            RecipientRefusal::kNone);
  EXPECT_EQ(RecipientRefusalReason(RecipientRefusal::kNone), "");
}

TEST(RecipientAddressTest, AddressLiteralsAreRefusedAnywhere) {
  for (const char* to : {"ceo@[192.0.2.1]", "ceo@[IPv6:2001:db8::1]"}) {
    EXPECT_EQ(CheckRecipientAddress(kOurs, to),
              RecipientRefusal::kAddressLiteral)
        << to;
    EXPECT_EQ(CheckRecipientAddress({}, to), RecipientRefusal::kAddressLiteral)
        << to;
  }
}

}  // namespace
}  // namespace sealpost
