#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>

namespace sealpost::store {
namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sealpost-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/store.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, path_;
  FakeClock clock_{1'800'000'000};
};

TEST_F(SqliteStoreTest, MigratesFromEmpty) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto v = (*store)->SchemaVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, AllMigrations().back().version);
  EXPECT_EQ((*store)->Engine(), "sqlite");
}

TEST_F(SqliteStoreTest, SettingsAreWrittenThroughAndReadBack) {
  {
    auto store = SqliteStore::Open(path_, clock_);
    ASSERT_TRUE(store.ok());
    EXPECT_FALSE((*store)->GetSetting("k")->has_value());
    ASSERT_TRUE((*store)->PutSetting("k", "one").ok());
    EXPECT_EQ((*store)->GetSetting("k")->value_or(""), "one");
    ASSERT_TRUE((*store)->PutSetting("k", "two").ok());
    EXPECT_EQ((*store)->GetSetting("k")->value_or(""), "two");
  }
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->GetSetting("k")->value_or(""), "two");
}

QueueBatch OneMessageBatch(int i) {
  QueueBatch batch;
  QueuedMessage m;
  m.id = "m" + std::to_string(100000 + i);
  m.content = std::string(static_cast<size_t>(1000 + (i % 7) * 9000),
                          static_cast<char>('a' + i % 26));
  m.size = static_cast<int64_t>(m.content.size());
  QueuedRecipient r;
  r.address = "bob@example.net";
  m.recipients.push_back(r);
  batch.new_messages.push_back(std::move(m));
  batch.events.push_back(
      {0, "m" + std::to_string(100000 + i), 1, "", "received", "test"});
  if (i > 0) batch.maybe_done.push_back("m" + std::to_string(99999 + i));
  return batch;
}

// (count, sum of sizes) of queue_messages and integrity_check, read through
// the default VFS.
struct PlainView {
  int64_t count = -1, bytes = -1;
  std::string integrity;
};
PlainView ReadPlain(const std::string& path) {
  PlainView v;
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return v;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*), SUM(size) FROM queue_messages",
                         -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v.count = sqlite3_column_int64(st, 0);
    v.bytes = sqlite3_column_int64(st, 1);
  }
  sqlite3_finalize(st);
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) ==
          SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    v.integrity = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

// Many group commits with bodies, deliveries and checkpoints through the
// WAL-gathering VFS. A copy of the files taken while the store is open (a
// crash: the WAL is recovered from disk alone) and a plain connection both
// see every committed message, and the database checks out.
TEST_F(SqliteStoreTest, QueueCommitsThroughTheWalVfsAreOnDiskWhenAcked) {
  constexpr int kMessages = 1500;
  int64_t bytes = 0;
  for (int i = 0; i < kMessages; ++i) bytes += 1000 + (i % 7) * 9000;
  {
    auto store = SqliteStore::Open(path_, clock_);
    ASSERT_TRUE(store.ok());
    for (int i = 0; i < kMessages; ++i) {
      QueueBatch batch = OneMessageBatch(i);
      Status st = (*store)->CommitQueueBatch(batch);
      ASSERT_TRUE(st.ok()) << i << ": " << st.ToString();
    }
    const std::string copy = dir_ + "/copy.db";
    std::filesystem::copy_file(path_, copy);
    if (std::filesystem::exists(path_ + "-wal")) {
      std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
    }
    PlainView crashed = ReadPlain(copy);
    EXPECT_EQ(crashed.count, kMessages);
    EXPECT_EQ(crashed.bytes, bytes);
    EXPECT_EQ(crashed.integrity, "ok");
    PlainView live = ReadPlain(path_);
    EXPECT_EQ(live.count, kMessages);
    EXPECT_EQ(live.bytes, bytes);
  }
  PlainView closed = ReadPlain(path_);
  EXPECT_EQ(closed.count, kMessages);
  EXPECT_EQ(closed.integrity, "ok");
}

