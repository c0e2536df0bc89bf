#include "portal/pending_sign_ins.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace sealpost::portal {
namespace {

PendingSignIns::Entry Started(const std::string& state,
                              const std::string& browser, int64_t at) {
  return {.start = {.state = state},
          .message_id = "m1",
          .browser = browser,
          .created_at = at};
}

TEST(PendingSignInsTest, TakenOnceWithinItsLifetime) {
  PendingSignIns p;
  p.Put(Started("s1", "b1", 1000));
  EXPECT_FALSE(p.Take("other", 1001).has_value());
  auto e = p.Take("s1", 1001);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->message_id, "m1");
  EXPECT_FALSE(p.Take("s1", 1001).has_value());
  p.Put(Started("s2", "b1", 1000));
  EXPECT_FALSE(p.Take("s2", 1000 + PendingSignIns::kLifetime + 1));
}

TEST(PendingSignInsTest, ABrowserKeepsItsNewestFew) {
  PendingSignIns p;
  for (int i = 0; i < 8; ++i) {
    p.Put(Started("s" + std::to_string(i), "b1", 1000 + i));
  }
  EXPECT_EQ(p.size(), PendingSignIns::kMaxPerBrowser);
  EXPECT_FALSE(p.Take("s0", 1010).has_value());
  EXPECT_TRUE(p.Take("s7", 1010).has_value());
}

// Issue 11 item 9: a full table used to refuse every new sign-in (503).
TEST(PendingSignInsTest, AFloodDoesNotLockOutANewReader) {
  PendingSignIns p(/*max_total=*/100);
  for (int i = 0; i < 1000; ++i) {
    p.Put(Started("flood" + std::to_string(i), "b" + std::to_string(i), 1000));
  }
  EXPECT_EQ(p.size(), 100u);
  p.Put(Started("reader", "real-browser", 1001));
  EXPECT_TRUE(p.Take("reader", 1002).has_value());
}

TEST(PendingSignInsTest, ExpiredOnesGoFirst) {
  PendingSignIns p;
  p.Put(Started("old", "b1", 1000));
  p.Put(Started("new", "b2", 1000 + PendingSignIns::kLifetime + 5));
  EXPECT_EQ(p.size(), 1u);
}

// The security review's finding: callbacks against a slow provider held
// every handler thread. The fifth at once is turned away; a slot is free
// again when its holder is done, however it ends.
TEST(InFlightLimitTest, TurnsAwayPastTheCapUntilASlotIsFree) {
  InFlightLimit limit(4);
  std::vector<InFlightLimit::Slot> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(limit.TryAcquire());
    EXPECT_TRUE(held.back());
  }
  EXPECT_EQ(limit.in_flight(), 4);
  InFlightLimit::Slot fifth = limit.TryAcquire();
  EXPECT_FALSE(fifth);
  EXPECT_EQ(limit.in_flight(), 4);  // a refusal holds nothing
  held[0].Release();
  EXPECT_FALSE(held[0]);
  held[0].Release();  // twice is once
  EXPECT_EQ(limit.in_flight(), 3);
  fifth = limit.TryAcquire();
  EXPECT_TRUE(fifth);
  EXPECT_FALSE(limit.TryAcquire());
  {
    InFlightLimit::Slot moved = std::move(fifth);
    EXPECT_TRUE(moved);
    EXPECT_FALSE(fifth);  // NOLINT(bugprone-use-after-move): the point
    EXPECT_EQ(limit.in_flight(), 4);
  }
  EXPECT_EQ(limit.in_flight(), 3);  // released by the moved-to slot only
  held.clear();
  EXPECT_EQ(limit.in_flight(), 0);
}

TEST(InFlightLimitTest, ManyThreadsNeverHoldMoreThanTheCap) {
  InFlightLimit limit(4);
  std::atomic<int> now{0};
  std::atomic<int> most{0};
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        InFlightLimit::Slot slot = limit.TryAcquire();
        if (!slot) continue;
        ++granted;
        int inside = ++now;
        int seen = most.load();
        while (inside > seen && !most.compare_exchange_weak(seen, inside)) {
        }
        --now;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), 4);
  EXPECT_GT(granted.load(), 0);
  EXPECT_EQ(limit.in_flight(), 0);
}

}  // namespace
}  // namespace sealpost::portal
