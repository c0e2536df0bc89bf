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

  // Most tests ask for a code for this message and address.
  static constexpr std::string_view kMessage = "m1";
  static constexpr std::string_view kEmail = "ext@gmail.test";

  Result<IssuedOtp> Issue() { return otp_->Issue(kMessage, kEmail); }
  // The verdict on one try of `code` for kMessage and kEmail, from the
  // client network `client`.
  OtpCheck Try(std::string_view code, std::string_view client = kNetwork) {
    return *otp_->Verify(kMessage, kEmail, code, client, OtpHolder::kRecipient);
  }
  static constexpr std::string_view kNetwork = "192.0.2.1";
  // The n-th of many other networks.
  static std::string Network(int n) {
    return "198.51.100." + std::to_string(n);
  }
  // A code of the right form that is not `code`.
  static std::string WrongCode(const std::string& code) {
    return code == "00000000" ? "11111111" : "00000000";
  }

  FakeClock clock_{1'800'000'000};
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<OtpService> otp_;
};

TEST_F(OtpTest, EightDigitsSingleUseStoredHashed) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->code.size(), 8u);
  EXPECT_EQ(issued->reference.size(), 4u);
  auto rec = store_->GetOtp(kMessage, kEmail);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->code_hash.find(issued->code), std::string::npos);
  EXPECT_TRUE((*rec)->code_hash.starts_with("$argon2id$"));
  EXPECT_EQ(Try(issued->code), OtpCheck::kOk);
  // Single use.
  EXPECT_EQ(Try(issued->code), OtpCheck::kExpired);
}

TEST_F(OtpTest, OtherMessageOrAddressDoesNotMatch) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(*otp_->Verify("m2", "ext@gmail.test", issued->code, kNetwork,
                          OtpHolder::kRecipient),
            OtpCheck::kExpired);
  EXPECT_EQ(*otp_->Verify("m1", "other@gmail.test", issued->code, kNetwork,
                          OtpHolder::kStranger),
            OtpCheck::kExpired);
}

// Attack review B, F1: five wrong tries killed the code for everybody, so
// whoever held the link asked for a reader's code, guessed five times and
// locked the reader out.
TEST_F(OtpTest, FiveWrongTriesFromANetworkLeaveTheCodeToOthers) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  std::string wrong = WrongCode(issued->code);
  for (int i = 0; i < kOtpTriesPerNetwork; ++i) {
    EXPECT_EQ(Try(wrong), OtpCheck::kWrong);
  }
  EXPECT_EQ(Try(wrong), OtpCheck::kExhaustedHere);
  EXPECT_EQ(Try(issued->code), OtpCheck::kExhaustedHere);
  // Refused there, the tries took none of the code's tries in all.
  EXPECT_EQ((*store_->GetOtp(kMessage, kEmail))->failures, kOtpTriesPerNetwork);
  EXPECT_TRUE(otp_->LiveReference(kMessage, kEmail).ok());
  EXPECT_EQ(Try(issued->code, Network(1)), OtpCheck::kOk);
}

TEST_F(OtpTest, TenWrongTriesInAllKillTheCode) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  std::string wrong = WrongCode(issued->code);
  for (int i = 1; i < kOtpMaxTries; ++i) {
    EXPECT_EQ(Try(wrong, Network(i / kOtpTriesPerNetwork)), OtpCheck::kWrong);
  }
  EXPECT_EQ(Try(wrong, Network(100)), OtpCheck::kExhausted);
  // Even the right code no longer works, from any network.
  EXPECT_EQ(Try(issued->code, Network(101)), OtpCheck::kExhausted);
  EXPECT_EQ(Try(issued->code), OtpCheck::kExhausted);
  EXPECT_FALSE(otp_->LiveReference(kMessage, kEmail).ok());
}

TEST_F(OtpTest, ANewCodeHasNewTriesForEveryNetwork) {
  auto first = Issue();
  ASSERT_TRUE(first.ok());
  for (int i = 0; i <= kOtpTriesPerNetwork; ++i) {
    Try(WrongCode(first->code));
  }
  EXPECT_EQ(Try(WrongCode(first->code)), OtpCheck::kExhaustedHere);
  clock_.Advance(std::chrono::seconds(kOtpResendInterval));
  auto second = Issue();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Try(second->code), OtpCheck::kOk);
}

