// The store test suite, run against both engines: every test here runs on
// SQLite (a file in a temporary directory) and on PostgreSQL (a database of
// its own on the tests' PostgreSQL 15 server, tests/testing/
// postgres_server.h). A missing PostgreSQL fails the tests: it is never
// skipped. Engine-specific tests stay beside their engine
// (sqlite/sqlite_store_test.cc, postgres/postgres_store_test.cc).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <set>
#include <thread>
#include <vector>

#include "store/body_store.h"
#include "store/queue_batches_for_testing.h"
#include "store/store_engines_for_testing.h"
#include "store/update_setting.h"

namespace sealpost::store {
namespace {

using testing::Finish;
using testing::MessageAt;
using testing::ProtectedMessage;

INSTANTIATE_TEST_SUITE_P(Engines, StoreEngineTest, BothEngines(), EngineName);

TEST_P(StoreEngineTest, MigratesFromEmpty) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto v = (*store)->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, AllMigrations().back().version);
  EXPECT_EQ((*store)->Engine(), GetParam());
}

TEST_P(StoreEngineTest, SettingsAreWrittenThroughAndReadBack) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    EXPECT_FALSE((*store)->GetSetting("k")->has_value());
    ASSERT_TRUE((*store)->PutSetting("k", "one").ok());
    EXPECT_EQ((*store)->GetSetting("k")->value_or(""), "one");
    ASSERT_TRUE((*store)->PutSetting("k", "two").ok());
    EXPECT_EQ((*store)->GetSetting("k")->value_or(""), "two");
  }
  auto store = Open();
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetSetting("k")->value_or(""), "two");
}

TEST_P(StoreEngineTest, RerunAppliesNothingAndKeepsData) {
  {
    auto store = Open();
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutSetting("irm", R"({"a":1})").ok());
  }
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto value = (*store)->GetSetting("irm");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), R"({"a":1})");
  EXPECT_EQ(*(*store)->SchemaVersion(), AllMigrations().back().version);
}

TEST_P(StoreEngineTest, AppliesOnlyNewMigrationsInOrder) {
  std::vector<Migration> first(AllMigrations().begin(),
                               AllMigrations().begin() + 1);
  {
    auto store = Open(first);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(*(*store)->SchemaVersion(), 1);
  }
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*(*store)->SchemaVersion(), AllMigrations().back().version);
}

TEST_P(StoreEngineTest, FailedMigrationRollsBackAndNamesIt) {
  std::vector<Migration> bad = AllMigrations();
  bad.push_back({999, "broken", "CREATE TABLE x (a); SELECT * FROM nope"});
  auto store = Open(bad);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("migration 999 (broken)"),
            std::string::npos);
  // Table x of the failed migration was rolled back with it.
  auto again = Open();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->SchemaVersion(), AllMigrations().back().version);
}

TEST_P(StoreEngineTest, UsersAndAudit) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  ASSERT_TRUE(s.AddUser({"alice@example.com", "$argon2id$x", "Alice"}).ok());
  auto u = s.GetUser("alice@example.com");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->has_value());
  EXPECT_EQ((*u)->display_name, "Alice");
  EXPECT_EQ((*u)->created_at, 1'800'000'000);
  EXPECT_FALSE(s.GetUser("bob@example.com")->has_value());
  EXPECT_EQ(s.DeleteUser("bob@example.com").code(), StatusCode::kNotFound);

  ASSERT_TRUE(
      s.AppendAudit({0, 0, "admin", "settings.set", "irm", "ok", ""}).ok());
  ASSERT_TRUE(
      s.AppendAudit({0, 0, "bob", "license.acquire", "m1", "refused", "x"})
          .ok());
  auto all = s.ListAudit("", 10);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].action, "license.acquire");  // newest first
  auto m1 = s.ListAudit("m1", 10);
  ASSERT_EQ(m1->size(), 1u);
  EXPECT_EQ((*m1)[0].result, "refused");
}

