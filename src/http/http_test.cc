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

TEST(RequestTest, QueryAndHeaders) {
  Request req;
  req.query = "a=1&b=x%2By+z&c";
  req.headers = {{"content-type", "application/json"}};
  EXPECT_EQ(req.QueryParam("b"), "x+y z");
  EXPECT_EQ(req.QueryParam("c"), "");
  EXPECT_EQ(req.QueryParam("zz"), "");
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("accept"), "");
}

TEST(JsonQuoteTest, Escapes) {
  EXPECT_EQ(JsonQuote("a\"b\\\n\x01"), R"("a\"b\\\n\u0001")");
  EXPECT_EQ(PercentDecode("%zz%4"), "%zz%4");
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
