#include "http/http.h"

#include <gtest/gtest.h>

namespace sealpost::http {
namespace {

TEST(RouterTest, MatchesParamsAndMethods) {
  Router r;
  r.Add("GET", "/api/v1/messages/:id",
        [](Request& req) { return Response::Text(200, req.params["id"]); });
  Request get{.method = "GET", .path = "/api/v1/messages/a%20b"};
  EXPECT_EQ(r.Dispatch(get).body, "a b");
  Request post{.method = "POST", .path = "/api/v1/messages/x"};
  EXPECT_EQ(r.Dispatch(post).status, 405);
  Request missing{.method = "GET", .path = "/api/v1/nope"};
  Response resp = r.Dispatch(missing);
  EXPECT_EQ(resp.status, 404);
  EXPECT_EQ(resp.body,
            R"({"error":{"code":"not_found","message":"no such endpoint: )"
            R"(/api/v1/nope"}})");
}

// The large body limits' patterns: a '*' before the end is one segment
// (a reply's files, not a PIN page's form).
TEST(PathMatchesTest, PrefixAndOneSegment) {
  EXPECT_TRUE(PathMatches("/api/v1/protect", "/api/v1/protect"));
  EXPECT_FALSE(PathMatches("/api/v1/protect", "/api/v1/protect/x"));
  EXPECT_TRUE(PathMatches("/api/v1/smime/*", "/api/v1/smime/certs/a/b"));
  EXPECT_TRUE(PathMatches("/m/*/reply", "/m/0123abcd/reply"));
  EXPECT_TRUE(PathMatches("/m/*/forward", "/m/0123abcd/forward"));
  for (const char* no :
       {"/m/0123abcd/pin", "/m/0123abcd", "/m//reply", "/m/reply",
        "/m/a/b/reply", "/m/a/reply/x", "/x/m/a/reply"}) {
    EXPECT_FALSE(PathMatches("/m/*/reply", no)) << no;
  }
}

TEST(RequestTest, QueryAndHeaders) {
  Request req;
  req.query = "a=1&b=x%2By+z&c";
  req.headers = {{"content-type", "application/json"}};
  EXPECT_EQ(req.QueryParam("b"), "x+y z");
  EXPECT_EQ(req.QueryParam("c"), "");
  EXPECT_EQ(req.QueryParam("zz"), "");
  EXPECT_EQ(req.FindQueryParam("a"), "1");
  EXPECT_EQ(req.FindQueryParam("c"), "");
  EXPECT_EQ(req.FindQueryParam("zz"), std::nullopt);
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("accept"), "");
}

TEST(JsonQuoteTest, Escapes) {
  EXPECT_EQ(JsonQuote("a\"b\\\n\x01"), R"("a\"b\\\n\u0001")");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
}

// Error messages echo percent-decoded paths and queries, any bytes: the
// answer stays UTF-8 (RFC 8259 §8.1), each invalid byte a U+FFFD.
TEST(JsonQuoteTest, InvalidUtf8BecomesReplacementCharacters) {
  EXPECT_EQ(JsonQuote("x\xff"), R"("x\ufffd")");
  EXPECT_EQ(JsonQuote("a\xc3"), R"("a\ufffd")");                    // cut off
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\ufffd\ufffd")");            // overlong
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // surrogate
  EXPECT_EQ(JsonQuote("\xc3\xa9t\xc3\xa9"), "\"\xc3\xa9t\xc3\xa9\"");  // é kept
  EXPECT_EQ(JsonQuote("\xf0\x9f\x94\x92"), "\"\xf0\x9f\x94\x92\"");
  EXPECT_EQ(JsonQuote("\xc3\xa9\xff\x1f\""), "\"\xc3\xa9\\ufffd\\u001f\\\"\"");
  std::string nul(1, '\0');
  EXPECT_EQ(JsonQuote(nul), R"("\u0000")");
}

TEST(PercentEncodeTest, OnlyUnreservedStayAndItRoundTrips) {
  EXPECT_EQ(PercentEncode("OME Configuration"), "OME%20Configuration");
  EXPECT_EQ(PercentEncode("a-b_c.d~e/f?&=\xc3\xa9"),
            "a-b_c.d~e%2Ff%3F%26%3D%C3%A9");
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_EQ(PercentDecode(PercentEncode(all)), all);
}

}  // namespace
}  // namespace sealpost::http

namespace sealpost::http {
namespace {

TEST(AttachmentDispositionTest, AsciiFallbackAndUtf8Name) {
  EXPECT_EQ(AttachmentDisposition("report.pdf"),
            "attachment; filename=\"report.pdf\"; "
            "filename*=UTF-8''report.pdf");
  EXPECT_EQ(AttachmentDisposition("Gr\xc3\xbc\xc3\x9f\"e\r\n.txt"),
            "attachment; filename=\"Gr_____e__.txt\"; "
            "filename*=UTF-8''Gr%C3%BC%C3%9F%22e%0D%0A.txt");
}

// Issue 11 item 14: a name over 64 KiB made a header Beast refuses, with
// an exception inside the connection's coroutine.
TEST(AttachmentDispositionTest, LongNamesAreShortenedKeepingTheExtension) {
  std::string huge(70 << 10, 'n');
  std::string d = AttachmentDisposition(huge + ".txt");
  EXPECT_LT(d.size(), 3 * kMaxFilenameBytes + 80);
  EXPECT_NE(d.find("nnn.txt\"; filename*=UTF-8''nnn"), std::string::npos) << d;
  EXPECT_TRUE(d.ends_with("nnn.txt"));
  // Never half a UTF-8 character.
  std::string umlauts;
  for (int i = 0; i < 200; ++i) umlauts += "\xc3\xbc";
  std::string u = AttachmentDisposition(umlauts);
  EXPECT_TRUE(u.ends_with("%C3%BC")) << u;
}

}  // namespace
}  // namespace sealpost::http