TEST_P(StoreEngineTest, ProtectedMessagesPageByKeysetAndFilter) {
  auto store = std::move(Open()).value();
  // 7 messages, two per second, so pages split inside one created_at.
  for (int i = 0; i < 7; ++i) {
    ProtectedMessageRecord m;
    m.id = "m" + std::to_string(i);
    m.owner = i == 6 ? "bob@example.com" : "alice@example.com";
    m.template_id = "encrypt";
    m.recipients_json = i % 2 ? R"(["carol@gmail.test"])" : R"(["dan@x.test"])";
    m.grants_json = "[]";
    m.created_at = 1000 + i / 2;
    if (i == 1) m.revoked_at = 1500;
    if (i == 2) m.expires_at = 1200;
    if (i == 3) m.subject_sealed = std::string("\x01\0sealed", 8);
    if (i == 4) {  // carol's forward of m0
      m.parent_id = "m0";
      m.writer = "carol@gmail.test";
    }
    if (i == 5) {  // alice's own forward of m0
      m.parent_id = "m0";
      m.writer = "alice@example.com";
    }
    ASSERT_TRUE(store->AddProtectedMessage(testing::AsNew(m)).ok());
  }
  ProtectedMessageQuery q;
  q.owner = "alice@example.com";
  q.limit = 4;
  q.now = 1300;
  auto page1 = *store->QueryProtectedMessages(q);
  ASSERT_EQ(page1.size(), 4u);
  EXPECT_EQ(page1[0].id, "m5");
  EXPECT_EQ(page1[1].id, "m4");
  EXPECT_EQ(page1[2].id, "m3");
  EXPECT_EQ(page1[2].subject_sealed, std::string("\x01\0sealed", 8));
  EXPECT_EQ(page1[3].id, "m2");
  EXPECT_EQ(page1[3].subject_sealed, "");
  q.before_created_at = page1.back().created_at;
  q.before_id = page1.back().id;
  auto page2 = *store->QueryProtectedMessages(q);
  ASSERT_EQ(page2.size(), 2u);
  EXPECT_EQ(page2[0].id, "m1");
  EXPECT_EQ(page2[1].id, "m0");

  ProtectedMessageQuery f;
  f.now = 1300;
  f.state = "revoked";
  EXPECT_EQ(store->QueryProtectedMessages(f)->size(), 1u);
  f.state = "expired";
  ASSERT_EQ(store->QueryProtectedMessages(f)->size(), 1u);
  EXPECT_EQ(store->QueryProtectedMessages(f)->front().id, "m2");
  f.state = "active";
  EXPECT_EQ(store->QueryProtectedMessages(f)->size(), 5u);
  f.state = "";
  f.recipient = "CAROL@";
  EXPECT_EQ(store->QueryProtectedMessages(f)->size(), 3u);
  f.recipient = "";
  f.since = 1002;
  EXPECT_EQ(store->QueryProtectedMessages(f)->size(), 3u);
  // The sender's own messages only (/sent): not m4, carol's forward of m0.
  f.since = 0;
  f.skip_children = true;
  auto own = *store->QueryProtectedMessages(f);
  EXPECT_EQ(own.size(), 6u);
  for (const auto& m : own) EXPECT_NE(m.id, "m4");
  EXPECT_TRUE(std::any_of(own.begin(), own.end(), [](const auto& m) {
    return m.id == "m5";  // the owner's own forward stays
  }));
  EXPECT_EQ((*store->GetProtectedMessage("m4"))->writer, "carol@gmail.test");
  EXPECT_EQ((*store->GetProtectedMessage("m3"))->writer, "");
  // A revocation (an update) keeps the sealed subject.
  auto m3 = std::move(*store->GetProtectedMessage("m3")).value();
  m3.revoked_at = 1600;
  m3.subject_sealed.clear();
  ASSERT_TRUE(store->UpdateProtectedMessage(m3).ok());
  EXPECT_EQ((*store->GetProtectedMessage("m3"))->subject_sealed,
            std::string("\x01\0sealed", 8));
  // A write of the record as read before a revocation (a new expiry set
  // at the same moment) keeps the revocation (was: revoked_at 0 again).
  auto stale = std::move(*store->GetProtectedMessage("m4")).value();
  auto revoked = stale;
  revoked.revoked_at = 1700;
  revoked.revoked_by = "admin";
  ASSERT_TRUE(store->UpdateProtectedMessage(revoked).ok());
  stale.expires_at = 5000;
  ASSERT_TRUE(store->UpdateProtectedMessage(stale).ok());
  auto m4 = std::move(*store->GetProtectedMessage("m4")).value();
  EXPECT_EQ(m4.revoked_at, 1700);
  // An admin's expiry stays against a write that is not an admin's.
  auto m5 = std::move(*store->GetProtectedMessage("m5")).value();
  m5.expires_at = 1800;
  m5.expiry_by = std::string(kAdminExpiry);
  ASSERT_TRUE(store->UpdateProtectedMessage(m5).ok());
  m5.expires_at = 0;
  m5.expiry_by = "";
  ASSERT_TRUE(store->UpdateProtectedMessage(m5).ok());
  m5 = std::move(*store->GetProtectedMessage("m5")).value();
  EXPECT_EQ(m5.expires_at, 1800);
  EXPECT_EQ(m5.expiry_by, kAdminExpiry);
  // The policy's expiry is brought forward by a write that is not an
  // admin's, never lifted or extended, and stays the policy's.
  ProtectedMessageRecord p = m5;
  p.id = "p1";
  p.expires_at = 2000;
  p.expiry_by = std::string(kPolicyExpiry);
  ASSERT_TRUE(store->AddProtectedMessage(testing::AsNew(p)).ok());
  for (int64_t later : {int64_t{0}, int64_t{2500}}) {
    p.expires_at = later;
    p.expiry_by = "";
    ASSERT_TRUE(store->UpdateProtectedMessage(p).ok());
    EXPECT_EQ((*store->GetProtectedMessage("p1"))->expires_at, 2000);
  }
  p.expires_at = 1900;
  ASSERT_TRUE(store->UpdateProtectedMessage(p).ok());
  p = std::move(*store->GetProtectedMessage("p1")).value();
  EXPECT_EQ(p.expires_at, 1900);
  EXPECT_EQ(p.expiry_by, kPolicyExpiry);
  p.expires_at = 0;
  p.expiry_by = std::string(kAdminExpiry);
  ASSERT_TRUE(store->UpdateProtectedMessage(p).ok());
  EXPECT_EQ((*store->GetProtectedMessage("p1"))->expires_at, 0);
  EXPECT_EQ(m4.revoked_by, "admin");
  EXPECT_EQ(m4.expires_at, 5000);
}

// A write of a record read before `message shred` (a sender's expiry or
// revocation racing it) brings nothing back: NOT_FOUND and no row (was:
// the write was an upsert that inserted the record again, and the key
// service released its content key to every reader of the wrapper).
TEST_P(StoreEngineTest, AWriteAfterAShredBringsNothingBack) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(
      store->AddProtectedMessage(ProtectedMessage("m1", "sealed m1")).ok());
  auto read = std::move(*store->GetProtectedMessage("m1")).value();
  ASSERT_TRUE(store
                  ->ShredProtectedMessage(
                      "m1", {0, 0, "admin", "message.shred", "m1", "ok", ""})
                  .ok());
  read.expires_at = 5000;
  EXPECT_EQ(store->UpdateProtectedMessage(read).code(), StatusCode::kNotFound);
  read.revoked_at = 5000;
  read.revoked_by = "alice@example.com";
  EXPECT_EQ(store->UpdateProtectedMessage(read).code(), StatusCode::kNotFound);
  EXPECT_FALSE(store->GetProtectedMessage("m1")->has_value());
  EXPECT_TRUE(store->ListProtectedMessages("", 10)->empty());
  EXPECT_FALSE(store->GetPortalCopy("m1")->has_value());
}

TEST_P(StoreEngineTest, BodyIsDeletedInTheCommitThatEndsTheLastRecipient) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  QueueBatch b = MessageAt("q1", 1000, 2);
  ASSERT_TRUE(s.CommitQueueBatch(b).ok());
  const int64_t d1 = b.new_messages[0].recipients[0].id;
  const int64_t d2 = b.new_messages[0].recipients[1].id;
  QueueBatch one = Finish("q1", d1, "delivered");
  ASSERT_TRUE(s.CommitQueueBatch(one).ok());
  auto m = s.GetQueuedMessage("q1", true);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->state, "queued");  // bob is still waiting
  EXPECT_EQ((*m)->content.size(), 20'000u);
  QueueBatch two = Finish("q1", d2, "bounced");
  ASSERT_TRUE(s.CommitQueueBatch(two).ok());
  m = s.GetQueuedMessage("q1", true);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->state, "done");
  EXPECT_TRUE((*m)->content.empty());
  EXPECT_EQ((*m)->recipients.size(), 2u);  // kept for the trace
  auto stats = s.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->queued_messages, 0);
  EXPECT_EQ(stats->done_messages, 1);
  EXPECT_GT(stats->file_bytes, 0);
}

