#include "portal/rate_limit.h"

#include <gtest/gtest.h>

namespace sealpost::portal {
namespace {

TEST(RateLimiterTest, LimitPerKeyWithinTheWindow) {
  RateLimiter limit(3, 60);
  EXPECT_TRUE(limit.Allow("a", 1000));
  EXPECT_TRUE(limit.Allow("a", 1001));
  EXPECT_TRUE(limit.Allow("a", 1002));
  EXPECT_FALSE(limit.Allow("a", 1003));
  EXPECT_TRUE(limit.Allow("b", 1003));  // another key is its own
  // The first event leaves the window at 1060.
  EXPECT_FALSE(limit.Allow("a", 1059));
  EXPECT_TRUE(limit.Allow("a", 1060));
}

TEST(RateLimiterTest, FailuresOnlyCountWhenAdded) {
  RateLimiter limit(2, 900);
  EXPECT_FALSE(limit.Exceeded("ip", 0));
  limit.Add("ip", 0);
  EXPECT_FALSE(limit.Exceeded("ip", 1));
  limit.Add("ip", 1);
  EXPECT_TRUE(limit.Exceeded("ip", 2));
  EXPECT_FALSE(limit.Exceeded("ip", 901));
}

}  // namespace
}  // namespace sealpost::portal
