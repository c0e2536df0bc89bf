#include "portal/device.h"

#include <gtest/gtest.h>

#include <string>

#include "license/directory.h"

namespace sealpost::portal {
namespace {

TEST(DeviceKindTest, ClassifiesRealUserAgents) {
  // Desktop browsers.
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
                       "AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Safari/537.36"),
            "desktop");
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) "
                       "AppleWebKit/605.1.15 (KHTML, like Gecko) "
                       "Version/17.1 Safari/605.1.15"),
            "desktop");
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                       "(KHTML, like Gecko) HeadlessChrome/120.0.0.0 "
                       "Safari/537.36"),
            "desktop");
  // Phones.
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS "
                       "X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                       "Version/17.1 Mobile/15E148 Safari/604.1"),
            "mobile");
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (Linux; Android 14; Pixel 8) "
                       "AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Mobile Safari/537.36"),
            "mobile");
  // Tablets: an iPad, an Android without "Mobile".
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (iPad; CPU OS 17_1 like Mac OS X) "
                       "AppleWebKit/605.1.15 (KHTML, like Gecko) "
                       "Version/17.1 Mobile/15E148 Safari/604.1"),
            "tablet");
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (Linux; Android 13; SM-X700) "
                       "AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Safari/537.36"),
            "tablet");
  // No header, tools and bots.
  EXPECT_EQ(DeviceKind(""), "unknown");
  EXPECT_EQ(DeviceKind("curl/8.4.0"), "unknown");
  EXPECT_EQ(DeviceKind("Mozilla/5.0 (compatible; Googlebot/2.1; "
                       "+http://www.google.com/bot.html)"),
            "unknown");
  EXPECT_EQ(DeviceKind("something else"), "unknown");
}

TEST(DeviceKindTest, LooksOnlyAtTheStartOfALongHeader) {
  std::string ua(600, 'x');
  ua += "iPhone";
  EXPECT_EQ(DeviceKind(ua), "unknown");
  EXPECT_EQ(DeviceKind(std::string_view("\0iPhone\xff", 8)), "mobile");
}

TEST(SignInMethodTest, NamesThePortalSessionKinds) {
  EXPECT_EQ(SignInMethod(license::kPortalOtpSession), "passcode");
  EXPECT_EQ(SignInMethod(license::kPortalOidcSession), "oidc");
  EXPECT_EQ(SignInMethod(license::kPortalSession), "org");
  EXPECT_EQ(SignInMethod("cli"), "");
}

}  // namespace
}  // namespace sealpost::portal