// A large body goes through the BodyStore on both engines (SQLite: a file
// beside the database; PostgreSQL: chunks): written a piece at a time
// before the commit that names it, read back a piece at a time and whole,
// and gone with the commit that ends its last recipient.
TEST_P(StoreEngineTest, LargeBodyStreamsThroughTheBodyStore) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  BodyStore* bodies = BodyStoreOf(s);
  ASSERT_NE(bodies, nullptr);
  EXPECT_FALSE(s.StagesBodies(kLargeBodyBytes - 1));
  EXPECT_TRUE(s.StagesBodies(kLargeBodyBytes));
  std::string body(3 * 1024 * 1024 + 5, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i % 253);
  auto writer = bodies->StartBody(BodyKind::kQueue, "big");
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  for (size_t at = 0; at < body.size(); at += 100'000) {
    ASSERT_TRUE((*writer)->Append(body.substr(at, 100'000)).ok());
  }
  ASSERT_TRUE((*writer)->Finish().ok());
  QueueBatch b = MessageAt("big", 1000, 1, 0);
  b.new_messages[0].content_staged = true;
  ASSERT_TRUE(s.CommitQueueBatch(b).ok());
  auto reader = bodies->OpenBody(BodyKind::kQueue, "big");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->size(), static_cast<int64_t>(body.size()));
  std::string read;
  for (;;) {
    auto n = (*reader)->Read(64 * 1024, &read);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
  }
  EXPECT_TRUE(read == body);
  auto m = s.GetQueuedMessage("big", true);
  ASSERT_TRUE(m.ok() && m->has_value()) << m.status().ToString();
  EXPECT_TRUE((*m)->content == body);
  QueueBatch done = Finish("big", (*m)->recipients[0].id, "delivered");
  ASSERT_TRUE(s.CommitQueueBatch(done).ok());
  EXPECT_EQ(bodies->OpenBody(BodyKind::kQueue, "big").status().code(),
            StatusCode::kNotFound);
}

TEST_P(StoreEngineTest, PrunesOnlyDoneHistoryOlderThanTheCutoffInBatches) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  // Five old done messages, one recent done, one old still queued.
  for (int i = 0; i < 7; ++i) {
    const std::string id = "p" + std::to_string(i);
    QueueBatch b = MessageAt(id, i == 5 ? 9'000 : 1'000 + i, 1);
    ASSERT_TRUE(s.CommitQueueBatch(b).ok());
    if (i != 6) {
      QueueBatch f =
          Finish(id, b.new_messages[0].recipients[0].id, "delivered");
      ASSERT_TRUE(s.CommitQueueBatch(f).ok());
    }
  }
  auto first = s.PruneQueueHistory(5'000, 3);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 3);
  auto second = s.PruneQueueHistory(5'000, 3);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second, 2);
  EXPECT_EQ(*s.PruneQueueHistory(5'000, 3), 0);
  for (int i = 0; i < 5; ++i) {
    const std::string id = "p" + std::to_string(i);
    EXPECT_FALSE(s.GetQueuedMessage(id, false)->has_value()) << id;
    EXPECT_TRUE(s.ListQueueEvents(id)->empty()) << id;
  }
  // The recent one keeps its trace; the queued one keeps everything.
  EXPECT_EQ(s.ListQueueEvents("p5")->size(), 2u);
  auto queued = s.GetQueuedMessage("p6", true);
  ASSERT_TRUE(queued.ok() && queued->has_value());
  EXPECT_EQ((*queued)->content.size(), 20'000u);
  EXPECT_EQ(s.ListQueueEvents("p6")->size(), 1u);
  // Only the recent done message and the queued one are left, with their
  // deliveries.
  auto left = s.ListQueuedMessages("", 100);
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 2u);
  EXPECT_EQ((*left)[0].id, "p5");
  EXPECT_EQ((*left)[0].recipients.size(), 1u);
  EXPECT_EQ((*left)[1].id, "p6");
  EXPECT_EQ((*left)[1].recipients.size(), 1u);
  EXPECT_EQ(*s.CountQueuedDeliveries(), 1);
}

NewProtectedMessage Protected(const std::string& id, int64_t created_at,
                              int64_t expires_at) {
  NewProtectedMessage p = ProtectedMessage(id, "sealed " + id);
  p.record.created_at = created_at;
  p.record.expires_at = expires_at;
  return p;
}

TEST_P(StoreEngineTest, PrunesPortalCopiesAtExpiryAndAfterRetention) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  // Copies made at the clock's start, 100 days before `now`...
  const int64_t now = 1'800'000'000 + 100 * 86400;
  ASSERT_TRUE(s.AddProtectedMessage(Protected("old", 1, 0)).ok());
  ASSERT_TRUE(s.AddProtectedMessage(Protected("expired", 1, now - 1)).ok());
  ASSERT_TRUE(
      s.AddProtectedMessage(Protected("old-but-dated", 1, now + 86400)).ok());
  clock_.Advance(std::chrono::hours(24 * 100));  // ...and one today
  ASSERT_TRUE(s.AddProtectedMessage(Protected("new", 1, 0)).ok());

  // Without a retention only the expired message's copy goes.
  auto pruned = s.PrunePortalCopies(now, 0, 500);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(*pruned, 1);
  EXPECT_FALSE(s.GetPortalCopy("expired")->has_value());
  EXPECT_TRUE(s.GetPortalCopy("old")->has_value());
  // A 30-day retention takes the old copy of a message without an expiry;
  // a message with its own (later) expiry follows that instead.
  pruned = s.PrunePortalCopies(now, now - 30 * 86400, 500);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  EXPECT_FALSE(s.GetPortalCopy("old")->has_value());
  EXPECT_TRUE(s.GetPortalCopy("old-but-dated")->has_value());
  EXPECT_TRUE(s.GetPortalCopy("new")->has_value());
  // The records stay: the reader is told the message expired.
  EXPECT_TRUE(s.GetProtectedMessage("old")->has_value());
  auto stats = s.Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->portal_copies, 2);
  EXPECT_EQ(stats->protected_messages, 4);
}

SmimeCertRecord Cert(std::string id, std::string kind,
                     std::vector<std::string> emails) {
  SmimeCertRecord c;
  c.id = std::move(id);
  c.kind = std::move(kind);
  c.der = std::string(
      "\x30\x00"
      "der",
      5);
  c.emails = std::move(emails);
  c.source = "import";
  return c;
}

TEST_P(StoreEngineTest, CertsPutGetListDelete) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(
      store->PutSmimeCert(Cert("aa", "user", {"bob@x.test", "b@x.test"})).ok());
  ASSERT_TRUE(store->PutSmimeCert(Cert("bb", "anchor", {})).ok());
  auto got = store->GetSmimeCert("aa");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->der, std::string("\x30\x00"
                                     "der",
                                     5));  // binary intact
  EXPECT_EQ((*got)->emails,
            (std::vector<std::string>{"b@x.test", "bob@x.test"}));
  EXPECT_EQ((*got)->created_at, 1'800'000'000);
  EXPECT_EQ(store->ListSmimeCerts("", "")->size(), 2u);
  EXPECT_EQ(store->ListSmimeCerts("anchor", "")->size(), 1u);
  EXPECT_EQ(store->ListSmimeCerts("", "bob@x.test")->size(), 1u);
  EXPECT_EQ(store->ListSmimeCerts("anchor", "bob@x.test")->size(), 0u);
  // A second put replaces the addresses and keeps one row.
  ASSERT_TRUE(store->PutSmimeCert(Cert("aa", "user", {"new@x.test"})).ok());
  EXPECT_EQ(store->ListSmimeCerts("", "bob@x.test")->size(), 0u);
  EXPECT_EQ(store->ListSmimeCerts("", "new@x.test")->size(), 1u);
  ASSERT_TRUE(store->DeleteSmimeCert("aa").ok());
  EXPECT_EQ(store->DeleteSmimeCert("aa").code(), StatusCode::kNotFound);
  EXPECT_EQ(store->ListSmimeCerts("", "new@x.test")->size(), 0u);
}

// `cert remove` refuses what it removes: the certificate leaves the file
// and joins the refused list in one write, stays refused across a restart
// (a list kept in memory would let the next signed mail harvest it), and
// leaves the list only when taken back.
TEST_P(StoreEngineTest, RefusedCertsAreKeptUntilTakenBack) {
  {
    auto store = std::move(Open()).value();
    ASSERT_TRUE(store->PutSmimeCert(Cert("aa", "user", {"bob@x.test"})).ok());
    ASSERT_TRUE(store->PutSmimeCert(Cert("bb", "user", {"eve@x.test"})).ok());
    ASSERT_TRUE(store->RefuseSmimeCert("aa").ok());
    EXPECT_FALSE(store->GetSmimeCert("aa")->has_value());
    EXPECT_EQ(store->ListSmimeCerts("", "bob@x.test")->size(), 0u);
    // Only a certificate on file is refused; nothing is written otherwise.
    EXPECT_EQ(store->RefuseSmimeCert("zz").code(), StatusCode::kNotFound);
    EXPECT_EQ(store->RefuseSmimeCert("aa").code(), StatusCode::kNotFound);
  }
  auto store = std::move(Open()).value();
  EXPECT_TRUE(*store->IsSmimeCertRefused("aa"));
  EXPECT_FALSE(*store->IsSmimeCertRefused("bb"));
  EXPECT_FALSE(*store->IsSmimeCertRefused("zz"));
  auto refused = store->ListRefusedSmimeCerts();
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  ASSERT_EQ(refused->size(), 1u);
  EXPECT_EQ((*refused)[0].id, "aa");
  EXPECT_EQ((*refused)[0].der, std::string("\x30\x00"
                                           "der",
                                           5));  // binary intact
  EXPECT_EQ((*refused)[0].refused_at, 1'800'000'000);
  EXPECT_TRUE(store->GetSmimeCert("bb")->has_value());  // untouched
  EXPECT_TRUE(*store->UnrefuseSmimeCert("aa"));
  EXPECT_FALSE(*store->UnrefuseSmimeCert("aa"));
  EXPECT_FALSE(*store->IsSmimeCertRefused("aa"));
  EXPECT_TRUE(store->ListRefusedSmimeCerts()->empty());
}

// A harvest never rewrites a certificate already on file: it raced an
// admin's import of the same certificate, and turned it into a harvested
// one (which an imported one beats) with its private key gone.
TEST_P(StoreEngineTest, AHarvestNeverRewritesACertificateOnFile) {
  auto store = std::move(Open()).value();
  SmimeCertRecord imported = Cert("aa", "user", {"bob@x.test"});
  imported.wrapped_key = "wrapped";
  ASSERT_TRUE(store->PutSmimeCert(imported).ok());
  SmimeCertRecord harvested = Cert("aa", "user", {"bob@x.test"});
  harvested.source = "harvest";
  ASSERT_TRUE(store->PutSmimeCert(harvested).ok());
  auto got = store->GetSmimeCert("aa");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->source, "import");
  EXPECT_EQ((*got)->wrapped_key, "wrapped");
  EXPECT_EQ((*got)->emails, std::vector<std::string>{"bob@x.test"});
  // An import still replaces a harvested one.
  ASSERT_TRUE(store->PutSmimeCert(Cert("bb", "user", {"eve@x.test"})).ok());
  SmimeCertRecord h = Cert("cc", "user", {"eve@x.test"});
  h.source = "harvest";
  ASSERT_TRUE(store->PutSmimeCert(h).ok());
  ASSERT_TRUE(store->PutSmimeCert(Cert("cc", "user", {"eve@x.test"})).ok());
  EXPECT_EQ((*store->GetSmimeCert("cc"))->source, "import");
}

TEST_P(StoreEngineTest, NewestCrlPerIssuerWins) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(store->PutSmimeCrl({"CN=CA", "two", 200, 300, 0}).ok());
  ASSERT_TRUE(store->PutSmimeCrl({"CN=CA", "one", 100, 200, 0}).ok());
  ASSERT_TRUE(store->PutSmimeCrl({"CN=Other", "x", 1, 2, 0}).ok());
  auto crls = store->ListSmimeCrls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 2u);
  EXPECT_EQ((*crls)[0].der, "two");  // the older one did not replace it
  ASSERT_TRUE(store->PutSmimeCrl({"CN=CA", "three", 300, 400, 0}).ok());
  EXPECT_EQ((*store->ListSmimeCrls())[0].der, "three");
}

