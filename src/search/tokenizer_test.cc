#include "search/tokenizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sealpost::search {
namespace {

using ::testing::ElementsAre;

TEST(TokenizerTest, LowerCaseWordsOfTwoOrMoreCharacters) {
  WordSet w;
  w.Add("The Q3 merger, a DEAL: see merger-plan_v2 (x)");
  EXPECT_THAT(w.words(),
              ElementsAre("the", "q3", "merger", "deal", "see", "plan", "v2"));
}

TEST(TokenizerTest, LatinLettersAreFoldedAndKeptInWords) {
  WordSet w;
  // "ÉTÉ Straße Łódź ÆON" in UTF-8.
  w.Add(
      "\xc3\x89T\xc3\x89 Stra\xc3\x9f"
      "e \xc5\x81\xc3\xb3"
      "d\xc5\xba "
      "\xc3\x86ON");
  EXPECT_THAT(w.words(), ElementsAre("\xc3\xa9t\xc3\xa9",
                                     "stra\xc3\x9f"
                                     "e",
                                     "\xc5\x82\xc3\xb3"
                                     "d\xc5\xba",
                                     "\xc3\xa6on"));
}

TEST(TokenizerTest, PunctuationAndBadUtf8SplitWords) {
  WordSet w;
  w.Add(
      "alpha\xe2\x80\x94"
      "beta\xff"
      "gamma\xc3");
  EXPECT_THAT(w.words(), ElementsAre("alpha", "beta", "gamma"));
}

TEST(TokenizerTest, CapsDistinctWordsAndSkipsOverlongOnes) {
  WordSet w(3);
  w.Add(std::string(100, 'x') + " one two one three four");
  EXPECT_THAT(w.words(), ElementsAre("one", "two", "three"));
  EXPECT_TRUE(w.full());
}

TEST(TokenizerTest, WordsUpToTheLimitAreKeptAcrossAsciiAndLatin) {
  const std::string longest(kMaxWordBytes, 'a');
  WordSet w;
  // The limit counts bytes: 64 letters make a word, 65 do not, nor 63
  // ASCII letters and a two-byte one.
  w.Add(longest + " " + std::string(kMaxWordBytes + 1, 'D') + " " +
        std::string(kMaxWordBytes - 2, 'B') + "\xc3\x89 " +
        std::string(kMaxWordBytes - 1, 'c') +
        "\xc3\x89 Ab\xc3\x89"
        "Cd");
  EXPECT_THAT(
      w.words(),
      ElementsAre(longest, std::string(kMaxWordBytes - 2, 'b') + "\xc3\xa9",
                  "ab\xc3\xa9"
                  "cd"));
}

TEST(TokenizerTest, QueryWordsAreDistinct) {
  EXPECT_THAT(QueryWords("Merger merger  PLAN"), ElementsAre("merger", "plan"));
  EXPECT_TRUE(QueryWords("a ! ?").empty());
}

}  // namespace
}  // namespace sealpost::search
