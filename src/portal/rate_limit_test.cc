#include "portal/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

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

TEST(RateLimiterTest, ParallelCallersNeverPassTogether) {
  RateLimiter limit(20, 900);
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      if (limit.Allow("ip", 0)) ++allowed;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 20);
}

}  // namespace
}  // namespace sealpost::portal
