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

class StoreSignInTest : public StoreEngineTest {
 protected:
  // On PostgreSQL a second store, as a second node would have; null on
  // SQLite (one file has one store).
  std::unique_ptr<Store> SecondNode() {
    if (GetParam() != "postgres") return nullptr;
    auto again = Open();
    EXPECT_TRUE(again.ok()) << again.status().ToString();
    return again.ok() ? std::move(*again) : nullptr;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, StoreSignInTest, BothEngines(), EngineName);

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

// A forgiven event no longer counts; only one event of the key at that
// time goes, and other keys and times stay.
TEST_P(StoreSignInTest, ForgetRateEventTakesBackOneEvent) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Store& s = **store;
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:a", 3, 900, 2000));
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:a", 3, 900, 2000));
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:a", 3, 900, 2001));
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:b", 3, 900, 2000));
  EXPECT_FALSE(*s.TakeRateLimit("signin:u:a", 3, 900, 2002));
  ASSERT_TRUE(s.ForgetRateEvent("signin:u:a", 2000).ok());
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:a", 3, 900, 2003));
  EXPECT_FALSE(*s.TakeRateLimit("signin:u:a", 3, 900, 2003));
  // Nothing at that time, or no such key: nothing happens.
  ASSERT_TRUE(s.ForgetRateEvent("signin:u:a", 1999).ok());
  ASSERT_TRUE(s.ForgetRateEvent("signin:u:none", 2000).ok());
  EXPECT_FALSE(*s.TakeRateLimit("signin:u:a", 3, 900, 2004));
  // b's event was not touched: two more, then full.
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:b", 3, 900, 2004));
  EXPECT_TRUE(*s.TakeRateLimit("signin:u:b", 3, 900, 2004));
  EXPECT_FALSE(*s.TakeRateLimit("signin:u:b", 3, 900, 2004));
}

// Many callers at once (two nodes' worth of threads on two stores for
// PostgreSQL): exactly `limit` are allowed.
TEST_P(StoreSignInTest, ParallelCallersNeverPassTheLimit) {
  auto first = Open();
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::unique_ptr<Store> second = SecondNode();
  ASSERT_FALSE(HasFailure());
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

// A PIN entered through one store (node) is seen through another, lasts
// as long as its session, and goes with the session at sign-out and when
// the user is removed.
TEST_P(StoreSignInTest, PinPassesAreSharedAndEndWithTheSession) {
  auto a = Open();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  std::unique_ptr<Store> b = SecondNode();
  ASSERT_FALSE(HasFailure());
  Store& node_a = **a;
  Store& node_b = b ? *b : **a;
  const int64_t now = 1'800'000'100;
  ASSERT_TRUE(
      node_a.PutSession({"s1", "r@x.test", "portal-otp", now, now + 3600})
          .ok());
  ASSERT_TRUE(
      node_a.PutSession({"s2", "r@x.test", "portal-otp", now, now + 3600})
          .ok());
  ASSERT_TRUE(node_a.PutPinPass("s1", "m1", now + 3600).ok());
  ASSERT_TRUE(node_a.PutPinPass("s2", "m1", now + 3600).ok());
  EXPECT_TRUE(*node_b.HasPinPass("s1", "m1", now));
  EXPECT_FALSE(*node_b.HasPinPass("s1", "m2", now));     // that message only
  EXPECT_FALSE(*node_b.HasPinPass("other", "m1", now));  // that session only
  EXPECT_FALSE(*node_b.HasPinPass("s1", "m1", now + 3600));  // expired
  // Entered again: still one pass, good for the new time.
  ASSERT_TRUE(node_b.PutPinPass("s1", "m1", now + 3600).ok());
  EXPECT_TRUE(*node_a.HasPinPass("s1", "m1", now + 10));
  // Signed out on node B: node A no longer honours it.
  ASSERT_TRUE(node_b.DeleteSession("s1").ok());
  EXPECT_FALSE(*node_a.HasPinPass("s1", "m1", now));
  EXPECT_TRUE(*node_a.HasPinPass("s2", "m1", now));
  // A pass outliving its session counts no more than the session.
  ASSERT_TRUE(node_a.PutPinPass("s2", "m2", now + 99'999).ok());
  EXPECT_FALSE(*node_a.HasPinPass("s2", "m2", now + 3600));
  // The user removed: every session's passes go.
  ASSERT_TRUE(node_a.DeleteSessionsOf("r@x.test").ok());
  EXPECT_FALSE(*node_b.HasPinPass("s2", "m1", now));
  // A new session with the old hash (never in practice) starts with none.
  ASSERT_TRUE(
      node_a.PutSession({"s2", "r@x.test", "portal-otp", now, now + 3600})
          .ok());
  EXPECT_FALSE(*node_b.HasPinPass("s2", "m1", now));
  EXPECT_FALSE(*node_b.HasPinPass("s2", "m2", now));
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
