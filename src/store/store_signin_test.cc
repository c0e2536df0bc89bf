// The portal's shared sign-in state on both engines: rate limits counted
// once across parallel callers, OpenID Connect sign-ins taken once and
// bounded per browser and in all.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store/store_engines_for_testing.h"

namespace sealpost::store {
namespace {

class StoreSignInTest : public StoreEngineTest {};

INSTANTIATE_TEST_SUITE_P(Engines, StoreSignInTest,
                         ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

TEST_P(StoreSignInTest, RateLimitCountsWithinTheWindowPerKey) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Store& s = **store;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(*s.TakeRateLimit("otp:a@x.test", 3, 3600, 1000 + i)) << i;
  }
  EXPECT_FALSE(*s.TakeRateLimit("otp:a@x.test", 3, 3600, 1010));
  EXPECT_TRUE(*s.TakeRateLimit("otp:b@x.test", 3, 3600, 1010));  // own count
  // A refusal is not counted: once the first event leaves the window, one
  // more is allowed, and then no more.
  EXPECT_TRUE(*s.TakeRateLimit("otp:a@x.test", 3, 3600, 1000 + 3600));
  EXPECT_FALSE(*s.TakeRateLimit("otp:a@x.test", 3, 3600, 1000 + 3600));
}

// Many callers at once (two nodes' worth of threads on two stores for
// PostgreSQL): exactly `limit` are allowed.
TEST_P(StoreSignInTest, ParallelCallersNeverPassTheLimit) {
  auto first = Open();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::unique_ptr<Store> second;
  if (GetParam() == "postgres") {
    auto again = Open();
    ASSERT_TRUE(again.ok());
    second = std::move(*again);
  }
  std::atomic<int> allowed{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    Store& s = (t % 2 == 1 && second) ? *second : **first;
    threads.emplace_back([&s, &allowed, &failed] {
      for (int i = 0; i < 5; ++i) {
        auto r = s.TakeRateLimit("verify:10.0.0.0", 7, 900, 5000);
        if (!r.ok()) {
          ++failed;
        } else if (*r) {
          ++allowed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(allowed.load(), 7);
}

TEST_P(StoreSignInTest, PendingSignInIsTakenOnce) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Store& s = **store;
  ASSERT_TRUE(
      s.PutPendingSignIn({"h1", "b1", "{\"x\":1}", 100}, 5, 100, 0).ok());
  auto taken = s.TakePendingSignIn("h1");
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->browser, "b1");
  EXPECT_EQ((*taken)->data, "{\"x\":1}");
  EXPECT_EQ((*taken)->created_at, 100);
  EXPECT_FALSE(s.TakePendingSignIn("h1")->has_value());
  EXPECT_FALSE(s.TakePendingSignIn("unknown")->has_value());
}

TEST_P(StoreSignInTest, PendingSignInsAreBoundedAndExpire) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Store& s = **store;
  // Browser b keeps its newest two.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(
        s.PutPendingSignIn({"b" + std::to_string(i), "b", "", 100}, 2, 5, 0)
            .ok());
  }
  EXPECT_FALSE(s.TakePendingSignIn("b1")->has_value());
  EXPECT_TRUE(s.TakePendingSignIn("b3")->has_value());
  // Five in all: others' oldest make room (b2 is the oldest left).
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(s.PutPendingSignIn({"o" + std::to_string(i),
                                    "other" + std::to_string(i), "", 100},
                                   2, 5, 0)
                    .ok());
  }
  EXPECT_FALSE(s.TakePendingSignIn("b2")->has_value());
  EXPECT_TRUE(s.TakePendingSignIn("o0")->has_value());
  // Those created at or before expired_at go on the next put.
  ASSERT_TRUE(s.PutPendingSignIn({"new", "n", "", 800}, 2, 5, 100).ok());
  EXPECT_FALSE(s.TakePendingSignIn("o4")->has_value());
  EXPECT_TRUE(s.TakePendingSignIn("new")->has_value());
}

}  // namespace
}  // namespace sealpost::store