// Issue 11 item 11: every try used to be read, checked, then written back
// whole, so parallel guesses lost each other's counts (and could write
// used=0 over a used code).
TEST_F(OtpTest, ParallelWrongGuessesCountFivePerNetwork) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  std::string wrong = WrongCode(issued->code);
  // 50 at once from one network, then 50 at once from 50 networks.
  for (bool many : {false, true}) {
    std::vector<OtpCheck> verdicts(50);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < verdicts.size(); ++i) {
      threads.emplace_back([&, i] {
        std::string client =
            many ? Network(static_cast<int>(i)) : std::string(kNetwork);
        auto v = otp_->Verify(kMessage, kEmail, wrong, client,
                              OtpHolder::kRecipient);
        verdicts[i] = v.ok() ? *v : OtpCheck::kOk;  // kOk: an error
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(std::count(verdicts.begin(), verdicts.end(), OtpCheck::kOk), 0);
    auto wrong_count =
        std::count(verdicts.begin(), verdicts.end(), OtpCheck::kWrong);
    auto rec = store_->GetOtp(kMessage, kEmail);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    if (!many) {
      EXPECT_EQ(wrong_count, kOtpTriesPerNetwork);
      EXPECT_EQ((*rec)->failures, kOtpTriesPerNetwork);
    } else {
      // 20 more counted; the last of them killed the code.
      EXPECT_EQ(wrong_count, kOtpMaxTries - kOtpTriesPerNetwork - 1);
      EXPECT_EQ((*rec)->failures, kOtpMaxTries);
    }
  }
  EXPECT_EQ(Try(issued->code, Network(200)), OtpCheck::kExhausted);
  EXPECT_FALSE(otp_->LiveReference(kMessage, kEmail).ok());
}

TEST_F(OtpTest, OneCodeOpensOneSessionEvenInParallel) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  std::vector<OtpCheck> verdicts(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < verdicts.size(); ++i) {
    threads.emplace_back([&, i] { verdicts[i] = Try(issued->code); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::count(verdicts.begin(), verdicts.end(), OtpCheck::kOk), 1);
}

TEST_F(OtpTest, ExpiresAfterFifteenMinutes) {
  auto issued = Issue();
  ASSERT_TRUE(issued.ok());
  clock_.Advance(std::chrono::seconds(kOtpLifetime));
  EXPECT_EQ(Try(issued->code), OtpCheck::kExpired);
}

TEST_F(OtpTest, ResendThrottledAndReplacesTheOldCode) {
  EXPECT_TRUE(otp_->CheckResend(kMessage, kEmail).ok());
  auto first = Issue();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(otp_->CheckResend(kMessage, kEmail).code(),
            StatusCode::kResourceExhausted);
  auto again = Issue();
  EXPECT_EQ(again.status().code(), StatusCode::kResourceExhausted);
  clock_.Advance(std::chrono::seconds(kOtpResendInterval));
  EXPECT_TRUE(otp_->CheckResend(kMessage, kEmail).ok());
  auto second = Issue();
  ASSERT_TRUE(second.ok());
  if (second->code != first->code) {
    EXPECT_NE(Try(first->code), OtpCheck::kOk);
  }
  EXPECT_EQ(Try(second->code), OtpCheck::kOk);
}

// Attack review B, F3: a stranger's address (not a recipient) got no
// reference, no resend notice and "expired" for any code, a recipient's
// "N tries left": the pages told who received the message. A stranger's
// decoy now goes through every step a recipient's code does, in the store.
TEST_F(OtpTest, AStrangersDecoyAnswersAsARecipientsCode) {
  for (OtpHolder holder : {OtpHolder::kRecipient, OtpHolder::kStranger}) {
    bool recipient = holder == OtpHolder::kRecipient;
    SCOPED_TRACE(recipient ? "recipient" : "stranger");
    std::string email = recipient ? std::string(kEmail) : "nobody@gmail.test";
    auto verify = [&](std::string_view code, std::string_view client) {
      return *otp_->Verify(kMessage, email, code, client, holder);
    };
    EXPECT_EQ(verify("12345678", kNetwork), OtpCheck::kExpired);
    EXPECT_FALSE(otp_->LiveReference(kMessage, email).ok());
    auto issued = otp_->Issue(kMessage, email);
    ASSERT_TRUE(issued.ok());
    EXPECT_EQ(issued->reference.size(), 4u);
    EXPECT_EQ(*otp_->LiveReference(kMessage, email), issued->reference);
    EXPECT_EQ(otp_->CheckResend(kMessage, email).code(),
              StatusCode::kResourceExhausted);
    EXPECT_EQ(otp_->Issue(kMessage, email).status().code(),
              StatusCode::kResourceExhausted);
    std::string wrong = WrongCode(issued->code);
    for (int i = 0; i < kOtpTriesPerNetwork; ++i) {
      EXPECT_EQ(verify(wrong, kNetwork), OtpCheck::kWrong);
    }
    EXPECT_EQ(verify(wrong, kNetwork), OtpCheck::kExhaustedHere);
    for (int i = kOtpTriesPerNetwork + 1; i < kOtpMaxTries; ++i) {
      EXPECT_EQ(verify(wrong, Network(i / kOtpTriesPerNetwork)),
                OtpCheck::kWrong);
    }
    EXPECT_EQ(verify(wrong, Network(100)), OtpCheck::kExhausted);
    EXPECT_FALSE(otp_->LiveReference(kMessage, email).ok());
    // The code asked for: a recipient's opens, a stranger's never does.
    clock_.Advance(std::chrono::seconds(kOtpResendInterval));
    auto again = otp_->Issue(kMessage, email);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(verify(again->code, Network(101)),
              recipient ? OtpCheck::kOk : OtpCheck::kWrong);
    // Both are in the store (every node answers alike); only the
    // recipient's is used up by the right code.
    auto kept = store_->GetOtp(kMessage, email);
    ASSERT_TRUE(kept.ok() && kept->has_value());
    EXPECT_EQ((*kept)->used, recipient);
  }
}

}  // namespace
}  // namespace sealpost::portal