// Both CRLs numbered: the CRL Number decides (hex, longer is larger), an
// equal one keeps the CRL on file and dates it by the last fetch, and an
// admin's import of it makes it imported for good.
TEST_P(StoreEngineTest, CrlNumberDecidesAndTheSameCrlIsRedated) {
  auto store = std::move(Open()).value();
  auto put = [&](std::string der, int64_t this_update, std::string number,
                 int64_t fetched_at) {
    auto age = store->PutSmimeCrl({"CN=CA", std::move(der), this_update, 900, 0,
                                   std::move(number), fetched_at});
    EXPECT_TRUE(age.ok()) << age.status().ToString();
    return age.ok() ? *age : CrlAge::kOlder;
  };
  auto on_file = [&] { return (*store->ListSmimeCrls()).at(0); };
  EXPECT_EQ(put("n5", 200, "5", 1000), CrlAge::kNewer);
  // A lower number loses, even with a later thisUpdate.
  EXPECT_EQ(put("n4", 300, "4", 2000), CrlAge::kOlder);
  EXPECT_EQ(on_file().der, "n5");
  EXPECT_EQ(on_file().fetched_at, 1000);
  EXPECT_EQ(put("n5", 200, "5", 3000), CrlAge::kSame);
  EXPECT_EQ(on_file().der, "n5");
  EXPECT_EQ(on_file().fetched_at, 3000);
  EXPECT_EQ(put("n10", 250, "10", 4000), CrlAge::kNewer);
  EXPECT_EQ(on_file().der, "n10");
  EXPECT_EQ(on_file().number, "10");
  EXPECT_EQ(on_file().this_update, 250);
  EXPECT_EQ(put("n10", 250, "10", 0), CrlAge::kSame);
  EXPECT_EQ(on_file().fetched_at, 0);
  EXPECT_EQ(put("n10", 250, "10", 5000), CrlAge::kSame);
  EXPECT_EQ(on_file().fetched_at, 0);
  // Without a number on both sides, thisUpdate decides.
  EXPECT_EQ(put("unnumbered", 240, "", 6000), CrlAge::kOlder);
  EXPECT_EQ(put("unnumbered", 260, "", 6000), CrlAge::kNewer);
  EXPECT_EQ(on_file().der, "unnumbered");
  EXPECT_EQ(on_file().number, "");
  // Removed, an older one may go on file again.
  ASSERT_TRUE(store->DeleteSmimeCrl("CN=CA").ok());
  EXPECT_EQ(store->DeleteSmimeCrl("CN=CA").status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(store->ListSmimeCrls()->empty());
  EXPECT_EQ(put("n4", 300, "4", 0), CrlAge::kNewer);
}

// The delete returns the row it deleted (one statement, RETURNING): every
// column of the CRL on file, the newest put. (The race this closes, a CRL
// stored between a read and the delete, is not provoked here.)
TEST_P(StoreEngineTest, DeletingACrlReturnsTheOneDeleted) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(
      store->PutSmimeCrl({"CN=CA", "n5", 200, 900, 77, "5", 1000}).ok());
  ASSERT_TRUE(
      store->PutSmimeCrl({"CN=CA", "n9", 300, 950, 88, "9", 2000}).ok());
  ASSERT_TRUE(
      store->PutSmimeCrl({"CN=Other", "o1", 100, 500, 66, "1", 0}).ok());
  auto removed = store->DeleteSmimeCrl("CN=CA");
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(removed->issuer, "CN=CA");
  EXPECT_EQ(removed->der, "n9");
  EXPECT_EQ(removed->number, "9");
  EXPECT_EQ(removed->this_update, 300);
  EXPECT_EQ(removed->next_update, 950);
  EXPECT_EQ(removed->created_at, 88);
  EXPECT_EQ(removed->fetched_at, 2000);
  auto again = store->DeleteSmimeCrl("CN=CA");
  EXPECT_EQ(again.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(again.status().message(), "no CRL of \"CN=CA\" on file");
  auto left = store->ListSmimeCrls();
  ASSERT_TRUE(left.ok());
  ASSERT_EQ(left->size(), 1u);
  EXPECT_EQ(left->at(0).issuer, "CN=Other");
}

// A higher CRL Number replaces the CRL on file even with an earlier
// thisUpdate, on both engines; the same number with other bytes writes
// nothing (not even the fetch time).
TEST_P(StoreEngineTest, AHigherCrlNumberWinsWhateverItsThisUpdate) {
  auto store = std::move(Open()).value();
  auto put = [&](std::string der, int64_t this_update, std::string number,
                 int64_t fetched_at) {
    auto age = store->PutSmimeCrl({"CN=CA", std::move(der), this_update, 900, 0,
                                   std::move(number), fetched_at});
    EXPECT_TRUE(age.ok()) << age.status().ToString();
    return age.ok() ? *age : CrlAge::kOlder;
  };
  auto on_file = [&] { return (*store->ListSmimeCrls()).at(0); };
  EXPECT_EQ(put("n5", 200, "5", 1000), CrlAge::kNewer);
  EXPECT_EQ(put("n6", 100, "6", 2000), CrlAge::kNewer);
  EXPECT_EQ(on_file().der, "n6");
  EXPECT_EQ(on_file().number, "6");
  EXPECT_EQ(on_file().this_update, 100);
  EXPECT_EQ(on_file().fetched_at, 2000);
  EXPECT_EQ(put("n6 other", 100, "6", 3000), CrlAge::kDiffers);
  EXPECT_EQ(on_file().der, "n6");
  EXPECT_EQ(on_file().fetched_at, 2000);
  // Without numbers, the same thisUpdate with other bytes differs too.
  ASSERT_TRUE(store->DeleteSmimeCrl("CN=CA").ok());
  EXPECT_EQ(put("u", 100, "", 0), CrlAge::kNewer);
  EXPECT_EQ(put("u other", 100, "", 0), CrlAge::kDiffers);
  EXPECT_EQ(on_file().der, "u");
}

// Migration 22 adds the CRL Number and the fetch time; a CRL on file from
// before cannot tell whether it was fetched, and counts as fetched when it
// was stored (so it is fetched again after a day: smime/revocation.h).
TEST_P(StoreEngineTest, CrlsFromBeforeTheFetchTimeCountAsFetched) {
  std::vector<Migration> before;
  for (const auto& m : AllMigrations()) {
    if (m.version < 22) before.push_back(m);
  }
  auto last = std::find_if(before.rbegin(), before.rend(),
                           [](const Migration& m) { return !m.postgres_only; });
  ASSERT_NE(last, before.rend());
  const std::string sql =
      std::string(last->sql) +
      ";\nINSERT INTO smime_crls (issuer, der, this_update, next_update, "
      "created_at) VALUES ('CN=Old', '', 100, 200, 150)";
  last->sql = sql;
  ASSERT_TRUE(Open(before).ok());
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto crls = (*store)->ListSmimeCrls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 1u);
  EXPECT_EQ((*crls)[0].issuer, "CN=Old");
  EXPECT_EQ((*crls)[0].fetched_at, 150);
  EXPECT_EQ((*crls)[0].number, "");
  // Fetched again, the same CRL fills in its number.
  auto age = (*store)->PutSmimeCrl({"CN=Old", "", 100, 200, 0, "7", 300});
  ASSERT_TRUE(age.ok()) << age.status().ToString();
  EXPECT_EQ(*age, CrlAge::kSame);
  crls = (*store)->ListSmimeCrls();
  ASSERT_TRUE(crls.ok());
  EXPECT_EQ((*crls)[0].number, "7");
  EXPECT_EQ((*crls)[0].fetched_at, 300);
}

