#include "license/sign_in_limits.h"

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::license {
namespace {

// In memory (a single node) and in the store's shared rate table (several
// nodes; SQLite's here, PostgreSQL's in store_shared_nodes_test).
constexpr char kSameCounts[] =
    "the limits are the same in the store; its taking back of a refused "
    "try is tested above, and a day's guesses there take a thousand "
    "commits";
class SignInLimitsTest : public ::testing::TestWithParam<bool> {
 protected:
  // One try of `address` from `network`, counted (OK) or refused.
  Status Try(const std::string& address, const std::string& network) {
    return limits_.Take(address, network, clock_.NowUnix());
  }
  // Counted tries of `address` from `network` until one is refused.
  int TryUntilRefused(const std::string& address, const std::string& network) {
    int counted = 0;
    while (Try(address, network).ok()) ++counted;
    return counted;
  }
  void NextWindow() {
    clock_.Advance(std::chrono::seconds(SignInLimits::kWindow + 1));
  }

  FakeClock clock_{1'800'000'000};
  store::testing::TempStore db_{clock_, "sign_in_limits_test"};
  SignInLimits limits_{*db_.store, GetParam()};
};

// The security review's finding: failures were counted per address over
// all networks, so one network's 5 wrong tries locked the address out
// everywhere. A network refused spends none of the address's failures.
TEST_P(SignInLimitsTest, ANetworkIsRefusedAloneAndSaysSo) {
  EXPECT_EQ(TryUntilRefused("carol@example.com", "192.0.2.1"),
            SignInLimits::kPerNetwork);
  Status refused = Try("carol@example.com", "192.0.2.1");
  EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.message().find("from your network"), std::string::npos)
      << refused.message();
  // Other addresses from that network too (guesses spread over users).
  EXPECT_FALSE(Try("bob@example.com", "192.0.2.1").ok());
  // The address from other networks: the rest of its window's ceiling.
  int others = 0;
  for (int n = 2;
       n < 100 && Try("carol@example.com", "192.0.2." + std::to_string(n)).ok();
       ++n) {
    ++others;
  }
  EXPECT_EQ(others, SignInLimits::kPerAddress - SignInLimits::kPerNetwork);
  refused = Try("carol@example.com", "198.51.100.1");
  EXPECT_NE(refused.message().find("for this address; try again in 15"),
            std::string::npos)
      << refused.message();
  NextWindow();
  EXPECT_TRUE(Try("carol@example.com", "192.0.2.1").ok());
}

// Over a day a network takes kPerAddressNetworkDay of an address's
// failures, fewer than the address's kPerAddressDay: it never locks the
// address out by itself, window after window.
TEST_P(SignInLimitsTest, ANetworkCannotFillAnAddressesDay) {
  int counted = 0;
  // Nearly a day of windows (the first tries stay in the day).
  for (int window = 0; window < 94; ++window) {
    counted += TryUntilRefused("carol@example.com", "192.0.2.1");
    ASSERT_TRUE(Try("carol@example.com", "198.51.100.1").ok()) << window;
    limits_.Forgive("carol@example.com", "198.51.100.1", clock_.NowUnix());
    NextWindow();
  }
  EXPECT_EQ(counted, SignInLimits::kPerAddressNetworkDay);
  Status refused = Try("carol@example.com", "192.0.2.1");
  EXPECT_NE(refused.message().find("from your network today"),
            std::string::npos)
      << refused.message();
  clock_.Advance(std::chrono::seconds(SignInLimits::kDay));
  EXPECT_TRUE(Try("carol@example.com", "192.0.2.1").ok());
}

// However many networks guess, an address takes kPerAddress failures a
// window and kPerAddressDay a day.
TEST_P(SignInLimitsTest, AnAddressTakesBoundedGuessesFromAllNetworks) {
  if (GetParam()) GTEST_SKIP() << kSameCounts;
  int network = 0;
  auto guess = [&] {
    // A network of its own for every guess: only the address's limits.
    const int n = network++;
    return Try("carol@example.com", "10.0." + std::to_string(n / 250) + "." +
                                        std::to_string(n % 250));
  };
  int counted = 0;
  while (guess().ok()) ++counted;
  EXPECT_EQ(counted, SignInLimits::kPerAddress);
  for (int window = 1; window < 96; ++window) {
    NextWindow();
    while (guess().ok()) ++counted;
  }
  EXPECT_EQ(counted, SignInLimits::kPerAddressDay);
  Status refused = guess();
  EXPECT_NE(refused.message().find("for this address today"), std::string::npos)
      << refused.message();
  clock_.Advance(std::chrono::seconds(SignInLimits::kDay));
  EXPECT_TRUE(guess().ok());
}

// A right password is forgiven under every limit.
TEST_P(SignInLimitsTest, ARightPasswordIsForgiven) {
  if (GetParam()) GTEST_SKIP() << kSameCounts;
  for (int i = 0; i < 3 * SignInLimits::kPerAddressDay; ++i) {
    ASSERT_TRUE(Try("carol@example.com", "192.0.2.1").ok()) << i;
    limits_.Forgive("carol@example.com", "192.0.2.1", clock_.NowUnix());
  }
  EXPECT_EQ(TryUntilRefused("carol@example.com", "192.0.2.1"),
            SignInLimits::kPerNetwork);
}

INSTANTIATE_TEST_SUITE_P(InMemoryAndShared, SignInLimitsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Shared" : "InMemory";
                         });

// In memory, failures of addresses nobody tries again are dropped once
// they are past every window and the keys pass kMaxKeys (was: kept for
// good, four keys a failure, by anyone with many networks).
TEST(SignInLimitsMemoryTest, KeysPastEveryWindowAreDropped) {
  FakeClock clock{1'800'000'000};
  store::testing::TempStore db{clock, "sign_in_limits_memory_test"};
  SignInLimits limits{*db.store, /*shared=*/false};
  const size_t tries = SignInLimits::kMaxKeys / 4 + 1;
  for (size_t i = 0; i < tries; ++i) {
    const std::string n = std::to_string(i);
    ASSERT_TRUE(
        limits.Take("a" + n + "@example.com", "net" + n, clock.NowUnix()).ok());
  }
  EXPECT_GT(limits.KeysForTesting(), SignInLimits::kMaxKeys / 2);
  clock.Advance(std::chrono::seconds(SignInLimits::kDay + 1));
  ASSERT_TRUE(limits.Take("late@example.com", "late", clock.NowUnix()).ok());
  EXPECT_LE(limits.KeysForTesting(), 4u);
  // A recent failure still counts: only keys past every window go.
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(limits.Take("late@example.com", "late", clock.NowUnix()).ok());
  }
  EXPECT_FALSE(limits.Take("late@example.com", "late", clock.NowUnix()).ok());
}

}  // namespace
}  // namespace sealpost::license