// A big batch that fails and rolls back leaves nothing behind that a later
// write could put over another connection's commit.
TEST_F(SqliteStoreTest, RolledBackBatchThenAnotherWriterStaysConsistent) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  QueueBatch first = OneMessageBatch(0);
  ASSERT_TRUE((*store)->CommitQueueBatch(first).ok());
  // Forty 64 KB messages (more than the page cache), then a duplicate id.
  QueueBatch big;
  for (int i = 1; i <= 40; ++i) {
    QueueBatch one = OneMessageBatch(i);
    one.new_messages[0].content.assign(64 * 1024, 'z');
    big.new_messages.push_back(std::move(one.new_messages[0]));
  }
  big.new_messages.push_back(OneMessageBatch(0).new_messages[0]);
  EXPECT_FALSE((*store)->CommitQueueBatch(big).ok());
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other,
                         "INSERT INTO settings (key, value, updated_at) "
                         "VALUES ('other', 'yes', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(other);
  for (int i = 41; i < 60; ++i) {
    QueueBatch b = OneMessageBatch(i);
    b.maybe_done.clear();
    ASSERT_TRUE((*store)->CommitQueueBatch(b).ok()) << i;
  }
  PlainView v = ReadPlain(path_);
  EXPECT_EQ(v.count, 1 + 19);
  EXPECT_EQ(v.integrity, "ok");
  sqlite3* check = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &check), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(
      sqlite3_prepare_v2(check, "SELECT value FROM settings WHERE key='other'",
                         -1, &st, nullptr),
      SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
               "yes");
  sqlite3_finalize(st);
  sqlite3_close(check);
}

TEST_F(SqliteStoreTest, RerunAppliesNothingAndKeepsData) {
  {
    auto store = SqliteStore::Open(path_, clock_);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->PutSetting("irm", R"({"a":1})").ok());
  }
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto value = (*store)->GetSetting("irm");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->value_or(""), R"({"a":1})");
  EXPECT_EQ(*(*store)->SchemaVersion(), AllMigrations().back().version);
}

TEST_F(SqliteStoreTest, AppliesOnlyNewMigrationsInOrder) {
  std::vector<Migration> first(AllMigrations().begin(),
                               AllMigrations().begin() + 1);
  {
    auto store = SqliteStore::Open(path_, clock_, first);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ(*(*store)->SchemaVersion(), 1);
  }
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(*(*store)->SchemaVersion(), AllMigrations().back().version);
}

TEST_F(SqliteStoreTest, FailedMigrationRollsBackAndNamesIt) {
  std::vector<Migration> bad = AllMigrations();
  bad.push_back({999, "broken", "CREATE TABLE x (a); SELECT * FROM nope"});
  auto store = SqliteStore::Open(path_, clock_, bad);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("migration 999 (broken)"),
            std::string::npos);
  // Table x of the failed migration was rolled back with it.
  auto again = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*(*again)->SchemaVersion(), AllMigrations().back().version);
}

TEST_F(SqliteStoreTest, UsesWalAndFullSync) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  sqlite3* db;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st;
  sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
               "wal");
  sqlite3_finalize(st);
  sqlite3_close(db);
}

TEST_F(SqliteStoreTest, UsersAndAudit) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  ASSERT_TRUE(s.PutUser({"alice@example.com", "$argon2id$x", "Alice"}).ok());
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

TEST_F(SqliteStoreTest, ProtectedMessagesPageByKeysetAndFilter) {
  auto store = std::move(SqliteStore::Open(path_, clock_)).value();
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
    ASSERT_TRUE(store->PutProtectedMessage(m).ok());
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
  // A revocation (an upsert) keeps the sealed subject.
  auto m3 = std::move(*store->GetProtectedMessage("m3")).value();
  m3.revoked_at = 1600;
  m3.subject_sealed.clear();
  ASSERT_TRUE(store->PutProtectedMessage(m3).ok());
  EXPECT_EQ((*store->GetProtectedMessage("m3"))->subject_sealed,
            std::string("\x01\0sealed", 8));
}