TEST_P(StoreEngineTest, NewOrgKeyBecomesThePrimaryOfItsKind) {
  auto store = std::move(Open()).value();
  const std::string wrapped("\x00\x01\xff key", 7);
  ASSERT_TRUE(store->AddOrgKey({"wrap", 1, wrapped, false, 0}).ok());
  ASSERT_TRUE(store->AddOrgKey({"sign", 1, "s1", false, 0}).ok());
  ASSERT_TRUE(store->AddOrgKey({"wrap", 2, "w2", false, 0}).ok());
  auto keys = store->ListOrgKeys("wrap");
  ASSERT_TRUE(keys.ok());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].wrapped, wrapped);
  EXPECT_FALSE((*keys)[0].is_primary);
  EXPECT_TRUE((*keys)[1].is_primary);
  EXPECT_TRUE((*store->ListOrgKeys("sign"))[0].is_primary);
  // The same version twice is refused and changes nothing.
  EXPECT_FALSE(store->AddOrgKey({"wrap", 2, "again", false, 0}).ok());
  keys = store->ListOrgKeys("wrap");
  EXPECT_EQ((*keys)[1].wrapped, "w2");
  EXPECT_TRUE((*keys)[1].is_primary);
}

TEST_P(StoreEngineTest, PasscodeTriesAreCountedAndOneCodeOpensOnce) {
  auto store = std::move(Open()).value();
  OtpRecord otp{"m1", "bob@x.test", "hash1", "ref", 100, 1000, 0, false};
  ASSERT_TRUE(store->PutOtp(otp).ok());
  auto one = store->TakeOtpTry("m1", "bob@x.test", 3, 500);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((*one)->failures, 1);
  EXPECT_FALSE(store->TakeOtpTry("m1", "bob@x.test", 3, 1000)->has_value())
      << "expired at 1000";
  EXPECT_FALSE(store->TakeOtpTry("m1", "carol@x.test", 3, 500)->has_value());
  // Parallel tries never take more than the limit between them.
  std::atomic<int> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = store->TakeOtpTry("m1", "bob@x.test", 10, 500);
        if (r.ok() && r->has_value()) ++granted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(granted.load(), 9);
  EXPECT_EQ((*store->GetOtp("m1", "bob@x.test"))->failures, 10);
  EXPECT_FALSE(*store->ConsumeOtp("m1", "bob@x.test", "wrong"));
  EXPECT_TRUE(*store->ConsumeOtp("m1", "bob@x.test", "hash1"));
  EXPECT_FALSE(*store->ConsumeOtp("m1", "bob@x.test", "hash1"));
  EXPECT_TRUE((*store->GetOtp("m1", "bob@x.test"))->used);
  // A new code replaces the old one.
  otp.code_hash = "hash2";
  otp.expires_at = clock_.NowUnix() + 900;
  ASSERT_TRUE(store->PutOtp(otp).ok());
  EXPECT_TRUE(*store->ConsumeOtp("m1", "bob@x.test", "hash2"));
  // Codes past their expiry go as a new one is kept (a stranger's decoy,
  // for any address anyone types, is a row too).
  OtpRecord old{"m2", "nobody@x.test",  "h", "ref",
                1,    clock_.NowUnix(), 0,   false};
  ASSERT_TRUE(store->PutOtp(old).ok());
  EXPECT_TRUE(store->GetOtp("m2", "nobody@x.test")->has_value());
  ASSERT_TRUE(store
                  ->PutOtp({"m3", "carol@x.test", "h", "ref", clock_.NowUnix(),
                            clock_.NowUnix() + 900, 0, false})
                  .ok());
  EXPECT_FALSE(store->GetOtp("m2", "nobody@x.test")->has_value());
  EXPECT_TRUE(store->GetOtp("m1", "bob@x.test")->has_value());
}

