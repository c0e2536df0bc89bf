#include "portal/pending_sign_ins.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace sealpost::portal