// A queued message with `rcpts` recipients received at `received_ms`, with
// one trace event, in a batch of its own.
QueueBatch MessageAt(const std::string& id, int64_t received_ms, int rcpts,
                     size_t body = 20'000) {
  QueueBatch batch;
  QueuedMessage m;
  m.id = id;
  m.received_ms = received_ms;
  m.content.assign(body, 'x');
  m.size = static_cast<int64_t>(body);
  for (int i = 0; i < rcpts; ++i) {
    QueuedRecipient r;
    r.address = "r" + std::to_string(i) + "@example.net";
    m.recipients.push_back(r);
  }
  batch.new_messages.push_back(std::move(m));
  batch.events.push_back({0, id, received_ms, "", "received", "test"});
  return batch;
}

// Marks delivery `delivery_id` of `id` as `state` and asks for done.
QueueBatch Finish(const std::string& id, int64_t delivery_id,
                  const std::string& state) {
  QueueBatch b;
  b.updates.push_back({delivery_id, state, 1, 0, "250 ok"});
  b.events.push_back({0, id, 2, "", state, "test"});
  b.maybe_done.push_back(id);
  return b;
}

TEST_F(SqliteStoreTest, BodyIsDeletedInTheCommitThatEndsTheLastRecipient) {
  auto store = SqliteStore::Open(path_, clock_);
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

TEST_F(SqliteStoreTest, PrunesOnlyDoneHistoryOlderThanTheCutoffInBatches) {
  auto store = SqliteStore::Open(path_, clock_);
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
  PlainView v = ReadPlain(path_);
  EXPECT_EQ(v.count, 2);
  EXPECT_EQ(v.integrity, "ok");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM queue_deliveries", -1,
                               &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 2);
  sqlite3_finalize(st);
  sqlite3_close(db);
}

NewProtectedMessage Protected(const std::string& id, int64_t created_at,
                              int64_t expires_at) {
  NewProtectedMessage p;
  p.record.id = id;
  p.record.owner = "alice@example.com";
  p.record.template_id = "encrypt";
  p.record.recipients_json = "[]";
  p.record.grants_json = "[]";
  p.record.created_at = created_at;
  p.record.expires_at = expires_at;
  p.audit = {0, 0, "alice@example.com", "message.protect", id, "ok", ""};
  p.portal_copy = "sealed " + id;
  return p;
}

TEST_F(SqliteStoreTest, PrunesPortalCopiesAtExpiryAndAfterRetention) {
  auto store = SqliteStore::Open(path_, clock_);
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

TEST_F(SqliteStoreTest, NewDatabasesGiveFreePagesBack) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  // 8 MB of bodies queued (a backlog), then delivered (bodies dropped) and
  // pruned. One at a time, the freed pages would be reused at once.
  std::vector<std::pair<std::string, int64_t>> queued;
  for (int i = 0; i < 100; ++i) {
    const std::string id = "v" + std::to_string(1000 + i);
    QueueBatch b = MessageAt(id, 1'000, 1, 80'000);
    ASSERT_TRUE(s.CommitQueueBatch(b).ok());
    queued.emplace_back(id, b.new_messages[0].recipients[0].id);
  }
  for (const auto& [id, delivery] : queued) {
    QueueBatch f = Finish(id, delivery, "delivered");
    ASSERT_TRUE(s.CommitQueueBatch(f).ok());
  }
  EXPECT_EQ(*s.PruneQueueHistory(2'000, 500), 100);
  auto before = s.Stats();
  ASSERT_TRUE(before.ok());
  EXPECT_GT(before->free_bytes, 7'000'000);
  int64_t pages = 0;
  for (int i = 0; i < 10; ++i) {
    auto n = s.ReclaimSpace(2048);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    pages += *n;
  }
  EXPECT_GT(pages, 800);  // ~1,950 free, 1,024 kept
  auto after = s.Stats();
  ASSERT_TRUE(after.ok());
  // Some free pages are kept for reuse, the rest given back.
  EXPECT_LT(after->free_bytes, 5'000'000);
  EXPECT_EQ(ReadPlain(path_).integrity, "ok");
}

TEST(MigrationsTest, VersionsStrictlyIncrease) {
  int last = 0;
  for (const auto& m : AllMigrations()) {
    EXPECT_GT(m.version, last);
    last = m.version;
  }
}

TEST(MigrationsTest, RendersPortableTypes) {
  std::string sql = "a {blob}, id {autoid}";
  EXPECT_EQ(RenderMigrationSql(sql, Dialect::kPostgres),
            "a BYTEA, id BIGSERIAL PRIMARY KEY");
  EXPECT_EQ(RenderMigrationSql(sql, Dialect::kSqlite),
            "a BLOB, id INTEGER PRIMARY KEY AUTOINCREMENT");
}

}  // namespace
}  // namespace sealpost::store

