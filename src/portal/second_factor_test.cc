#include "portal/second_factor.h"

#include <gtest/gtest.h>

#include "crypto/totp.h"
#include "license/test_org_for_testing.h"

namespace sealpost::portal {
namespace {

class SecondFactorTest : public ::testing::Test {
 protected:
  std::string CodeAt(const SecretBytes& secret, int64_t offset_steps = 0) {
    return crypto::HotpSha1(
        secret, static_cast<uint64_t>(crypto::TotpStep(clock_.NowUnix()) +
                                      offset_steps));
  }

  FakeClock clock_{1'800'000'000};
  license::testing::TestOrg org_{clock_, "second_factor_test"};
  SecondFactors factors_{org_.store, org_.licenses, clock_};
};

constexpr std::string_view kSession = "session-a";

TEST_F(SecondFactorTest, EnrolThenEachCodeOpensOnce) {
  const std::string who = "ext@gmail.test";
  EXPECT_FALSE(*factors_.Enrolled(who));
  auto secret = factors_.Begin(who, kSession);
  ASSERT_TRUE(secret.ok()) << secret.status().message();
  EXPECT_EQ(secret->size(), crypto::kTotpSecretBytes);
  // A reload shows the same key; the store holds it sealed, not in clear.
  EXPECT_EQ(factors_.Begin(who, kSession)->InsecureStringView(),
            secret->InsecureStringView());
  auto row = *org_.store.GetSecondFactor(who);
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->secret_sealed.find(secret->InsecureStringView()),
            std::string::npos);
  EXPECT_FALSE(*factors_.Enrolled(who)) << "not confirmed yet";
  EXPECT_FALSE(*factors_.Check(who, CodeAt(*secret))) << "not confirmed yet";

  EXPECT_FALSE(*factors_.Confirm(who, kSession, CodeAt(*secret, 2)));
  ASSERT_TRUE(*factors_.Confirm(who, kSession, CodeAt(*secret)));
  EXPECT_TRUE(*factors_.Enrolled(who));
  EXPECT_FALSE(factors_.Begin(who, kSession).ok()) << "a confirmed key stays";

  // The code that confirmed it is used; the next step's opens once.
  EXPECT_FALSE(*factors_.Check(who, CodeAt(*secret)));
  std::string next = CodeAt(*secret, 1);
  EXPECT_TRUE(*factors_.Check(who, next.substr(0, 3) + " " + next.substr(3)));
  EXPECT_FALSE(*factors_.Check(who, next)) << "replayed";
  EXPECT_FALSE(*factors_.Check(who, "")) << "empty";
  clock_.Advance(std::chrono::seconds(90));
  EXPECT_FALSE(*factors_.Check(who, CodeAt(*secret, -2))) << "too old";
  EXPECT_TRUE(*factors_.Check(who, CodeAt(*secret)));

  // Another address's sealed key does not open as this one's.
  auto other = factors_.Begin("bob@gmail.test", kSession);
  ASSERT_TRUE(other.ok());
  auto bob = *org_.store.GetSecondFactor("bob@gmail.test");
  row = *org_.store.GetSecondFactor(who);
  row->secret_sealed = bob->secret_sealed;
  ASSERT_TRUE(*org_.store.DeleteSecondFactor(who));
  ASSERT_TRUE(*org_.store.PutSecondFactor(*row));
  EXPECT_FALSE(factors_.Check(who, CodeAt(*other, 1)).ok());

  // An admin's reset: enrol again.
  EXPECT_TRUE(*factors_.Reset(who));
  EXPECT_FALSE(*factors_.Enrolled(who));
  EXPECT_TRUE(factors_.Begin(who, kSession).ok());
}

// What a sign-in checks again once its session is stored, to end it when
// an admin reset the app meanwhile: one enrolment is not another, even of
// the same reader at the same second.
TEST_F(SecondFactorTest, AResetAndANewEnrolmentAreAnotherEnrolment) {
  const std::string who = "ext@gmail.test";
  EXPECT_FALSE(factors_.Enrolment(who)->has_value());
  auto first = factors_.Begin(who, kSession);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(factors_.Enrolment(who)->has_value()) << "not confirmed yet";
  ASSERT_TRUE(*factors_.Confirm(who, kSession, CodeAt(*first)));
  auto enrolment = *factors_.Enrolment(who);
  ASSERT_TRUE(enrolment.has_value());
  EXPECT_TRUE(*factors_.Check(who, CodeAt(*first, 1)));
  EXPECT_EQ(*factors_.Enrolment(who), enrolment) << "a code used: the same";
  ASSERT_TRUE(*factors_.Reset(who));
  EXPECT_FALSE(factors_.Enrolment(who)->has_value());
  auto second = factors_.Begin(who, kSession);
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(*factors_.Confirm(who, kSession, CodeAt(*second)));
  ASSERT_TRUE(factors_.Enrolment(who)->has_value());
  EXPECT_NE(*factors_.Enrolment(who), enrolment);
}

// The key being added is the session's that began adding it: another
// session of the address (one begun before the app, by whoever reads the
// mailbox) neither sees it nor confirms it, and beginning again gives it a
// key of its own.
TEST_F(SecondFactorTest, AKeyBeingAddedIsItsSessionsAlone) {
  const std::string who = "ext@gmail.test";
  auto mine = factors_.Begin(who, kSession);
  ASSERT_TRUE(mine.ok());
  EXPECT_FALSE(*factors_.Confirm(who, "session-b", CodeAt(*mine)));
  auto theirs = factors_.Begin(who, "session-b");
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(theirs->InsecureStringView(), mine->InsecureStringView());
  // Their begin took the place of mine: mine confirms no more.
  EXPECT_FALSE(*factors_.Confirm(who, kSession, CodeAt(*mine)));
  auto again = factors_.Begin(who, kSession);
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->InsecureStringView(), theirs->InsecureStringView());
  ASSERT_TRUE(*factors_.Confirm(who, kSession, CodeAt(*again)));
  // Confirmed, the key is the address's: any session's code is checked.
  EXPECT_TRUE(*factors_.Check(who, CodeAt(*again, 1)));
  EXPECT_FALSE(factors_.Begin(who, "session-b").ok());
}

}  // namespace
}  // namespace sealpost::portal
