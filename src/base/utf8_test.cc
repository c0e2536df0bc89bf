// The UTF-8 decoder against RFC 3629's table and its §3 exclusions, and
// the encoder against what the decoder reads back.
#include "base/utf8.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace sealpost {
namespace {

TEST(Utf8Test, ValidSequencesOfEachLength) {
  struct Case {
    std::string bytes;
    char32_t code_point;
  };
  for (const Case& c :
       {Case{std::string(1, '\0'), 0}, Case{"A", 0x41}, Case{"\xC3\xA9", 0xE9},
        Case{"\xE2\x82\xAC", 0x20AC}, Case{"\xF0\x9F\x98\x80", 0x1F600},
        Case{"\xF4\x8F\xBF\xBF", 0x10FFFF}}) {
    char32_t cp = 0xFFFF;
    EXPECT_EQ(Utf8SequenceAt(c.bytes, 0, &cp), c.bytes.size());
    EXPECT_EQ(static_cast<uint32_t>(cp), static_cast<uint32_t>(c.code_point));
    std::string again;
    AppendUtf8(c.code_point, again);
    EXPECT_EQ(again, c.bytes);
  }
  // At an offset, without asking for the code point.
  EXPECT_EQ(Utf8SequenceAt("ab\xC3\xA9", 2), 2u);
}

TEST(Utf8Test, InvalidSequencesAreZero) {
  for (const std::string bad : {
           "\x80",              // a continuation byte first
           "\xC3",              // cut short
           "\xE2\x82",          // cut short
           "\xC3\x41",          // not a continuation
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong '/'
           "\xED\xA0\x80",      // a surrogate (U+D800)
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xF8\x88\x80\x80\x80",
       }) {
    char32_t cp = 0x41;
    EXPECT_EQ(Utf8SequenceAt(bad, 0, &cp), 0u) << bad;
    EXPECT_EQ(static_cast<uint32_t>(cp), 0x41u) << "left alone: " << bad;
  }
}

TEST(Utf8Test, ReplaceInvalidUtf8) {
  std::string valid = "ascii, Grüße, 日本, 😀";
  EXPECT_FALSE(ReplaceInvalidUtf8(valid));
  EXPECT_EQ(valid, "ascii, Grüße, 日本, 😀");
  std::string empty;
  EXPECT_FALSE(ReplaceInvalidUtf8(empty));
  // Each byte that is no UTF-8 is one U+FFFD; what is valid around it
  // stays.
  std::string bad = "<m\xff\x9b@x> Gr\xC3\xBC\xC3 \xED\xA0\x80";
  EXPECT_TRUE(ReplaceInvalidUtf8(bad));
  EXPECT_EQ(bad, "<m\uFFFD\uFFFD@x> Grü\uFFFD \uFFFD\uFFFD\uFFFD");
}

}  // namespace
}  // namespace sealpost
