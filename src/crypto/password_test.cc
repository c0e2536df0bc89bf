#include "crypto/password.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace sealpost::crypto {
namespace {

// CI failed once when a dev password began with '-' and swaks read it as an
// option. 2,000 draws start with '-' about 31 times if nothing redraws.
TEST(GeneratePasswordTest, NeverStartsWithADash) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string password = GeneratePassword();
    ASSERT_EQ(password.size(), 20u);
    ASSERT_NE(password.front(), '-') << password;
    seen.insert(password);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(GeneratePasswordTest, HashesAndVerifies) {
  std::string password = GeneratePassword();
  auto hash = HashPassword(password);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(VerifyPassword(password, *hash));
  EXPECT_FALSE(VerifyPassword(password + "x", *hash));
}

}  // namespace
}  // namespace sealpost::crypto
