#include "portal/qr_svg.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

namespace sealpost::portal {
namespace {

TEST(QrSvgTest, IsOneInlineSvgWithAQuietZoneAndALabel) {
  const std::string uri =
      "otpauth://totp/Sealpost:ext%40gmail.test?secret="
      "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sealpost&algorithm=SHA1&"
      "digits=6&period=30";
  auto svg = QrSvg(uri, "QR <code> & \"key\"");
  ASSERT_TRUE(svg.ok()) << svg.status().message();
  EXPECT_TRUE(svg->starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
  EXPECT_TRUE(svg->ends_with("</svg>"));
  EXPECT_NE(svg->find("role=\"img\""), std::string::npos);
  EXPECT_NE(svg->find("aria-label=\"QR &lt;code&gt; &amp; &quot;key&quot;\""),
            std::string::npos);
  EXPECT_EQ(svg->find("<script"), std::string::npos);
  // A QR symbol of version v is 17 + 4v modules, plus 4 on each side.
  std::smatch m;
  ASSERT_TRUE(std::regex_search(*svg, m, std::regex("viewBox=\"0 0 (\\d+) ")));
  int size = std::stoi(m[1]);
  EXPECT_EQ((size - 8 - 17) % 4, 0) << size;
  EXPECT_GE(size - 8, 21);
  // The three finder patterns: the top-left module of each is dark.
  int width = size - 8;
  for (auto [x, y] : {std::pair{0, 0}, {width - 7, 0}, {0, width - 7}}) {
    EXPECT_NE(svg->find("M" + std::to_string(x + 4) + " " +
                        std::to_string(y + 4) + "h1v1h-1z"),
              std::string::npos)
        << x << "," << y;
  }
}

TEST(QrSvgTest, LongerTextNeedsALargerSymbol) {
  auto small = QrSvg("otpauth://totp/a", "x");
  auto large = QrSvg(std::string(300, 'A'), "x");
  ASSERT_TRUE(small.ok() && large.ok());
  EXPECT_LT(small->size(), large->size());
}

}  // namespace
}  // namespace sealpost::portal
