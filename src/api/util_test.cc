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

// RFC 8259 §8.1: JSON text exchanged between systems is UTF-8. A string
// the server keeps as it came (a next hop's reply, an old Message-ID) may
// hold any bytes; each one that is no UTF-8 is sent as U+FFFD (was: as it
// came, which no strict parser takes: the CLI aborted on it).
TEST(JsonOkTest, BytesThatAreNoUtf8AreReplacementCharacters) {
  Response r =
      JsonOk(200, json::object{{"last_reply", "451 busy \xff\x9b\x1b[2J"},
                               {"subject", "Grüße"}});
  boost::system::error_code ec;
  json::value v = json::parse(r.body, ec);  // strict UTF-8
  ASSERT_FALSE(ec) << r.body;
  EXPECT_EQ(v.at("last_reply"), "451 busy \uFFFD\uFFFD\x1b[2J");
  EXPECT_EQ(v.at("subject"), "Grüße");
  Response b =
      JsonWithBase64(200, "mail", "\xff", json::object{{"id", "m\xc3"}});
  v = json::parse(b.body, ec);
  ASSERT_FALSE(ec) << b.body;
  EXPECT_EQ(v.at("id"), "m\uFFFD");
  EXPECT_EQ(Base64Of(v, "mail"), "\xff");
}

}  // namespace
}  // namespace sealpost::api
