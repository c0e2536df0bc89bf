#include "sealed/license.h"

#include <gtest/gtest.h>

#include "crypto/format_vectors_for_testing.h"
#include "crypto/key_hierarchy.h"

namespace sealpost::sealed {
namespace {

PublishingLicense Sample() {
  PublishingLicense l;
  l.issuer = "sealpost.example.com";
  l.key_version = 1;
  l.message_id = "m-1";
  l.owner = "alice@example.com";
  l.template_name = "Encrypt";
  l.grants = {{"alice@example.com", {"OWNER"}},
              {"bob@example.org", {"VIEW", "REPLY"}},
              {"recipients", {}}};
  l.issued_at = 1767225600;
  l.expiry = 1767225600 + 86400;
  // A syntactically valid wrapped key for version 1.
  l.wrapped_content_key =
      std::string("\x01\x00\x00\x00\x01", 5) + std::string(12 + 32 + 16, 'w');
  return l;
}

TEST(LicenseTest, RoundTrip) {
  auto bytes = SerializeLicense(Sample());
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto back = ParseLicense(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, Sample());
  EXPECT_EQ(*SerializeLicense(*back), *bytes);
}

// The python-made license (docs/format.md §5) parses to the fields the
// script used and re-serializes to the same bytes: the encoding is canonical.
TEST(LicenseTest, PythonVector) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  auto l = ParseLicense(v["license"]);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  EXPECT_EQ(l->issuer, "sealpost.example.com");
  EXPECT_EQ(l->key_version, 1u);
  EXPECT_EQ(l->message_id, "m-0001");
  EXPECT_EQ(l->owner, "alice@example.com");
  EXPECT_EQ(l->template_name, "Do Not Forward");
  EXPECT_EQ(l->issued_at, 1767225600);
  EXPECT_EQ(l->expiry, 0);
  ASSERT_EQ(l->grants.size(), 2u);
  EXPECT_EQ(l->grants[1].principal, "bob@example.org");
  EXPECT_EQ(l->grants[1].rights,
            (std::vector<std::string>{"VIEW", "REPLY", "REPLYALL"}));
  EXPECT_EQ(l->wrapped_content_key, v["wrapped_content_key"]);
  EXPECT_EQ(*SerializeLicense(*l), v["license"]);
}

TEST(LicenseTest, SerializeRefusesInvalidFields) {
  auto bad = [](auto mutate) {
    PublishingLicense l = Sample();
    mutate(l);
    return SerializeLicense(l).status();
  };
  EXPECT_FALSE(bad([](auto& l) { l.issuer.clear(); }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.message_id.clear(); }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.owner.clear(); }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.key_version = 0; }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.key_version = 2; }).ok());  // != wrapped
  EXPECT_FALSE(bad([](auto& l) { l.expiry = -1; }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.wrapped_content_key.pop_back(); }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.grants[0].principal.clear(); }).ok());
  EXPECT_FALSE(bad([](auto& l) { l.grants[0].rights.push_back(""); }).ok());
  EXPECT_FALSE(bad([](auto& l) {
                 l.owner = std::string(kMaxLicenseStringSize + 1, 'a');
               }).ok());
  Status s = bad([](auto& l) { l.issuer.clear(); });
  EXPECT_NE(s.message().find("issuer"), std::string::npos);
  EXPECT_TRUE(bad([](auto& l) { l.template_name.clear(); }).ok());
}

TEST(LicenseTest, ParseRefusesNonCanonicalOrDamagedBytes) {
  std::string good = *SerializeLicense(Sample());
  EXPECT_FALSE(ParseLicense("").ok());
  EXPECT_FALSE(ParseLicense(good + "\x09").ok());
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(ParseLicense(good.substr(0, n)).ok()) << n;
  }
  // Every single-byte change in tags or lengths is refused or reads as a
  // different license; none crashes.
  for (size_t i = 0; i < good.size(); ++i) {
    std::string bad = good;
    bad[i] ^= 0x41;
    auto r = ParseLicense(bad);
    if (r.ok()) {
      EXPECT_NE(*r, Sample()) << i;
    }
  }
  // Fields out of order: swap issuer (tag 1) for tag 3.
  std::string reordered = good;
  reordered[0] = 3;
  EXPECT_FALSE(ParseLicense(reordered).ok());
}

}  // namespace
}  // namespace sealpost::sealed
