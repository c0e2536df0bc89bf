#include "api/util.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "base/encoding.h"

namespace sealpost::api {
namespace {

std::string Base64Of(const json::value& v, std::string_view key) {
  auto decoded = Base64Decode(v.as_object().at(key).as_string());
  EXPECT_TRUE(decoded.ok());
  return decoded.ok() ? *decoded : "";
}

TEST(JsonWithBase64Test, KeyAloneIsAnObjectOfOneMember) {
  const std::string bytes("\x00\xff mail\r\n", 9);
  Response r = JsonWithBase64(201, "mail", bytes, json::object{});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.content_type, "application/json");
  json::value v = json::parse(r.body);
  ASSERT_EQ(v.as_object().size(), 1u) << r.body;
  EXPECT_EQ(Base64Of(v, "mail"), bytes);
  // Nothing at all: "" as base64 is "".
  json::value empty = json::parse(JsonWithBase64(200, "m", "", {}).body);
  EXPECT_EQ(empty, (json::object{{"m", ""}}));
}

TEST(JsonWithBase64Test, KeyThenTheMembersOfRest) {
  Response r = JsonWithBase64(
      201, "mail", "abcd",
      json::object{{"id", "m-1"}, {"template", "Encrypt \"x\""}});
  json::value v = json::parse(r.body);
  const json::object& o = v.as_object();
  ASSERT_EQ(o.size(), 3u) << r.body;
  EXPECT_EQ(Base64Of(v, "mail"), "abcd");
  EXPECT_EQ(o.at("id"), "m-1");
  EXPECT_EQ(o.at("template"), "Encrypt \"x\"");
}

// `rest` holding `key` would be an object with the key twice (RFC 8259
// §4: the names SHOULD be unique; parsers keep either): a caller's bug,
// answered as one, never sent.
TEST(JsonWithBase64Test, KeyAlsoInRestIsRefused) {
  Response r = JsonWithBase64(201, "mail", "abcd",
                              json::object{{"id", "m-1"}, {"mail", "x"}});
  EXPECT_EQ(r.status, 500);
  EXPECT_EQ(r.body.find("abcd"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find("YWJj"), std::string::npos) << r.body;
}

}  // namespace
}  // namespace sealpost::api