TEST_P(StoreEngineTest, SecondFactorStepsAreTakenOnceInOrder) {
  auto store = std::move(Open()).value();
  EXPECT_FALSE(*store->TakeTotpStep("bob@x.test", 5)) << "not enrolled";
  // Shown, not confirmed: a new secret may replace it.
  SecondFactorRecord f{"bob@x.test", "first", 0, 0};
  EXPECT_TRUE(*store->PutSecondFactor(f));
  f = {"bob@x.test", std::string("\x01sealed\x00", 8), 100, 7};
  EXPECT_TRUE(*store->PutSecondFactor(f)) << "confirmed";
  EXPECT_FALSE(*store->PutSecondFactor({"bob@x.test", "other", 0, 0}))
      << "a confirmed one stays until a reset";
  EXPECT_EQ((*store->GetSecondFactor("bob@x.test"))->secret_sealed,
            f.secret_sealed);
  EXPECT_FALSE(*store->TakeTotpStep("bob@x.test", 7)) << "used at enrolment";
  EXPECT_FALSE(*store->TakeTotpStep("bob@x.test", 6)) << "older step";
  // The same code sent four times at once opens once.
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      auto r = store->TakeTotpStep("bob@x.test", 8);
      if (r.ok() && *r) ++taken;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(taken.load(), 1);
  EXPECT_EQ((*store->GetSecondFactor("bob@x.test"))->last_step, 8);
  EXPECT_TRUE(*store->DeleteSecondFactor("bob@x.test"));
  EXPECT_FALSE(*store->DeleteSecondFactor("bob@x.test"));
  EXPECT_FALSE(store->GetSecondFactor("bob@x.test")->has_value());
  // A message's sealed PIN is kept with its record.
  NewProtectedMessage p = Protected("pin1", 10, 0);
  p.record.pin_sealed = std::string("\x02pin\x00", 5);
  ASSERT_TRUE(store->AddProtectedMessage(p).ok());
  EXPECT_EQ((*store->GetProtectedMessage("pin1"))->pin_sealed,
            p.record.pin_sealed);
}

TEST_P(StoreEngineTest, SessionsExpireAndGoWithTheirUser) {
  auto store = std::move(Open()).value();
  const int64_t now = 1'800'000'000;
  ASSERT_TRUE(store->PutSession({"old", "a@x.test", "portal", 1, now}).ok());
  ASSERT_TRUE(
      store->PutSession({"t1", "a@x.test", "portal", now, now + 60}).ok());
  ASSERT_TRUE(store->PutSession({"t2", "a@x.test", "cli", now, now + 60}).ok());
  ASSERT_TRUE(store->PutSession({"t3", "b@x.test", "cli", now, now + 60}).ok());
  EXPECT_FALSE(store->GetSession("old")->has_value()) << "purged on insert";
  auto t1 = store->GetSession("t1");
  ASSERT_TRUE(t1.ok() && t1->has_value());
  EXPECT_EQ((*t1)->kind, "portal");
  EXPECT_EQ((*t1)->expires_at, now + 60);
  // The same token twice is refused.
  EXPECT_FALSE(
      store->PutSession({"t1", "a@x.test", "portal", now, now + 60}).ok());
  ASSERT_TRUE(store->DeleteSession("t3").ok());
  EXPECT_FALSE(store->GetSession("t3")->has_value());
  ASSERT_TRUE(store->DeleteSessionsOf("a@x.test").ok());
  EXPECT_FALSE(store->GetSession("t1")->has_value());
  EXPECT_FALSE(store->GetSession("t2")->has_value());
}

