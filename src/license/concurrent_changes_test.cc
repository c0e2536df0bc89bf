// Changes that meet: a store decorator (store/forwarding_store_for_testing.h)
// runs an admin's change between the steps of another request, where a
// second request on another thread or node could land, and the tests
// check what is left: a password reset or a removal during a sign-in
// leaves no usable session, and two changes of one settings document (the
// groups, the IRM settings) both hold.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "base/clock.h"
#include "crypto/master_key.h"
#include "crypto/password.h"
#include "license/directory.h"
#include "license/key_service.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "store/forwarding_store_for_testing.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::license {
namespace {

// Runs a step, once, right after a read that a request acts on: the
// `nth` read of a user from now on, or the first read of a setting.
class InterleavingStore : public store::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  void AfterUserRead(int nth, std::function<void()> step) {
    user_reads_left_ = nth;
    after_user_read_ = std::move(step);
  }
  void AfterSettingRead(std::string key, std::function<void()> step) {
    setting_ = std::move(key);
    after_setting_read_ = std::move(step);
  }

  Result<std::optional<store::UserRecord>> GetUser(
      std::string_view email) override {
    auto user = inner_.GetUser(email);
    if (after_user_read_ && --user_reads_left_ == 0) {
      // Taken first: the step's own reads run undisturbed.
      auto step = std::move(after_user_read_);
      after_user_read_ = nullptr;
      step();
    }
    return user;
  }
  Result<std::optional<std::string>> GetSetting(std::string_view key) override {
    auto text = inner_.GetSetting(key);
    if (after_setting_read_ && key == setting_) {
      auto step = std::move(after_setting_read_);
      after_setting_read_ = nullptr;
      step();
    }
    return text;
  }

 private:
  int user_reads_left_ = 0;
  std::function<void()> after_user_read_;
  std::string setting_;
  std::function<void()> after_setting_read_;
};

constexpr std::string_view kUser = "ann@example.com";
constexpr std::string_view kOldPassword = "old-password-1";
constexpr std::string_view kClient = "192.0.2.10";

class ConcurrentChangesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(directory_.AddUser(User(kOldPassword)).ok());
  }

  static store::UserRecord User(std::string_view password) {
    return {std::string(kUser), *crypto::HashPassword(password), "Ann"};
  }

  // Signs in with the old password while `change` runs after the sign-in's
  // `nth` read of the user; true when the sign-in gave a token that
  // still opens a session (for the API or otherwise).
  bool SignInSurvives(int nth, const std::function<void()>& change) {
    bool changed = false;
    store_.AfterUserRead(nth, [&] {
      change();
      changed = true;
    });
    auto signed_in = directory_.SignIn(kUser, kOldPassword, kClient);
    EXPECT_TRUE(changed) << "the change ran during the sign-in";
    if (!signed_in.ok()) {
      EXPECT_EQ(signed_in.status().code(), StatusCode::kUnauthenticated)
          << signed_in.status().ToString();
      return false;
    }
    return directory_.Session(signed_in->token).ok() ||
           directory_.Authenticate(signed_in->token).ok();
  }

  FakeClock clock_{1'800'000'000};
  store::testing::TempStore temp_{clock_, "concurrent"};
  InterleavingStore store_{*temp_.store};
  Directory directory_{store_, clock_};
};

// Was: the sign-in checked the old password, the reset ended the user's
// sessions, then the sign-in stored its session: valid for 12 hours.
TEST_F(ConcurrentChangesTest, APasswordResetDuringASignInLeavesNoSession) {
  // Whichever of the sign-in's reads of the user the reset follows.
  for (int nth : {1, 2}) {
    SCOPED_TRACE(nth);
    ASSERT_TRUE(
        directory_.SetPassword(kUser, *crypto::HashPassword(kOldPassword))
            .ok());
    std::string password = "new-password-" + std::to_string(nth);
    EXPECT_FALSE(SignInSurvives(nth, [&] {
      ASSERT_TRUE(
          directory_.SetPassword(kUser, *crypto::HashPassword(password)).ok());
    }));
    // The new password opens a session as before.
    auto fresh = directory_.SignIn(kUser, password, kClient);
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    EXPECT_EQ(*directory_.Authenticate(fresh->token), kUser);
  }
}

