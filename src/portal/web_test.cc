#include "portal/web.h"

#include <gtest/gtest.h>

namespace sealpost::portal {
namespace {

TEST(SafeNextTest, KeepsPathsOfOurOwn) {
  EXPECT_EQ(SafeNext("/sent"), "/sent");
  EXPECT_EQ(SafeNext("/m/0a1b?images=1"), "/m/0a1b?images=1");
  EXPECT_EQ(SafeNext("/compose?x=%20y"), "/compose?x=%20y");
}

// Issue 11 item 8: "/%09/evil.example" reached the page as "/\t/evil" and
// the browser, dropping the tab, went to //evil.example.
TEST(SafeNextTest, RefusesWhatABrowserReadsAsAnotherSite) {
  for (std::string_view evil :
       {"/\t/evil.example", "//evil.example", "/\\evil.example",
        "\\/evil.example", "https://evil.example", "/\n/evil.example",
        "/\r/evil.example", "/ /evil.example", "evil.example", "",
        "javascript:alert(1)", "/\x01/evil", "/\x7f/evil", "/\xc2\xa0/evil",
        "/<script>", "/\"onload"}) {
    EXPECT_EQ(SafeNext(evil), "/") << evil;
  }
  EXPECT_EQ(SafeNext(std::string(3000, '/').replace(0, 2, "/a")), "/");
}

}  // namespace
}  // namespace sealpost::portal
