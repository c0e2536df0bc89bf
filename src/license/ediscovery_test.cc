// eDiscovery releases and shredding (license/ediscovery.cc): who may, what
// each release leaves in the audit log, legal hold, and the attack: an
// audit log that cannot be written releases nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "license/license_service.h"
#include "license/test_org_for_testing.h"

namespace sealpost::license {
namespace {

constexpr char kMessage[] =
    "From: alice@example.com\r\nTo: bob@gmail.test\r\nSubject: Plan\r\n\r\n"
    "merger\r\n";

class EDiscoveryReleaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    org_.AddUser("alice@example.com");
    org_.AddUser("legal@example.com", false);
    ProtectRequest req{
        "alice@example.com", "Encrypt", {"bob@gmail.test"}, kMessage, ""};
    req.keep_portal_copy = true;
    req.subject = "Plan";
    auto p = org_.licenses.Protect(req);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    id_ = p->message_id;
    container_ = p->container.empty() ? *org_.store.GetPortalCopy(id_).value()
                                      : p->container;
  }
  void JoinGroup() {
    ASSERT_TRUE(org_.directory.AddGroup(kEDiscoveryManagerGroup).ok());
    ASSERT_TRUE(
        org_.directory.AddMember(kEDiscoveryManagerGroup, "legal@example.com")
            .ok());
  }
  int Count(const std::string& action) {
    auto audit = org_.store.ListAudit(id_, 100);
    int n = 0;
    for (const auto& a : *audit) n += a.action == action;
    return n;
  }

  FakeClock clock_{1'800'000'000};
  testing::TestOrg org_{clock_, "ediscovery"};
  std::string id_, container_;
};

TEST_F(EDiscoveryReleaseTest, OnlyGroupMembersWhileTheSwitchIsOn) {
  auto r = org_.licenses.ReleaseForEDiscovery("legal@example.com", id_, "t");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  // The admin token has no address: never a release.
  EXPECT_EQ(org_.licenses.CheckEDiscovery("").code(),
            StatusCode::kPermissionDenied);
  JoinGroup();
  r = org_.licenses.ReleaseForEDiscovery("legal@example.com", id_, "export");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->original, kMessage);
  EXPECT_EQ(Count("ediscovery.release"), 1);
  auto subjects =
      org_.licenses.SubjectsForEDiscovery("legal@example.com", {r->record});
  ASSERT_TRUE(subjects.ok());
  EXPECT_EQ(subjects->front(), "Plan");
  EXPECT_EQ(Count("ediscovery.release"), 2);
  auto irm = org_.licenses.LoadIrm();
  ASSERT_TRUE(irm->Set("EDiscoverySuperUserEnabled", "False").ok());
  ASSERT_TRUE(org_.licenses.SaveIrm(*irm).ok());
  EXPECT_EQ(org_.licenses.ReleaseForEDiscovery("legal@example.com", id_, "t")
                .status()
                .code(),
            StatusCode::kPermissionDenied);
}

TEST_F(EDiscoveryReleaseTest, RevokedAndExpiredMailStaysOnLegalHold) {
  JoinGroup();
  ASSERT_TRUE(org_.licenses.Revoke(id_, "admin", true).ok());
  auto r = org_.licenses.ReleaseForEDiscovery("legal@example.com", id_, "t");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->original, kMessage);
  // ... while the owner's own license is refused.
  EXPECT_FALSE(
      org_.licenses.Acquire("bob@gmail.test", container_, "test").ok());
}

TEST_F(EDiscoveryReleaseTest, NoAuditRecordNoContent) {
  JoinGroup();
  // The audit table refuses eDiscovery records (a full or broken log).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(org_.temp.dir.File("s.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER no_audit BEFORE INSERT ON audit WHEN "
                         "NEW.action = 'ediscovery.release' BEGIN SELECT "
                         "RAISE(ABORT, 'audit log full'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto r = org_.licenses.ReleaseForEDiscovery("legal@example.com", id_, "t");
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  auto record = org_.store.GetProtectedMessage(id_);
  auto subjects =
      org_.licenses.SubjectsForEDiscovery("legal@example.com", {**record});
  EXPECT_EQ(subjects.status().code(), StatusCode::kUnavailable);
}

TEST_F(EDiscoveryReleaseTest, ShredEndsEveryRelease) {
  JoinGroup();
  auto before = org_.licenses.Acquire("alice@example.com", container_, "t");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  const uint64_t generation = org_.licenses.RightsGeneration();
  ASSERT_TRUE(org_.licenses.Shred(id_, "admin").ok());
  EXPECT_GT(org_.licenses.RightsGeneration(), generation);
  // Not even its owner: the key service no longer knows the message.
  auto after = org_.licenses.Acquire("alice@example.com", container_, "t");
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().Reason<Refusal>(), Refusal::kUnknownMessage);
  EXPECT_EQ(org_.licenses.ReleaseForEDiscovery("legal@example.com", id_, "t")
                .status()
                .code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(org_.store.GetPortalCopy(id_)->has_value());
  EXPECT_EQ(Count("message.shred"), 1);
  EXPECT_EQ(org_.licenses.Shred(id_, "admin").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::license
