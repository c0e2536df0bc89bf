#include "portal/otp.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "store/store.h"

namespace sealpost::portal {
namespace {

class OtpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("otp_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::OpenSqliteStore((dir_ / "db").string(), clock_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    store_ = std::move(*s);
    otp_ = std::make_unique<OtpService>(*store_, clock_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  FakeClock clock_{1'800'000'000};
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<OtpService> otp_;
};

TEST_F(OtpTest, EightDigitsSingleUseStoredHashed) {
  auto issued = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->code.size(), 8u);
  EXPECT_EQ(issued->reference.size(), 4u);
  auto rec = store_->GetOtp("m1", "ext@gmail.test");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->code_hash.find(issued->code), std::string::npos);
  EXPECT_TRUE((*rec)->code_hash.starts_with("$argon2id$"));
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", issued->code)->check,
            OtpCheck::kOk);
  // Single use.
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", issued->code)->check,
            OtpCheck::kExpired);
}

TEST_F(OtpTest, OtherMessageOrAddressDoesNotMatch) {
  auto issued = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(otp_->Verify("m2", "ext@gmail.test", issued->code)->check,
            OtpCheck::kExpired);
  EXPECT_EQ(otp_->Verify("m1", "other@gmail.test", issued->code)->check,
            OtpCheck::kExpired);
}

TEST_F(OtpTest, FiveWrongTriesKillTheCode) {
  auto issued = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(issued.ok());
  std::string wrong = issued->code == "00000000" ? "11111111" : "00000000";
  for (int i = 1; i < kOtpMaxFailures; ++i) {
    auto v = otp_->Verify("m1", "ext@gmail.test", wrong);
    EXPECT_EQ(v->check, OtpCheck::kWrong);
    EXPECT_EQ(v->tries_left, kOtpMaxFailures - i);
  }
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", wrong)->check,
            OtpCheck::kExhausted);
  // Even the right code no longer works.
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", issued->code)->check,
            OtpCheck::kExhausted);
}

// Issue 11 item 11: every try used to be read, checked, then written back
// whole, so parallel guesses lost each other's counts (and could write
// used=0 over a used code).
TEST_F(OtpTest, ParallelWrongGuessesCountAtMostFive) {
  auto issued = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(issued.ok());
  std::string wrong = issued->code == "00000000" ? "11111111" : "00000000";
  std::vector<OtpCheck> verdicts(50);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    threads.emplace_back([&, i] {
      auto v = otp_->Verify("m1", "ext@gmail.test", wrong);
      verdicts[i] = v.ok() ? v->check : OtpCheck::kOk;  // kOk: an error
    });
  }
  for (auto& t : threads) t.join();
  int wrong_count = 0;
  for (OtpCheck c : verdicts) {
    EXPECT_NE(c, OtpCheck::kOk);
    if (c == OtpCheck::kWrong) ++wrong_count;
  }
  EXPECT_EQ(wrong_count, kOtpMaxFailures - 1);
  auto rec = store_->GetOtp("m1", "ext@gmail.test");
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->failures, kOtpMaxFailures);
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", issued->code)->check,
            OtpCheck::kExhausted);
  EXPECT_FALSE(otp_->LiveReference("m1", "ext@gmail.test").ok());
}

TEST_F(OtpTest, OneCodeOpensOneSessionEvenInParallel) {
  auto issued = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(issued.ok());
  std::vector<OtpCheck> verdicts(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    threads.emplace_back([&, i] {
      verdicts[i] = otp_->Verify("m1", "ext@gmail.test", issued->code)->check;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(verdicts.begin(), verdicts.end(), OtpCheck::kOk), 1);
}

TEST_F(OtpTest, ExpiresAfterFifteenMinutes) {
  auto issued = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(issued.ok());
  clock_.Advance(std::chrono::seconds(kOtpLifetime));
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", issued->code)->check,
            OtpCheck::kExpired);
}

TEST_F(OtpTest, ResendThrottledAndReplacesTheOldCode) {
  auto first = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(first.ok());
  auto again = otp_->Issue("m1", "ext@gmail.test");
  EXPECT_EQ(again.status().code(), StatusCode::kResourceExhausted);
  clock_.Advance(std::chrono::seconds(kOtpResendInterval));
  auto second = otp_->Issue("m1", "ext@gmail.test");
  ASSERT_TRUE(second.ok());
  if (second->code != first->code) {
    EXPECT_NE(otp_->Verify("m1", "ext@gmail.test", first->code)->check,
              OtpCheck::kOk);
  }
  EXPECT_EQ(otp_->Verify("m1", "ext@gmail.test", second->code)->check,
            OtpCheck::kOk);
}

}  // namespace
}  // namespace sealpost::portal
