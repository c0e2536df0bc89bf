#include "base/split.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealpost {
namespace {

std::vector<std::string> Fields(std::string_view text,
                                std::string_view separator) {
  std::vector<std::string> out;
  while (!text.empty()) out.emplace_back(TakeField(text, separator));
  return out;
}

TEST(TakeFieldTest, WalksTheFieldsAndDropsEachSeparator) {
  EXPECT_EQ(Fields("a; b;;c", ";"),
            (std::vector<std::string>{"a", " b", "", "c"}));
  EXPECT_EQ(Fields("one\r\ntwo\r\n", "\r\n"),
            (std::vector<std::string>{"one", "two"}));
}

TEST(TakeFieldTest, NoSeparatorTakesEverything) {
  std::string_view rest = "whole";
  EXPECT_EQ(TakeField(rest, ","), "whole");
  EXPECT_TRUE(rest.empty());
}

}  // namespace
}  // namespace sealpost