// A user is added once, and a password is set only on a user there is:
// each one statement, so that an add or a new password at the moment of
// another add or a removal never writes over it (was: an upsert, which
// brought a removed user back with the new password).
TEST_P(StoreEngineTest, AUserIsAddedOnceAndANewPasswordNeverBringsOneBack) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(store->AddUser({"ann@x.test", "h1", "Ann", 0, false, 7}).ok());
  EXPECT_EQ(store->AddUser({"ann@x.test", "h2", "Other", 0, false, 9}).code(),
            StatusCode::kAlreadyExists);
  auto ann = std::move(store->GetUser("ann@x.test")).value();
  ASSERT_TRUE(ann.has_value());
  EXPECT_EQ(ann->password_hash, "h1");  // the first add's, untouched
  EXPECT_EQ(ann->display_name, "Ann");
  EXPECT_EQ(ann->epoch, 7);
  // A new password moves the epoch with it.
  ASSERT_TRUE(store->SetPassword("ann@x.test", "h3").ok());
  ann = std::move(store->GetUser("ann@x.test")).value();
  EXPECT_EQ(ann->password_hash, "h3");
  EXPECT_EQ(ann->epoch, 8);
  ASSERT_TRUE(store->BumpUserEpoch("ann@x.test").ok());
  EXPECT_EQ((*store->GetUser("ann@x.test"))->epoch, 9);
  EXPECT_TRUE(store->BumpUserEpoch("nobody@x.test").ok());
  EXPECT_FALSE(store->GetUser("nobody@x.test")->has_value());
  ASSERT_TRUE(store->DeleteUser("ann@x.test").ok());
  EXPECT_EQ(store->SetPassword("ann@x.test", "h4").code(),
            StatusCode::kNotFound);
  EXPECT_FALSE(store->GetUser("ann@x.test")->has_value());
  // A new account at the address has the epoch it is given.
  ASSERT_TRUE(store->AddUser({"ann@x.test", "h5", "Ann", 0, false, 70}).ok());
  EXPECT_EQ((*store->GetUser("ann@x.test"))->epoch, 70);
}

TEST_P(StoreEngineTest, ASessionKeepsTheEpochItWasOpenedIn) {
  auto store = std::move(Open()).value();
  const int64_t now = 1'800'000'000;
  ASSERT_TRUE(
      store->PutSession({"t1", "a@x.test", "cli", now, now + 60, 42}).ok());
  ASSERT_TRUE(
      store->PutSession({"t2", "r@x.test", "portal-otp", now, now + 60}).ok());
  EXPECT_EQ((*store->GetSession("t1"))->epoch, 42);
  EXPECT_EQ((*store->GetSession("t2"))->epoch, 0);
}

// The compare-and-swap under every change of a settings document.
TEST_P(StoreEngineTest, PutSettingIfWritesOnlyOverWhatItWasGiven) {
  {
    auto store = std::move(Open()).value();
    // None yet: written once.
    EXPECT_TRUE(*store->PutSettingIf("k", std::nullopt, "one"));
    EXPECT_FALSE(*store->PutSettingIf("k", std::nullopt, "two"));
    EXPECT_EQ(store->GetSetting("k")->value_or(""), "one");
    // Only over the value stored.
    EXPECT_FALSE(*store->PutSettingIf("k", "zero", "two"));
    EXPECT_EQ(store->GetSetting("k")->value_or(""), "one");
    EXPECT_TRUE(*store->PutSettingIf("k", "one", "two"));
    EXPECT_EQ(store->GetSetting("k")->value_or(""), "two");
    // A setting there is not is not written over a value.
    EXPECT_FALSE(*store->PutSettingIf("other", "x", "y"));
    EXPECT_FALSE(store->GetSetting("other")->has_value());
    // A blind write in between: the next change sees it.
    ASSERT_TRUE(store->PutSetting("k", "three").ok());
    EXPECT_FALSE(*store->PutSettingIf("k", "two", "four"));
    EXPECT_EQ(store->GetSetting("k")->value_or(""), "three");
  }
  auto store = std::move(Open()).value();
  EXPECT_EQ(store->GetSetting("k")->value_or(""), "three");
}

// Changes of one document from several threads, and on PostgreSQL through
// two stores (two nodes), all at once: every change that succeeded is
// kept (was: the later whole-document write undid the earlier).
TEST_P(StoreEngineTest, ChangesOfOneSettingAtOnceAreAllKept) {
  auto first = std::move(Open()).value();
  std::unique_ptr<Store> second;
  if (GetParam() == "postgres") second = std::move(Open()).value();
  Store* stores[] = {first.get(), second ? second.get() : first.get()};
  constexpr int kThreads = 4, kChanges = 20;
  std::atomic<int> kept{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChanges; ++i) {
        Status st = UpdateSetting(
            *stores[t % 2], "counter",
            [](const std::optional<std::string>& text) -> Result<std::string> {
              return std::to_string(std::stoi(text.value_or("0")) + 1);
            });
        // Given up after others won kSettingUpdateAttempts times: said,
        // not lost.
        if (st.ok()) {
          ++kept;
        } else {
          EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(kept.load(), kThreads * kChanges / 2);
  EXPECT_EQ(first->GetSetting("counter")->value_or(""),
            std::to_string(kept.load()));
}

// An edit that fails writes nothing; one that changes nothing writes
// nothing either.
TEST_P(StoreEngineTest, UpdateSettingWritesOnlyAChange) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(store->PutSetting("k", "v").ok());
  Status refused = UpdateSetting(
      *store, "k",
      [](const std::optional<std::string>&) -> Result<std::string> {
        return InvalidArgumentError("no");
      });
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store->GetSetting("k")->value_or(""), "v");
  int runs = 0;
  EXPECT_TRUE(
      UpdateSetting(
          *store, "k",
          [&](const std::optional<std::string>& text) -> Result<std::string> {
            ++runs;
            return *text;
          })
          .ok());
  EXPECT_EQ(runs, 1);
}

JournalRuleRecord JournalRule(std::string id, std::string name) {
  return {std::move(id),
          std::move(name),
          "Internal",
          "bob@example.com",
          "journal@example.com",
          true,
          0};
}

TEST_P(StoreEngineTest, JournalRulesPutListUpdateDelete) {
  auto store_ = std::move(Open()).value();
  ASSERT_TRUE(store_->PutJournalRule(JournalRule("j1", "Legal")).ok());
  auto list = store_->ListJournalRules();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "Legal");
  EXPECT_EQ((*list)[0].scope, "Internal");
  EXPECT_EQ((*list)[0].recipient, "bob@example.com");
  EXPECT_EQ((*list)[0].journal_address, "journal@example.com");
  EXPECT_TRUE((*list)[0].enabled);
  EXPECT_EQ((*list)[0].created_at, 1'800'000'000);

  // The list follows an update (SQLite caches it, write-through).
  JournalRuleRecord off = JournalRule("j1", "Legal");
  off.enabled = false;
  ASSERT_TRUE(store_->PutJournalRule(off).ok());
  list = store_->ListJournalRules();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE((*list)[0].enabled);

  ASSERT_TRUE(store_->DeleteJournalRule("j1").ok());
  EXPECT_TRUE(store_->ListJournalRules()->empty());
  EXPECT_EQ(store_->DeleteJournalRule("j1").code(), StatusCode::kNotFound);
}