// An admin's reset of the address's second factor ends every session of
// it (EndSessionsOf), a password sign-in under way included.
TEST_F(ConcurrentChangesTest, SessionsEndedDuringASignInLeaveNoSession) {
  EXPECT_FALSE(SignInSurvives(
      2, [&] { ASSERT_TRUE(directory_.EndSessionsOf(kUser).ok()); }));
}

// The user removed, and the address given to someone new, while the old
// account's password was being checked: no session in the new account.
TEST_F(ConcurrentChangesTest,
       ARemovalAndANewAccountDuringASignInLeaveNoSession) {
  EXPECT_FALSE(SignInSurvives(2, [&] {
    ASSERT_TRUE(directory_.RemoveUser(kUser).ok());
    ASSERT_TRUE(directory_.AddUser(User("someone-new-1")).ok());
  }));
}

TEST_F(ConcurrentChangesTest, AUserIsAddedOnce) {
  EXPECT_EQ(directory_.AddUser(User("another-password")).code(),
            StatusCode::kAlreadyExists);
  // The first account's password is the one that signs in.
  EXPECT_TRUE(directory_.SignIn(kUser, kOldPassword, kClient).ok());
}

TEST_F(ConcurrentChangesTest, ANewPasswordNeverBringsBackARemovedUser) {
  ASSERT_TRUE(directory_.RemoveUser(kUser).ok());
  EXPECT_EQ(
      directory_.SetPassword(kUser, *crypto::HashPassword("new-password-3"))
          .code(),
      StatusCode::kNotFound);
  EXPECT_FALSE(*directory_.UserExists(kUser));
}

// Was: each change read the groups and wrote them all back, so the later
// write undid the other's change (on two nodes; on one, a mutex kept
// them apart).
TEST_F(ConcurrentChangesTest, TwoGroupChangesAtOnceBothHold) {
  ASSERT_TRUE(directory_.AddGroup("eDiscovery Manager").ok());
  ASSERT_TRUE(directory_.AddGroup("Sales").ok());
  ASSERT_TRUE(directory_.AddMember("eDiscovery Manager", kUser).ok());
  bool changed = false;
  store_.AfterSettingRead("groups", [&] {
    ASSERT_TRUE(directory_.AddMember("Sales", "bob@example.com").ok());
    changed = true;
  });
  ASSERT_TRUE(directory_.RemoveMember("eDiscovery Manager", kUser).ok());
  EXPECT_TRUE(changed);
  auto groups = directory_.Groups();
  ASSERT_TRUE(groups.ok());
  EXPECT_TRUE((*groups)["eDiscovery Manager"].empty());
  EXPECT_EQ((*groups)["Sales"], std::vector<std::string>{"bob@example.com"});
}

// Was: PATCH /api/v1/irm read the settings, set its property and wrote
// them all back: of two at once, one was lost though both answered 200.
TEST_F(ConcurrentChangesTest, TwoIrmChangesAtOnceBothHold) {
  KeyService keys(store_, crypto::MasterKey::Generate());
  TemplateStore templates(store_);
  LicenseService licenses(store_, keys, directory_, templates, clock_,
                          "https://sealpost.test");
  auto set = [&](std::string_view name, std::string_view value) {
    return licenses
        .UpdateIrm([&](IrmConfig& irm) { return irm.Set(name, value); })
        .status();
  };
  ASSERT_TRUE(set("EDiscoverySuperUserEnabled", "True").ok());
  ASSERT_TRUE(set("EnablePortalTrackingLogs", "False").ok());
  bool changed = false;
  store_.AfterSettingRead("irm", [&] {
    ASSERT_TRUE(set("EnablePortalTrackingLogs", "True").ok());
    changed = true;
  });
  ASSERT_TRUE(set("EDiscoverySuperUserEnabled", "False").ok());
  EXPECT_TRUE(changed);
  auto irm = licenses.LoadIrm();
  ASSERT_TRUE(irm.ok());
  EXPECT_FALSE(irm->GetBool("EDiscoverySuperUserEnabled"));
  EXPECT_TRUE(irm->GetBool("EnablePortalTrackingLogs"));
}

}  // namespace
}  // namespace sealpost::license
