#include "portal/web.h"

#include <gtest/gtest.h>

#include <random>

#include "portal/sanitize.h"

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

// The page's text body: escaped everywhere, its http(s) links made links
// (trailing punctuation left out).
TEST(LinkifyTextTest, EscapesAndLinks) {
  EXPECT_EQ(LinkifyText(""), "");
  EXPECT_EQ(LinkifyText("plain text\nsecond line"), "plain text\nsecond line");
  EXPECT_EQ(LinkifyText("a<b>&\"c'd"), "a&lt;b&gt;&amp;&quot;c&#39;d");
  EXPECT_EQ(LinkifyText("see https://ex.org/a?b=1&c=2. Done"),
            "see <a href=\"https://ex.org/a?b=1&amp;c=2\" rel=\"noopener "
            "noreferrer\" target=\"_blank\">https://ex.org/a?b=1&amp;c=2</a>. "
            "Done");
  EXPECT_EQ(LinkifyText("(http://x.org/') httpx <http://y.org>"),
            "(<a href=\"http://x.org/\" rel=\"noopener noreferrer\" "
            "target=\"_blank\">http://x.org/</a>&#39;) httpx &lt;<a "
            "href=\"http://y.org\" rel=\"noopener noreferrer\" "
            "target=\"_blank\">http://y.org</a>&gt;");
  EXPECT_EQ(LinkifyText("http"), "http");
  EXPECT_EQ(LinkifyText("https://"),
            "<a href=\"https://\" rel=\"noopener noreferrer\" "
            "target=\"_blank\">https://</a>");
}

TEST(AppendHtmlEscapedTest, RandomTextsAsOneCharacterAtATime) {
  std::mt19937 rng(5);
  constexpr std::string_view kAlphabet = "ab &<>\"'\x80\xff\0";
  for (int round = 0; round < 20000; ++round) {
    std::string text(rng() % 40, ' ');
    for (char& c : text) c = kAlphabet[rng() % kAlphabet.size()];
    std::string expected;
    for (char c : text) {
      switch (c) {
        case '&':
          expected += "&amp;";
          break;
        case '<':
          expected += "&lt;";
          break;
        case '>':
          expected += "&gt;";
          break;
        case '"':
          expected += "&quot;";
          break;
        case '\'':
          expected += "&#39;";
          break;
        default:
          expected += c;
      }
    }
    std::string out;
    AppendHtmlEscaped(out, text);
    ASSERT_EQ(out, expected) << text;
  }
}

TEST(AppendHtmlEscapedTest, EscapesTheFiveAndCopiesTheRest) {
  std::string out = "x";
  static constexpr char kIn[] = "&<>\"' ünï\n\0z";
  static constexpr char kOut[] = "x&amp;&lt;&gt;&quot;&#39; ünï\n\0z";
  AppendHtmlEscaped(out, std::string_view(kIn, sizeof kIn - 1));
  EXPECT_EQ(out, std::string_view(kOut, sizeof kOut - 1));
}

// The portal sends only where SMTP RCPT would take the mail, and only what
// the composer writes (was: a forward to bob%competitor.test@example.com
// left through our domain's route, past a rule on competitor.test).
TEST(PortalRecipientTest, RefusesWhatTheGatewayRefuses) {
  const std::vector<std::string> ours = {"example.com"};
  EXPECT_EQ(PortalRecipient("Bob@Example.COM", ours).value(),
            "bob@example.com");
  // Elsewhere the domain's own MTA decides, as at RCPT.
  EXPECT_EQ(PortalRecipient("a%b@gmail.test", ours).value(), "a%b@gmail.test");
  for (const char* to :
       {"x%competitor.test@example.com", "competitor.test!x@EXAMPLE.com"}) {
    auto r = PortalRecipient(to, ours);
    ASSERT_FALSE(r.ok()) << to;
    EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << to;
    EXPECT_NE(r.status().message().find("'%' or '!'"), std::string::npos);
    EXPECT_EQ(RefusedRecipientHeading(r.status()), "That address is refused");
  }
  for (const char* to :
       {"ceo@[192.0.2.1]", "\"a b\"@example.com", "a..b@example.com",
        ".a@example.com", "x", "x@", "x@-bad.example", "x@example.com."}) {
    auto r = PortalRecipient(to, ours);
    ASSERT_FALSE(r.ok()) << to;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << to;
    EXPECT_EQ(RefusedRecipientHeading(r.status()),
              "That address doesn't look right");
  }
}

}  // namespace
}  // namespace sealpost::portal