TEST_P(StoreEngineTest, JournalRuleNamesAreUniqueIgnoringCase) {
  auto store_ = std::move(Open()).value();
  ASSERT_TRUE(store_->PutJournalRule(JournalRule("j1", "Legal")).ok());
  Status s = store_->PutJournalRule(JournalRule("j2", "LEGAL"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(store_->ListJournalRules()->size(), 1u);
}

TEST_P(StoreEngineTest, JournalRulesSurviveReopen) {
  auto store_ = std::move(Open()).value();
  ASSERT_TRUE(store_->PutJournalRule(JournalRule("j1", "Legal")).ok());
  store_.reset();
  store_ = std::move(Open()).value();
  auto list = store_->ListJournalRules();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, "j1");
}

TEST_P(StoreEngineTest, TlsPoliciesUpsertListDelete) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(store->PutTlsPolicy({"b.test", "verify", "/ca.pem", 0}).ok());
  ASSERT_TRUE(store->PutTlsPolicy({"a.test", "may", "", 5}).ok());
  ASSERT_TRUE(store->PutTlsPolicy({"b.test", "encrypt", "", 0}).ok());
  auto all = store->ListTlsPolicies();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].domain, "a.test");
  EXPECT_EQ((*all)[1].policy, "encrypt");
  EXPECT_EQ((*store->GetTlsPolicy("a.test"))->updated_at, 5);
  EXPECT_EQ((*store->GetTlsPolicy("b.test"))->updated_at, 1'800'000'000);
  ASSERT_TRUE(store->DeleteTlsPolicy("a.test").ok());
  EXPECT_EQ(store->DeleteTlsPolicy("a.test").code(), StatusCode::kNotFound);
  EXPECT_FALSE(store->GetTlsPolicy("a.test")->has_value());
}

TEST_P(StoreEngineTest, DueMessagesRetryAndAFailedBatchLeavesNothing) {
  auto store = std::move(Open()).value();
  QueueBatch a = MessageAt("d1", 1000, 2);
  a.new_messages[0].recipients[0].next_attempt_ms = 5000;
  a.new_messages[0].recipients[1].next_attempt_ms = 9000;
  a.new_messages[0].recipients[1].notify = 3;
  a.new_messages[0].recipients[1].orcpt = "rfc822;r1@example.net";
  ASSERT_TRUE(store->CommitQueueBatch(a).ok());
  EXPECT_NE(a.new_messages[0].recipients[0].id,
            a.new_messages[0].recipients[1].id);
  QueueBatch b = MessageAt("d2", 1001, 1);
  b.new_messages[0].recipients[0].next_attempt_ms = 3000;
  ASSERT_TRUE(store->CommitQueueBatch(b).ok());
  EXPECT_TRUE(store->ListDueQueueMessages(2000, 10)->empty());
  EXPECT_EQ(*store->ListDueQueueMessages(6000, 10),
            (std::vector<std::string>{"d2", "d1"}));
  EXPECT_EQ(*store->CountQueuedDeliveries(), 3);
  auto d1 = store->GetQueuedMessage("d1", false);
  ASSERT_TRUE(d1.ok() && d1->has_value());
  EXPECT_TRUE((*d1)->content.empty());  // not asked for
  EXPECT_EQ((*d1)->recipients[1].notify, 3);
  EXPECT_EQ((*d1)->recipients[1].orcpt, "rfc822;r1@example.net");
  ASSERT_TRUE(store->RetryQueuedMessage("d1", 1500).ok());
  EXPECT_EQ(store->ListDueQueueMessages(2000, 10)->front(), "d1");
  EXPECT_EQ(store->RetryQueuedMessage("nope", 1).code(), StatusCode::kNotFound);
  // A batch with a new message and a duplicate id fails as a whole.
  QueueBatch bad = MessageAt("d3", 1002, 1);
  bad.new_messages.push_back(MessageAt("d1", 1002, 1).new_messages[0]);
  EXPECT_FALSE(store->CommitQueueBatch(bad).ok());
  EXPECT_FALSE(store->GetQueuedMessage("d3", false)->has_value());
  EXPECT_TRUE(store->ListQueueEvents("d3")->empty());
  EXPECT_EQ(*store->CountQueuedDeliveries(), 3);
  // And the store goes on working after the rollback.
  QueueBatch c = MessageAt("d4", 1003, 1);
  ASSERT_TRUE(store->CommitQueueBatch(c).ok());
  EXPECT_EQ(*store->CountQueuedDeliveries(), 4);
  EXPECT_EQ(store->ListQueuedMessages("queued", 10)->size(), 3u);
}

TEST_P(StoreEngineTest, ProtectedMessageWithCopyAndAuditInOneWrite) {
  auto store = std::move(Open()).value();
  NewProtectedMessage p = Protected("pm1", 10, 0);
  p.portal_copy = std::string("\x00sealed\xff", 8);
  ASSERT_TRUE(store->AddProtectedMessage(p).ok());
  EXPECT_EQ(store->GetPortalCopy("pm1")->value_or(""), p.portal_copy);
  EXPECT_FALSE(store->GetPortalCopy("none")->has_value());
  EXPECT_EQ(store->ListAudit("pm1", 10)->size(), 1u);
  // The same id again: nothing of the second write is kept.
  p.audit.action = "second";
  EXPECT_FALSE(store->AddProtectedMessage(p).ok());
  auto audit = store->ListAudit("pm1", 10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "message.protect");
  // In a queue batch, with the wrapper that carries it.
  QueueBatch b = MessageAt("w1", 1, 1);
  b.protected_messages.push_back(Protected("pm2", 11, 0));
  ASSERT_TRUE(store->CommitQueueBatch(b).ok());
  EXPECT_TRUE(store->GetProtectedMessage("pm2")->has_value());
  auto listed = store->ListProtectedMessages("alice@example.com", 10);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].id, "pm2");  // newest first
  ASSERT_TRUE(store
                  ->AppendAudits({{0, 0, "x", "view", "pm2", "ok", ""},
                                  {0, 0, "y", "view", "pm2", "ok", ""}})
                  .ok());
  EXPECT_EQ(store->ListAudit("pm2", 10)->size(), 3u);
}

// The protection stage's audit records (S/MIME or the portal) commit in
// the queue batch of the mail they describe: both or neither.
TEST_P(StoreEngineTest, QueueBatchAuditCommitsAndRollsBackWithItsMail) {
  auto store = std::move(Open()).value();
  QueueBatch a = MessageAt("a1", 1000, 1);
  a.audit.push_back({0, 5, "system", "smime.fallback", "a1", "portal",
                     "bob@example.net: no certificate on file"});
  ASSERT_TRUE(store->CommitQueueBatch(a).ok());
  auto audit = store->ListAudit("a1", 10);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "smime.fallback");
  EXPECT_EQ((*audit)[0].result, "portal");
  // A batch that fails (a duplicate id) leaves no audit record behind.
  QueueBatch bad = MessageAt("a2", 1001, 1);
  bad.new_messages.push_back(MessageAt("a1", 1001, 1).new_messages[0]);
  bad.audit.push_back({0, 6, "system", "smime.encrypt", "a2", "ok", ""});
  EXPECT_FALSE(store->CommitQueueBatch(bad).ok());
  EXPECT_TRUE(store->ListAudit("a2", 10)->empty());
  EXPECT_EQ(store->ListAudit("a1", 10)->size(), 1u);
}

}  // namespace
}  // namespace sealpost::store
