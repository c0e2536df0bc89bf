#include "license/irm_config.h"

#include <gtest/gtest.h>

namespace sealpost::license {
namespace {

TEST(IrmConfigTest, MicrosoftDefaults) {
  IrmConfig c;
  EXPECT_TRUE(c.Enabled());
  EXPECT_TRUE(c.GetBool("InternalLicensingEnabled"));
  EXPECT_FALSE(c.GetBool("SimplifiedClientAccessEnabled"));
  EXPECT_FALSE(c.GetBool("DecryptAttachmentForEncryptOnly"));
  EXPECT_TRUE(c.GetBool("JournalReportDecryptionEnabled"));
  EXPECT_TRUE(c.GetBool("SearchEnabled"));
  EXPECT_EQ(c.GetText("TransportDecryptionSetting"), "Optional");
}

TEST(IrmConfigTest, SetAndRoundTrip) {
  IrmConfig c;
  ASSERT_TRUE(c.Set("azurermslicensingenabled", "$false").ok());
  ASSERT_TRUE(c.Set("TransportDecryptionSetting", "mandatory").ok());
  ASSERT_TRUE(
      c.Set("LicensingLocation", "https://a.example/x, https://b.example/y")
          .ok());
  EXPECT_FALSE(c.Enabled());
  auto back = IrmConfig::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_FALSE(back->Enabled());
  EXPECT_EQ(back->GetText("TransportDecryptionSetting"), "Mandatory");
  EXPECT_EQ(back->GetText("LicensingLocation"),
            "https://a.example/x,https://b.example/y");
  bool shown = false;
  for (const auto& [k, v] : back->Display()) {
    if (k == "LicensingLocation") {
      EXPECT_EQ(v, "{https://a.example/x, https://b.example/y}");
      shown = true;
    }
  }
  EXPECT_TRUE(shown);
}

TEST(IrmConfigTest, BadValuesNameTheProperty) {
  IrmConfig c;
  Status s = c.Set("SearchEnabled", "maybe");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("SearchEnabled"), std::string::npos);
  s = c.Set("TransportDecryptionSetting", "Sometimes");
  EXPECT_NE(s.message().find("Disabled, Optional, Mandatory"),
            std::string::npos);
  s = c.Set("NoSuchThing", "1");
  EXPECT_NE(s.message().find("unknown IRM property 'NoSuchThing'"),
            std::string::npos);
  EXPECT_FALSE(c.Set("LicensingLocation", "http://plain").ok());
  EXPECT_TRUE(c.GetBool("SearchEnabled"));  // unchanged after errors
}

}  // namespace
}  // namespace sealpost::license
