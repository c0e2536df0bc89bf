// What the CLI's shared printers write of text from the server: nothing a
// terminal acts on, whatever the server's strings hold (a Message-ID, a
// subject, an audit detail an outsider wrote). The printers of each noun
// are run against such answers through the binary in
// tests/cli_output_test.py.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "base/utf8.h"
#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

// Text a hostile sender can put in a field: clear the screen, home the
// cursor, rub out the line and write another, a C1 CSI, a right-to-left
// override, DEL.
const std::string kHostile =
    "x\x1b[2J\x1b[H\x1b[2K\r  license.acquire ceo@example.com granted\n"
    "\xc2\x9b"
    "31m\xe2\x80\xae"
    "fdp.exe\x7f";
// The same with a byte that is no UTF-8: 0x9B, an 8-bit CSI.
const std::string kHostileBytes = kHostile + "\x9b" + "0m";

// The first thing in `out` a terminal acts on: a C0 control but the line
// feed that ends a line, DEL, a C1 control, a bidirectional override or
// isolate, or a byte that is no UTF-8; "" when there is none.
std::string FirstActingByte(const std::string& out) {
  for (size_t i = 0; i < out.size();) {
    char32_t c = 0;
    const size_t n = Utf8SequenceAt(out, i, &c);
    if (n == 0) return "a byte that is no UTF-8 at " + std::to_string(i);
    if ((c < 0x20 && c != '\n') || (c >= 0x7F && c <= 0x9F) ||
        (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069)) {
      char name[16];
      std::snprintf(name, sizeof name, "U+%04X", static_cast<unsigned>(c));
      return name + (" at " + std::to_string(i));
    }
    i += n;
  }
  return "";
}

// What `print` writes to std::cout.
template <typename F>
std::string Printed(F print) {
  std::ostringstream captured;
  std::streambuf* old = std::cout.rdbuf(captured.rdbuf());
  print();
  std::cout.rdbuf(old);
  return captured.str();
}

TEST(PrintPropertiesTest, ServerTextCannotActOnTheTerminal) {
  const std::string out = Printed([] {
    PrintProperties({{"MessageId", "<x\x1b[2J\x1b[1;31mALL CLEAR\x1b[0m@e>"},
                     {"Subject", kHostileBytes},
                     {"Rights[" + kHostile + "]", "VIEW"}});
  });
  EXPECT_EQ(FirstActingByte(out), "") << out;
  // Shown, not dropped: the admin sees what was tried.
  EXPECT_NE(out.find(" : <x\\x1b[2J\\x1b[1;31mALL CLEAR\\x1b[0m@e>\n"),
            std::string::npos)
      << out;
  // One line per property, whatever the values hold.
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 3) << out;
}

TEST(PrintPropertiesTest, PrintableTextIsKeptAndAligned) {
  const std::string out = Printed([] {
    PrintProperties({{"Subject", "Grüße, 日本 😀 C:\\x"}, {"Id", "1"}});
  });
  EXPECT_EQ(out, "Subject : Grüße, 日本 😀 C:\\x\nId      : 1\n");
}

TEST(JsonForTerminalTest, SameValueWithNothingThatActs) {
  json::object o{
      {"subject", kHostile}, {"plain", "Grüße \"q\" \\ 日本"}, {"n", 5}};
  const std::string served = json::serialize(o);
  const std::string shown = JsonForTerminal(served);
  EXPECT_EQ(FirstActingByte(shown), "") << shown;
  // Exact JSON still: the same value parses back.
  boost::system::error_code ec;
  json::value back = json::parse(shown, ec);
  ASSERT_FALSE(ec) << shown;
  EXPECT_EQ(back, json::value(o)) << shown;
}

TEST(JsonForTerminalTest, BytesThatAreNoUtf8BecomeReplacementCharacters) {
  // An old server's answer: a Message-ID's 8-bit bytes passed through.
  const std::string shown = JsonForTerminal("{\"m\":\"a\x9b\xff\"}");
  EXPECT_EQ(shown, "{\"m\":\"a\\ufffd\\ufffd\"}");
}

TEST(JsonForTerminalTest, PlainJsonIsUnchanged) {
  const std::string served =
      "{\"a\":[1,2.5,true,null],\"s\":\"x\\u001b\\n\\\\ Grüße\"}";
  EXPECT_EQ(JsonForTerminal(served), served);
}

}  // namespace
}  // namespace sealpost::cli
