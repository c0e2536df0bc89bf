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

TEST(PrintableFieldTest, LabelsOfPrintableTextUpToTheLimit) {
  for (const std::string& ok :
       {std::string("sealpost open"), std::string("Outlook 16.0 (Windows)"),
        std::string("日本語のクライアント"), std::string(64, 'x'),
        std::string("no-break\xc2\xa0space")}) {
    auto v = PrintableField(json::object{{"client", ok}}, "client", 64);
    ASSERT_TRUE(v.ok()) << ok << ": " << v.status().ToString();
    EXPECT_EQ(*v, ok);
  }
  // 64 characters of two bytes each: characters are counted, not bytes.
  std::string accents;
  for (int i = 0; i < 64; ++i) accents += "é";
  EXPECT_TRUE(PrintableField(json::object{{"c", accents}}, "c", 64).ok());
  EXPECT_FALSE(
      PrintableField(json::object{{"c", accents + "é"}}, "c", 64).ok());
  // Absent or null: "".
  EXPECT_EQ(*PrintableField(json::object{}, "client", 64), "");
  EXPECT_EQ(*PrintableField(json::object{{"client", nullptr}}, "client", 64),
            "");
}

TEST(PrintableFieldTest, ControlsBytesAndLengthAreRefusedNamingTheField) {
  for (const json::value& bad :
       {json::value("open\x1b[2K\r  license.acquire granted"),
        json::value("tab\there"), json::value("line\nbreak"),
        json::value("del\x7f"), json::value("csi\xc2\x9b"),
        json::value("rlo\xe2\x80\xaetxt.exe"), json::value("\xff"),
        json::value(std::string(65, 'x')), json::value(5),
        json::value(json::array{})}) {
    auto v = PrintableField(json::object{{"client", bad}}, "client", 64);
    ASSERT_FALSE(v.ok()) << json::serialize(bad);
    EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(v.status().message().find("'client'"), std::string::npos)
        << v.status().message();
  }
}

TEST(IntFieldTest, Int64sAndNothingElse) {
  const json::value v = json::parse(
      R"({"zero": 0, "max": 9223372036854775807, "min": -9223372036854775808,
          "null": null})");
  const json::object& o = v.as_object();
  EXPECT_EQ(*IntField(o, "absent"), 0);
  EXPECT_EQ(*IntField(o, "null"), 0);
  EXPECT_EQ(*IntField(o, "zero"), 0);
  EXPECT_EQ(*IntField(o, "max"), INT64_MAX);
  EXPECT_EQ(*IntField(o, "min"), INT64_MIN);
}

// POST /api/v1/search {"after": 18446744073709551615} was a 500: the
// conversion of a uint64 past int64 threw.
TEST(IntFieldTest, NumbersPast64BitsAreRefusedNamingTheField) {
  for (const char* text :
       {R"({"after": 18446744073709551615})",
        R"({"after": 9223372036854775808})", R"({"after": 1e30})",
        R"({"after": 123456789012345678901234567890})",
        R"({"after": -9223372036854775809})", R"({"after": 1.5})",
        R"({"after": "1"})", R"({"after": true})"}) {
    const json::value v = json::parse(text);
    auto n = IntField(v.as_object(), "after");
    ASSERT_FALSE(n.ok()) << text;
    EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(n.status().message().find("after"), std::string::npos);
  }
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
