// The ASCII case helpers of base/strings.h: ASCII letters fold, nothing
// else does (not the punctuation 0x20 away from a letter, not 8-bit bytes).
#include "base/strings.h"

#include <gtest/gtest.h>

#include <string>

namespace sealpost {
namespace {

TEST(AsciiCaseTest, LettersFoldAndNothingElse) {
  for (int i = 0; i < 256; ++i) {
    const char c = static_cast<char>(i);
    const char want = i >= 'A' && i <= 'Z' ? static_cast<char>(i + 32) : c;
    EXPECT_EQ(AsciiLowerByte(c), want) << i;
  }
  EXPECT_EQ(AsciiLower("MAIL From:<A@B.Example>"), "mail from:<a@b.example>");
}

TEST(AsciiCaseTest, EqualsIgnoringAsciiCase) {
  EXPECT_TRUE(EqualsIgnoringAsciiCase("", ""));
  EXPECT_TRUE(EqualsIgnoringAsciiCase("Content-Type", "content-TYPE"));
  EXPECT_TRUE(EqualsIgnoringAsciiCase("8BITMIME", "8bitmime"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("from", "fro"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("from", "form"));
  // A NUL is a byte like any other: the whole length counts.
  EXPECT_FALSE(
      EqualsIgnoringAsciiCase(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_TRUE(
      EqualsIgnoringAsciiCase(std::string("A\0b", 3), std::string("a\0B", 3)));
  // 0x20 apart but not letters: '@' '`', '[' '{', '^' '~'.
  EXPECT_FALSE(EqualsIgnoringAsciiCase("@[^", "`{~"));
  // Non-ASCII bytes never fold: UTF-8 "É" and "é", Latin-1 0xC9 and 0xE9,
  // and the bytes 0xC1..0xDA that are 0x20 below 0xE1..0xFA.
  EXPECT_FALSE(EqualsIgnoringAsciiCase("\xc3\x89", "\xc3\xa9"));
  EXPECT_FALSE(EqualsIgnoringAsciiCase("caf\xc9", "caf\xe9"));
  for (int i = 0xc1; i <= 0xda; ++i) {
    EXPECT_FALSE(
        EqualsIgnoringAsciiCase(std::string(1, static_cast<char>(i)),
                                std::string(1, static_cast<char>(i + 32))))
        << i;
  }
  EXPECT_TRUE(
      EqualsIgnoringAsciiCase("\xc3\xa9T\xc3\xa9", "\xc3\xa9t\xc3\xa9"));
}

TEST(AsciiCaseTest, StartsWithIgnoringAsciiCase) {
  EXPECT_TRUE(StartsWithIgnoringAsciiCase("Content-Length", "content-"));
  EXPECT_TRUE(StartsWithIgnoringAsciiCase("TEXT/plain", "text/plain"));
  EXPECT_TRUE(StartsWithIgnoringAsciiCase("anything", ""));
  EXPECT_FALSE(StartsWithIgnoringAsciiCase("content", "content-"));
  EXPECT_FALSE(StartsWithIgnoringAsciiCase("\xc3\x89t\xc3\xa9", "\xc3\xa9"));
}

TEST(AsciiCaseTest, EndsWithIgnoringAsciiCase) {
  EXPECT_TRUE(EndsWithIgnoringAsciiCase("Forwarded.EML", ".eml"));
  EXPECT_TRUE(EndsWithIgnoringAsciiCase("a.eml", "A.EML"));
  EXPECT_TRUE(EndsWithIgnoringAsciiCase("anything", ""));
  EXPECT_FALSE(EndsWithIgnoringAsciiCase("eml", ".eml"));
  EXPECT_FALSE(EndsWithIgnoringAsciiCase("a.eml.txt", ".eml"));
  EXPECT_FALSE(EndsWithIgnoringAsciiCase("\xc3\xa9t\xc3\x89", "\xc3\xa9"));
  static_assert(EndsWithIgnoringAsciiCase("X.EML", ".eml"));
}

TEST(AsciiCaseTest, ContainsIgnoringAsciiCase) {
  EXPECT_TRUE(ContainsIgnoringAsciiCase("Re: URGENT news", "urgent"));
  EXPECT_FALSE(ContainsIgnoringAsciiCase("R\xc9SUM\xc9", "r\xe9sum\xe9"));
  // Needles with a byte without case (memchr's anchor), at each end too.
  constexpr std::string_view kType = "application/vnd.sealpost.sealed";
  EXPECT_TRUE(ContainsIgnoringAsciiCase(
      "Content-Type: APPLICATION/VND.SEALPOST.SEALED\r\n", kType));
  EXPECT_TRUE(
      ContainsIgnoringAsciiCase("Application/vnd.Sealpost.Sealed", kType));
  EXPECT_TRUE(
      ContainsIgnoringAsciiCase("x/y application/vnd.sealpost.sealed", kType));
  EXPECT_FALSE(
      ContainsIgnoringAsciiCase("application/vnd.sealpost.seale", kType));
  EXPECT_FALSE(
      ContainsIgnoringAsciiCase("pplication/vnd.sealpost.sealed", kType));
  EXPECT_FALSE(
      ContainsIgnoringAsciiCase("application/vnd.sealpost/sealed", kType));
  EXPECT_TRUE(ContainsIgnoringAsciiCase("/a/b", "/b"));
  EXPECT_TRUE(ContainsIgnoringAsciiCase("A/", "a/"));
  EXPECT_FALSE(ContainsIgnoringAsciiCase("/", "a/"));
  EXPECT_TRUE(ContainsIgnoringAsciiCase("aa1b1", "1b1"));
  EXPECT_TRUE(ContainsIgnoringAsciiCase("anything", ""));
  EXPECT_FALSE(ContainsIgnoringAsciiCase("", "a"));
  EXPECT_FALSE(ContainsIgnoringAsciiCase("", ""));  // as std::search
  // Byte for byte against the plain search, on every window of texts full
  // of near misses, 8-bit and NUL bytes, capitals in the needle, and empty
  // haystacks and needles.
  const auto plain = [](std::string_view hay, std::string_view needle) {
    return std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                       [](char a, char b) { return AsciiLowerByte(a) == b; }) !=
           hay.end();
  };
  const std::string texts[] = {"a/b A/B a/c /bA a.b/ab/a/B/",
                               std::string("x\0y/\xc3\xa9/\xC3\x89 /\0Y", 12),
                               "", "/"};
  for (const std::string& text : texts) {
    for (size_t i = 0; i <= text.size(); ++i) {
      for (size_t n = 0; i + n <= text.size(); ++n) {
        const std::string raw = text.substr(i, n);
        for (const std::string& needle : {AsciiLower(raw), raw}) {
          for (const std::string& hay :
               {text, text.substr(text.empty() ? 0 : 1),
                text.substr(0, text.size() / 2), std::string()}) {
            EXPECT_EQ(ContainsIgnoringAsciiCase(hay, needle),
                      plain(hay, needle))
                << hay << " / " << needle;
          }
        }
      }
    }
  }
  // A haystack dense with the anchor byte (the plain search takes over):
  // found at the very end, and not found.
  const std::string slashes(100000, '/');
  EXPECT_TRUE(ContainsIgnoringAsciiCase(slashes + "Application/VND.x",
                                        kType.substr(0, 16)));
  EXPECT_FALSE(ContainsIgnoringAsciiCase(
      slashes + "application/vnd.sealpost.seale", kType));
  EXPECT_TRUE(ContainsIgnoringAsciiCase(
      slashes + "application/vnd.sealpost.sealed", kType));
}

}  // namespace
}  // namespace sealpost
