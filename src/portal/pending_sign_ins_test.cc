#include "portal/pending_sign_ins.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "crypto/digest.h"
#include "store/store.h"
#include "store/temp_store_for_testing.h"

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
// Runs `body` on a thread of its own and says whether it ended within 5 s,
// so that a hang fails the test instead of blocking the suite. Not
// std::async: its future's destructor would wait for the hung thread. A
// hung thread is left behind; `body` shares what it uses.
bool EndsInTime(std::function<void()> body) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> ended = done->get_future();
  std::thread([body = std::move(body), done] {
    body();
    done->set_value();
  }).detach();
  return ended.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
}

// The security review's finding: Take moved the entry out before dropping
// it, so its browser's list kept the state; the sixth Put after it then
// looped for ever (one core spinning with the lock held, every later sign-in
// waiting on it).
TEST(PendingSignInsTest, ATakenSignInLeavesNothingBehind) {
  auto p = std::make_shared<PendingSignIns>();
  bool ended = EndsInTime([p] {
    p->Put(Started("a", "b1", 1000));
    ASSERT_TRUE(p->Take("a", 1001).has_value());  // e.g. cancelled
    for (int i = 1; i <= 6; ++i) {
      p->Put(Started("s" + std::to_string(i), "b1", 1000 + i));
    }
  });
  ASSERT_TRUE(ended) << "Put hung";
  EXPECT_EQ(p->size(), PendingSignIns::kMaxPerBrowser);
  EXPECT_FALSE(p->Take("s1", 1010).has_value());
  for (int i = 2; i <= 6; ++i) {
    EXPECT_TRUE(p->Take("s" + std::to_string(i), 1010).has_value()) << i;
  }
  EXPECT_EQ(p->size(), 0u);
}

// A callback from another browser takes the sign-in and puts it back
// (Portal::OidcCallback): each time added it again to its browser's list,
// so about nine of them pushed out the browser's other sign-ins (and then
// freed the list Put was still using).
TEST(PendingSignInsTest, PuttingBackAddsNoCopy) {
  auto p = std::make_shared<PendingSignIns>();
  bool ended = EndsInTime([p] {
    p->Put(Started("x", "b1", 1000));
    p->Put(Started("y", "b1", 1001));
    for (int i = 0; i < 10; ++i) {
      auto y = p->Take("y", 1002);
      ASSERT_TRUE(y.has_value()) << i;
      p->Put(*y);
    }
  });
  ASSERT_TRUE(ended) << "Put hung";
  EXPECT_EQ(p->size(), 2u);
  EXPECT_TRUE(p->Take("x", 1003).has_value());
  EXPECT_TRUE(p->Take("y", 1003).has_value());
}

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

// A sign-in begun with a provider; the name and issuer ProviderOf looks for.
PendingSignIns::Entry BegunWith(const std::string& state,
                                const OidcProviderConfig& provider) {
  PendingSignIns::Entry e = Started(state, "b1", 1000);
  e.provider = provider.name;
  e.issuer = provider.issuer;
  return e;
}

OidcProviderConfig Provider(const std::string& name,
                            const std::string& issuer) {
  return {.name = name,
          .issuer = issuer,
          .client_id = "sealpost",
          .client_secret = "s3cret"};
}

std::vector<std::unique_ptr<OidcClient>> Clients(
    const std::vector<OidcProviderConfig>& providers) {
  std::vector<std::unique_ptr<OidcClient>> out;
  for (const OidcProviderConfig& p : providers) {
    out.push_back(std::make_unique<OidcClient>(
        p, "https://portal.example.com/oidc/callback"));
  }
  return out;
}

// The security review's finding: a pending sign-in named its provider by
// its place in the providers file, so one begun with Partner SSO finished
// with whichever provider took that place after the admin reordered or
// removed providers (or on a node with another file).
TEST(PendingSignInsTest, ASignInFindsItsProviderByNameNotByPlace) {
  const OidcProviderConfig google =
      Provider("Google", "https://accounts.google.com");
  const OidcProviderConfig partner =
      Provider("Partner SSO", "https://sso.partner.test");
  const PendingSignIns::Entry begun = BegunWith("s1", partner);
  auto before = Clients({google, partner});
  ASSERT_EQ(ProviderOf(begun, before), before[1].get());
  // Reordered, or with another provider put in its place.
  auto reordered = Clients({partner, google});
  EXPECT_EQ(ProviderOf(begun, reordered), reordered[0].get());
  auto replaced = Clients({google, Provider("Other", partner.issuer)});
  EXPECT_EQ(ProviderOf(begun, replaced), nullptr);
  // Removed.
  EXPECT_EQ(ProviderOf(begun, Clients({google})), nullptr);
  EXPECT_EQ(ProviderOf(begun, Clients({})), nullptr);
  // The same name for another issuer is another provider.
  EXPECT_EQ(
      ProviderOf(begun,
                 Clients({google, Provider("Partner SSO", "https://x.test")})),
      nullptr);
}

class SharedPendingSignInsTest : public ::testing::Test {
 protected:
  void SetUp() override { pending_.Share(db_.store.get()); }

  FakeClock clock_{1'800'000'000};
  store::testing::TempStore db_{clock_, "pending_sign_ins_test"};
  PendingSignIns pending_;
};

// What another node reads back names the same provider.
TEST_F(SharedPendingSignInsTest, KeepsTheProvidersNameAndIssuer) {
  pending_.Put(BegunWith("s1", Provider("Partner SSO", "https://sso.p.test")));
  auto taken = pending_.Take("s1", 1001);
  ASSERT_TRUE(taken.has_value());
  EXPECT_EQ(taken->provider, "Partner SSO");
  EXPECT_EQ(taken->issuer, "https://sso.p.test");
  EXPECT_EQ(taken->message_id, "m1");
  EXPECT_EQ(taken->browser, "b1");
  EXPECT_FALSE(pending_.Take("s1", 1001).has_value());
}

// One kept by the version that named its provider by position.
TEST_F(SharedPendingSignInsTest, OneNamingItsProviderByPlaceHasExpired) {
  ASSERT_TRUE(db_.store
                  ->PutPendingSignIn({crypto::Sha256Hex("s1"), "b1",
                                      R"({"nonce":"n","code_verifier":"v",)"
                                      R"("message_id":"m1","provider":1})",
                                      1000},
                                     5, 100, 0)
                  .ok());
  EXPECT_FALSE(pending_.Take("s1", 1001).has_value());
}

// A callback turned away while the providers are busy puts its sign-in
// back (Portal::OidcCallback): the reload finds it, in memory or shared.
TEST_F(SharedPendingSignInsTest, ASignInPutBackIsFoundAgain) {
  PendingSignIns in_memory;
  for (PendingSignIns* p : {&pending_, &in_memory}) {
    p->Put(BegunWith("s1", Provider("Partner SSO", "https://sso.p.test")));
    auto taken = p->Take("s1", 1001);
    ASSERT_TRUE(taken.has_value());
    p->Put(*taken);
    auto again = p->Take("s1", 1002);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->created_at, 1000);  // its lifetime runs on
    EXPECT_EQ(again->provider, "Partner SSO");
  }
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