namespace sealpost::store::internal {
namespace {

class StmtCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db_, "CREATE TABLE t (v INTEGER)", nullptr, nullptr,
                           nullptr),
              SQLITE_OK);
  }
  void TearDown() override {
    cache_.reset();
    sqlite3_close(db_);
  }
  sqlite3* db_ = nullptr;
  std::unique_ptr<StmtCache> cache_;
};

TEST_F(StmtCacheTest, ReusesOneStatementAndResetsItOnReturn) {
  cache_ = std::make_unique<StmtCache>(db_);
  int rc = 0;
  StmtCache::Slot* first = cache_->Take("SELECT 1", &rc);
  ASSERT_NE(first, nullptr);
  sqlite3_stmt* stmt = first->stmt;
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_TRUE(sqlite3_stmt_busy(stmt));
  StmtCache::Give(first);
  EXPECT_FALSE(sqlite3_stmt_busy(stmt));  // no read transaction left open
  StmtCache::Slot* again = cache_->Take("SELECT 1", &rc);
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->stmt, stmt);
  StmtCache::Give(again);
}

TEST_F(StmtCacheTest, NestedUseOfTheSameSqlGetsItsOwnStatement) {
  cache_ = std::make_unique<StmtCache>(db_);
  const char* sql = "INSERT INTO t (v) VALUES (?)";
  Stmt outer(*cache_, sql);
  ASSERT_TRUE(outer.status().ok());
  {
    Stmt inner(*cache_, sql);
    ASSERT_TRUE(inner.status().ok());
    EXPECT_TRUE(inner.Bind(1, int64_t{2}).Run().ok());
  }
  EXPECT_TRUE(outer.Bind(1, int64_t{1}).Run().ok());
  Stmt count(*cache_, "SELECT SUM(v), COUNT(*) FROM t");
  ASSERT_EQ(count.Step(), SQLITE_ROW);
  EXPECT_EQ(count.Int(0), 3);
  EXPECT_EQ(count.Int(1), 2);
}

TEST_F(StmtCacheTest, BindingsDoNotLeakIntoTheNextUse) {
  cache_ = std::make_unique<StmtCache>(db_);
  const char* sql = "INSERT INTO t (v) VALUES (?)";
  {
    Stmt s(*cache_, sql);
    EXPECT_TRUE(s.Bind(1, int64_t{7}).Run().ok());
  }
  {
    Stmt s(*cache_, sql);  // unbound: NULL, not the last use's 7
    EXPECT_TRUE(s.Run().ok());
  }
  Stmt nulls(*cache_, "SELECT COUNT(*) FROM t WHERE v IS NULL");
  ASSERT_EQ(nulls.Step(), SQLITE_ROW);
  EXPECT_EQ(nulls.Int(0), 1);
}

TEST_F(StmtCacheTest, BadSqlIsAnErrorAndNotCached) {
  cache_ = std::make_unique<StmtCache>(db_);
  Stmt bad(*cache_, "SELEC nonsense");
  EXPECT_FALSE(bad.status().ok());
  Stmt still_bad(*cache_, "SELEC nonsense");
  EXPECT_FALSE(still_bad.status().ok());
}

}  // namespace
}  // namespace sealpost::store::internal
