#include "branding/branding.h"

#include <gtest/gtest.h>

#include "store/temp_store_for_testing.h"

namespace sealpost::branding {
namespace {

TEST(BrandingTest, LimitsAreNamed) {
  Branding b;
  EXPECT_TRUE(SetField(b, "EmailText", std::string(1024, 'a')).ok());
  Status s = SetField(b, "email-text", std::string(1025, 'a'));
  EXPECT_EQ(s.message(), "EmailText is limited to 1024 characters (got 1025)");
  // Characters, not bytes: 128 two-byte characters fit PortalText.
  std::string e128;
  for (int i = 0; i < 128; ++i) e128 += "\xc3\xa9";
  EXPECT_TRUE(SetField(b, "PortalText", e128).ok());
  EXPECT_NE(SetField(b, "PortalText", e128 + "x").message().find("128"),
            std::string::npos);
  EXPECT_NE(SetField(b, "DisclaimerText", std::string(1025, 'a'))
                .message()
                .find("1024"),
            std::string::npos);
  EXPECT_NE(SetField(b, "Bogus", "x")
                .message()
                .find("unknown branding "
                      "field 'Bogus'"),
            std::string::npos);
}

TEST(BrandingTest, ColoursBoolsExpiry) {
  Branding b;
  ASSERT_TRUE(SetField(b, "BackgroundColor", "yellow").ok());
  EXPECT_EQ(b.background_color, "#ffff00");
  ASSERT_TRUE(SetField(b, "BackgroundColor", "#ABC").ok());
  EXPECT_EQ(b.background_color, "#aabbcc");
  EXPECT_FALSE(SetField(b, "BackgroundColor", "0x000000").ok());
  ASSERT_TRUE(SetField(b, "OTPEnabled", "$false").ok());
  EXPECT_FALSE(b.otp_enabled);
  EXPECT_FALSE(SetField(b, "SocialIdSignIn", "maybe").ok());
  EXPECT_FALSE(b.require_second_factor);
  ASSERT_TRUE(SetField(b, "require-second-factor", "True").ok());
  EXPECT_TRUE(b.require_second_factor);
  EXPECT_TRUE(FromJson(ToJson(b))->require_second_factor);
  ASSERT_TRUE(ResetField(b, "RequireSecondFactor").ok());
  EXPECT_FALSE(b.require_second_factor);
  // Not on the default identity.
  EXPECT_NE(SetField(b, "ExternalMailExpiryInDays", "30")
                .message()
                .find("cannot be set on the default"),
            std::string::npos);
  Branding custom;
  custom.identity = "Finance";
  EXPECT_TRUE(SetField(custom, "ExternalMailExpiryInDays", "730").ok());
  EXPECT_FALSE(SetField(custom, "ExternalMailExpiryInDays", "731").ok());
  EXPECT_FALSE(SetField(custom, "ExternalMailExpiryInDays", "x").ok());
  ASSERT_TRUE(ResetField(custom, "ExternalMailExpiryInDays").ok());
  EXPECT_EQ(custom.external_mail_expiry_in_days, 0);
  ASSERT_TRUE(SetField(b, "ReadButtonText", "Open it").ok());
  ASSERT_TRUE(ResetField(b, "ReadButtonText").ok());
  EXPECT_EQ(b.read_button_text, "Read the message");
  EXPECT_FALSE(SetField(b, "PrivacyStatementUrl", "javascript:x").ok());
}

TEST(BrandingTest, Image) {
  Branding b;
  std::string png = std::string("\x89PNG\r\n\x1a\n", 8) + "data";
  ASSERT_TRUE(SetImage(b, png).ok());
  EXPECT_EQ(b.image_type, "image/png");
  EXPECT_FALSE(SetImage(b, "GIF89a").ok());
  Status big =
      SetImage(b, std::string("\xff\xd8\xff") + std::string(41 * 1024, 'x'));
  EXPECT_NE(big.message().find("40 KB"), std::string::npos);
  EXPECT_EQ(b.image, png);  // unchanged after the refusal
  auto back = FromJson(ToJson(b));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->image, png);
}

TEST(BrandingStoreTest, DefaultAlwaysThereAndNotRemovable) {
  FakeClock clock(1'800'000'000);
  store::testing::TempStore temp(clock, "branding");
  BrandingStore bs(*temp.store);
  auto list = bs.List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].identity, "OME Configuration");
  EXPECT_EQ(bs.Remove("ome configuration").code(),
            StatusCode::kFailedPrecondition);
  Branding f;
  f.identity = "Finance";
  ASSERT_TRUE(bs.Create(f).ok());
  EXPECT_EQ(bs.Create(f).code(), StatusCode::kAlreadyExists);
  Branding longname;
  longname.identity = std::string(65, 'n');
  EXPECT_NE(bs.Create(longname).message().find("64"), std::string::npos);
  auto got = bs.Update("finance", [](Branding& b) {
    b.email_text = "From the finance team";
    return Status::Ok();
  });
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->identity, "Finance");
  EXPECT_EQ(bs.Get("Finance")->email_text, "From the finance team");
  EXPECT_EQ(bs.List()->size(), 2u);
  ASSERT_TRUE(bs.Remove("Finance").ok());
  EXPECT_EQ(bs.Get("Finance").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::branding
