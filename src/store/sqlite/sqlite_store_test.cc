#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "base/encoding.h"
#include "base/temp_dir_for_testing.h"
#include "store/queue_batches_for_testing.h"

namespace sealpost::store {
namespace {

using testing::Finish;
using testing::MessageAt;

class SqliteStoreTest : public ::testing::Test {
 protected:
  sealpost::testing::TempDir dir_{"store"};
  const std::string path_ = dir_.File("store.db");
  FakeClock clock_{1'800'000'000};
};

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
// The first column of `sql`'s first row as text, read on a connection of
// its own to the file at `path`: "none" without a row, "NULL" for a null.
std::string FirstValue(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string out = "none";
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) return out;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(st, 0);
    out = text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

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
    const std::string copy = dir_.File("copy.db");
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

// One commit larger than the VFS's 4 MiB gathering buffer (it is written
// out part way through the commit, then refilled) and small commits after
// it: a copy taken while the store is open sees every message.
TEST_F(SqliteStoreTest, CommitOverTheWalBufferIsOnDiskWhenAcked) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  QueueBatch big;
  int64_t bytes = 0;
  for (int i = 0; i < 100; ++i) {  // 100 x 64 KB: 6.4 MB of bodies
    QueueBatch one = OneMessageBatch(i);
    one.new_messages[0].content.assign(64 * 1024,
                                       static_cast<char>('a' + i % 26));
    one.new_messages[0].size = 64 * 1024;
    bytes += 64 * 1024;
    big.new_messages.push_back(std::move(one.new_messages[0]));
  }
  ASSERT_TRUE((*store)->CommitQueueBatch(big).ok());
  for (int i = 100; i < 110; ++i) {
    QueueBatch b = OneMessageBatch(i);
    b.maybe_done.clear();
    bytes += static_cast<int64_t>(b.new_messages[0].content.size());
    ASSERT_TRUE((*store)->CommitQueueBatch(b).ok()) << i;
  }
  const std::string copy = dir_.File("copy.db");
  std::filesystem::copy_file(path_, copy);
  if (std::filesystem::exists(path_ + "-wal")) {
    std::filesystem::copy_file(path_ + "-wal", copy + "-wal");
  }
  PlainView crashed = ReadPlain(copy);
  EXPECT_EQ(crashed.count, 110);
  EXPECT_EQ(crashed.bytes, bytes);
  EXPECT_EQ(crashed.integrity, "ok");
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
  EXPECT_EQ(FirstValue(path_, "SELECT value FROM settings WHERE key='other'"),
            "yes");
}

TEST_F(SqliteStoreTest, UsesWalAndFullSync) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(FirstValue(path_, "PRAGMA journal_mode"), "wal");
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

TEST_F(SqliteStoreTest, WriteAheadLogShrinksAfterABurst) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  const std::string wal = path_ + "-wal";
  {
    // A reader holding its snapshot keeps the log from restarting: the
    // burst's 24 MB of bodies all stay in it.
    sqlite3* reader = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &reader), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(reader, "BEGIN; SELECT COUNT(*) FROM settings",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    for (int i = 0; i < 300; ++i) {
      QueueBatch b =
          MessageAt("w" + std::to_string(1000 + i), 1'000, 1, 80'000);
      ASSERT_TRUE(s.CommitQueueBatch(b).ok());
    }
    sqlite3_exec(reader, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(reader);
  }
  ASSERT_GT(std::filesystem::file_size(wal), 24'000'000u);
  // Checkpointed, then the next commit restarts the log and trims its file.
  EXPECT_EQ(FirstValue(path_, "PRAGMA wal_checkpoint"), "0");
  QueueBatch last = MessageAt("w9999", 1'000, 1, 1'000);
  ASSERT_TRUE(s.CommitQueueBatch(last).ok());
  EXPECT_LE(std::filesystem::file_size(wal),
            static_cast<uintmax_t>(SqliteStore::kWalSizeLimit));
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

int FilesIn(const std::string& dir) {
  if (!std::filesystem::exists(dir)) return 0;
  int n = 0;
  for ([[maybe_unused]] const auto& e :
       std::filesystem::directory_iterator(dir)) {
    ++n;
  }
  return n;
}

// Large bodies live in files beside the database (body_files.h): written
// before the commit that names them, read back whole, removed when the
// body is dropped, and at the next open every file no row names is gone.
TEST_F(SqliteStoreTest, LargeBodiesAreFilesBesideTheDatabase) {
  const std::string bodies = path_ + "-bodies";
  {
    auto store = SqliteStore::Open(path_, clock_);
    ASSERT_TRUE(store.ok());
    QueueBatch big = testing::MessageAt("big", 1, 1, 300 * 1024);
    big.new_messages[0].content.back() = 'y';
    QueueBatch small = testing::MessageAt("small", 1, 1, 4096);
    const std::string copy(400 * 1024, 'c');
    big.protected_messages.push_back(testing::ProtectedMessage("pm1", copy));
    ASSERT_TRUE((*store)->CommitQueueBatch(big).ok());
    ASSERT_TRUE((*store)->CommitQueueBatch(small).ok());
    EXPECT_EQ(FilesIn(bodies), 2);  // the small body stays in its row
    EXPECT_EQ(FirstValue(path_,
                         "SELECT length(content) FROM queue_messages "
                         "WHERE id = 'big'"),
              "0");
    EXPECT_EQ(FirstValue(path_,
                         "SELECT length(content) FROM queue_messages "
                         "WHERE id = 'small'"),
              "4096");
    auto read = (*store)->GetQueuedMessage("big", true);
    ASSERT_TRUE(read.ok() && read->has_value()) << read.status().ToString();
    EXPECT_EQ((*read)->content.size(), 300u * 1024);
    EXPECT_EQ((*read)->content.back(), 'y');
    auto portal = (*store)->GetPortalCopy("pm1");
    ASSERT_TRUE(portal.ok() && portal->has_value());
    EXPECT_EQ(**portal, copy);

    // Delivered: the queue body's file goes with the commit.
    QueueBatch done =
        testing::Finish("big", (*read)->recipients[0].id, "delivered");
    ASSERT_TRUE((*store)->CommitQueueBatch(done).ok());
    EXPECT_EQ(FilesIn(bodies), 1);
    // A crash between a file's rename and its commit, or a temporary file.
    std::filesystem::copy_file(bodies + "/" + "p-" + HexEncode(AsBytes("pm1")),
                               bodies + "/q-" + HexEncode(AsBytes("ghost")));
    { std::ofstream(bodies + "/q-6869.new.42") << "partial"; }
    EXPECT_EQ(FilesIn(bodies), 3);
  }
  auto reopened = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(FilesIn(bodies), 1);  // the portal copy a row names
  auto portal = (*reopened)->GetPortalCopy("pm1");
  ASSERT_TRUE(portal.ok() && portal->has_value());
  EXPECT_EQ((*portal)->size(), 400u * 1024);
  // Pruned at expiry (a retention of one second): its file goes too.
  clock_.Advance(std::chrono::hours(1));
  auto pruned =
      (*reopened)->PrunePortalCopies(clock_.NowUnix(), clock_.NowUnix(), 10);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(FilesIn(bodies), 0);
}

// A batch that fails leaves no body file behind.
TEST_F(SqliteStoreTest, RolledBackBatchLeavesNoBodyFile) {
  auto store = SqliteStore::Open(path_, clock_);
  ASSERT_TRUE(store.ok());
  QueueBatch first = testing::MessageAt("dup", 1, 1, 300 * 1024);
  ASSERT_TRUE((*store)->CommitQueueBatch(first).ok());
  QueueBatch again = testing::MessageAt("other", 1, 1, 300 * 1024);
  again.new_messages.push_back(
      testing::MessageAt("dup", 1, 1, 300 * 1024).new_messages[0]);
  EXPECT_FALSE((*store)->CommitQueueBatch(again).ok());
  EXPECT_EQ(FilesIn(path_ + "-bodies"), 1);
  auto read = (*store)->GetQueuedMessage("dup", true);
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->content.size(), 300u * 1024);
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
