// The server's copy of what a user seals outside the mail flow (the API's
// protect, in memory and spooled): kept in the commit of its record, read
// by eDiscovery's export, and gone by the rules of the gateway's copies
// (expiry, portal.retention_days, shredding). The attack it closes: a user
// sealed content through the API, mailed the container past the gateway,
// and eDiscovery found the record but could export nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "base/failing_source_for_testing.h"
#include "base/string_source.h"
#include "license/license_service.h"
#include "license/test_org_for_testing.h"
#include "store/body_store.h"

namespace sealpost::license {
namespace {

// Over store::kLargeBodyBytes, in slices: the copy goes to a body file a
// piece at a time, as a spooled upload's does.
std::string LargeMessage() {
  std::string m =
      "From: alice@example.com\r\nTo: bob@gmail.test\r\nSubject: Deal\r\n\r\n";
  while (m.size() < 600 * 1024) m += "merger terms, line after line\r\n";
  return m;
}

class ServerCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    org_.AddUser("alice@example.com");
    org_.AddUser("legal@example.com", false);
    ASSERT_TRUE(org_.directory.AddGroup(kEDiscoveryManagerGroup).ok());
    ASSERT_TRUE(
        org_.directory.AddMember(kEDiscoveryManagerGroup, "legal@example.com")
            .ok());
  }
  // The API's spooled protect: the message from a source, the copy kept by
  // Protect itself (no defer_write, no container_out).
  Result<ProtectResult> ProtectStreamed(ByteSource& source,
                                        int64_t expires_at = 0) {
    ProtectRequest req{"alice@example.com", "Encrypt", {"bob@gmail.test"}};
    req.keep_portal_copy = true;
    req.message_source = &source;
    req.expires_at = expires_at;
    return org_.licenses.Protect(req);
  }
  // Portal copies' body files in the store's directory beside it.
  int BodyFiles() {
    int n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(
             org_.temp.dir.File("s.db") + "-bodies", ec)) {
      n += e.path().filename().string().starts_with("p-");
    }
    return n;
  }
  Status Export(const std::string& id) {
    auto r = org_.licenses.ReleaseForEDiscovery("legal@example.com", id, "t");
    if (!r.ok()) return r.status();
    return r->original == message_ ? Status::Ok()
                                   : InternalError("not the original");
  }

  FakeClock clock_{1'800'000'000};
  testing::TestOrg org_{clock_, "server-copy"};
  const std::string message_ = LargeMessage();
};

TEST_F(ServerCopyTest, StreamedProtectionKeepsACopyThatExportReads) {
  StringSource source(message_, 64 << 10);
  auto p = ProtectStreamed(source);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->container.empty());   // never whole in memory
  EXPECT_FALSE(p->write.has_value());  // committed here
  // In its body file, named by the committed row.
  store::BodyStore* bodies = store::BodyStoreOf(org_.store);
  ASSERT_NE(bodies, nullptr);
  auto file = bodies->OpenBody(store::BodyKind::kPortal, p->message_id);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_GT((*file)->size(), static_cast<int64_t>(message_.size()));
  auto copy = org_.store.GetPortalCopy(p->message_id);
  ASSERT_TRUE(copy.ok() && copy->has_value());
  EXPECT_EQ(static_cast<int64_t>((*copy)->size()), (*file)->size());
  // The compliance officer gets the plaintext, byte for byte.
  EXPECT_TRUE(Export(p->message_id).ok());
}

TEST_F(ServerCopyTest, InMemoryProtectionReturnsTheContainerItKept) {
  ProtectRequest req{
      "alice@example.com", "Encrypt", {"bob@gmail.test"}, message_};
  req.keep_portal_copy = true;
  auto p = org_.licenses.Protect(req);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  // Moved into the commit and back out: the caller still gets it whole.
  ASSERT_FALSE(p->container.empty());
  auto copy = org_.store.GetPortalCopy(p->message_id);
  ASSERT_TRUE(copy.ok() && copy->has_value());
  EXPECT_EQ(**copy, p->container);
  EXPECT_TRUE(Export(p->message_id).ok());
}

TEST_F(ServerCopyTest, AFailedProtectionLeavesNoCopyBehind) {
  // The message cannot be read to its end: the writer is let go unfinished.
  FailingSource cut(message_, message_.size() / 2);
  EXPECT_FALSE(ProtectStreamed(cut).ok());
  EXPECT_EQ(BodyFiles(), 0);
  // The commit fails after the copy was finished: its file goes too.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(org_.temp.dir.File("s.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER no_record BEFORE INSERT ON "
                         "protected_messages BEGIN SELECT RAISE(ABORT, "
                         "'disk full'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  StringSource source(message_, 64 << 10);
  EXPECT_FALSE(ProtectStreamed(source).ok());
  EXPECT_EQ(BodyFiles(), 0);
  ASSERT_EQ(
      sqlite3_exec(db, "DROP TRIGGER no_record", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  StringSource again(message_, 64 << 10);
  EXPECT_TRUE(ProtectStreamed(again).ok());
  EXPECT_EQ(BodyFiles(), 1);
}

TEST_F(ServerCopyTest, CopiesGoAtExpiryRetentionAndShredding) {
  const int64_t now = clock_.NowUnix();
  StringSource a(message_, 64 << 10), b(message_, 64 << 10),
      c(message_, 64 << 10);
  auto expiring = ProtectStreamed(a, now + 3600);
  auto kept = ProtectStreamed(b);
  auto shredded = ProtectStreamed(c);
  ASSERT_TRUE(expiring.ok() && kept.ok() && shredded.ok());
  ASSERT_EQ(BodyFiles(), 3);
  // The queue's housekeeping pass: its own expiry, then the retention.
  auto pruned = org_.store.PrunePortalCopies(now + 3601, 0, 100);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(*pruned, 1);
  EXPECT_FALSE(org_.store.GetPortalCopy(expiring->message_id)->has_value());
  EXPECT_EQ(Export(expiring->message_id).code(), StatusCode::kNotFound);
  EXPECT_TRUE(Export(kept->message_id).ok());  // legal hold otherwise
  ASSERT_TRUE(org_.licenses.Shred(shredded->message_id, "admin").ok());
  EXPECT_EQ(Export(shredded->message_id).code(), StatusCode::kNotFound);
  EXPECT_EQ(BodyFiles(), 1);
  // portal.retention_days (created before the cut-off, without an expiry).
  pruned = org_.store.PrunePortalCopies(now + 3601, now + 1, 100);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(Export(kept->message_id).code(), StatusCode::kNotFound);
  EXPECT_EQ(BodyFiles(), 0);
}

TEST_F(ServerCopyTest, AStreamedProtectionNeedsSomewhereForItsContainer) {
  StringSource source(message_);
  ProtectRequest req{"alice@example.com", "Encrypt", {"bob@gmail.test"}};
  req.message_source = &source;  // no copy, no container_out
  EXPECT_EQ(org_.licenses.Protect(req).status().code(), StatusCode::kInternal);
}

}  // namespace
}  // namespace sealpost::license
