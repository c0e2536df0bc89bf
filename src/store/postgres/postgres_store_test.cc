// What only the PostgreSQL engine has: several nodes opening one database
// at once, a server that is not there, connections that break under the
// pool. (Everything both engines do is in store_engine_test.cc.)
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <thread>
#include <vector>

#include "testing/postgres_server.h"

namespace sealpost::store {
namespace {

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    test::PostgresServer& pg = test::SharedPostgres();
    ASSERT_TRUE(pg.Start()) << "PostgreSQL is required: " << pg.error();
    static int n = 0;
    db_ = "p" + std::to_string(getpid()) + "_" + std::to_string(++n);
    conninfo_ = pg.CreateDatabase(db_);
    ASSERT_FALSE(conninfo_.empty()) << pg.error();
  }
  std::string db_, conninfo_;
  FakeClock clock_{1'800'000'000};
};

// Six nodes starting together on an empty database: all open, and each
// migration was applied exactly once (the advisory lock made the others
// wait instead of failing on "relation already exists").
TEST_F(PostgresStoreTest, NodesStartingTogetherMigrateOnce) {
  constexpr int kNodes = 6;
  std::vector<Result<std::unique_ptr<PostgresStore>>> opened;
  for (int i = 0; i < kNodes; ++i) opened.emplace_back(InternalError("unset"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] {
      opened[i] = PostgresStore::Open({conninfo_, "", 2}, clock_);
    });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_TRUE(opened[i].ok()) << i << ": " << opened[i].status().ToString();
    EXPECT_EQ(*(*opened[i])->SchemaVersion(), AllMigrations().back().version);
  }
  EXPECT_EQ(test::SharedPostgres().Psql(
                db_,
                "SELECT COUNT(*), COUNT(DISTINCT version) FROM "
                "schema_migrations"),
            std::to_string(AllMigrations().size()) + "|" +
                std::to_string(AllMigrations().size()));
  // What one node writes the next reads: no per-node cache in between.
  ASSERT_TRUE((*opened[0])->PutSetting("irm", "one").ok());
  EXPECT_EQ((*opened[1])->GetSetting("irm")->value_or(""), "one");
  ASSERT_TRUE((*opened[2])->PutSetting("irm", "two").ok());
  EXPECT_EQ((*opened[0])->GetSetting("irm")->value_or(""), "two");
}

TEST_F(PostgresStoreTest, BinaryColumnsAreByteaAndTimesBigint) {
  auto store = PostgresStore::Open({conninfo_, "", 1}, clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(test::SharedPostgres().Psql(
                db_,
                "SELECT data_type FROM information_schema.columns WHERE "
                "table_name = 'queue_messages' AND column_name IN "
                "('content', 'received_ms') ORDER BY column_name"),
            "bytea\nbigint");
}

TEST_F(PostgresStoreTest, NoServerIsUnavailable) {
  // A port nothing listens on: SMTP must answer 4xx (UNAVAILABLE), not 5xx.
  auto store = PostgresStore::Open(
      {"host=127.0.0.1 port=1 user=sealpost dbname=x connect_timeout=2", "", 1},
      clock_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable)
      << store.status().ToString();
  EXPECT_EQ(PostgresStore::Open({"", "", 1}, clock_).status().code(),
            StatusCode::kInvalidArgument);
}

// The server drops every connection (a restart, a failover): the call on
// a dropped connection fails as UNAVAILABLE, the pool throws the
// connection away, and the next call works on a new one.
TEST_F(PostgresStoreTest, BrokenConnectionsAreReplaced) {
  auto opened = PostgresStore::Open({conninfo_, "", 2}, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  PostgresStore& store = **opened;
  ASSERT_TRUE(store.PutSetting("k", "v").ok());
  EXPECT_EQ(test::SharedPostgres().Psql(
                db_,
                "SELECT COUNT(pg_terminate_backend(pid)) > 0 FROM "
                "pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"),
            "t");
  auto first = store.GetSetting("k");
  if (!first.ok()) {
    EXPECT_EQ(first.status().code(), StatusCode::kUnavailable)
        << first.status().ToString();
  }
  auto again = store.GetSetting("k");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->value_or(""), "v");
}

// Reads and writes from many threads run on the pool's connections at once
// and all land.
TEST_F(PostgresStoreTest, ParallelCallsShareThePool) {
  auto opened = PostgresStore::Open({conninfo_, "", 3}, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  PostgresStore& store = **opened;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        AuditRecord r{0, 0, "t" + std::to_string(t), "x", "obj", "ok", ""};
        if (!store.AppendAudit(r).ok()) ++failures;
        if (!store.ListAudit("obj", 5).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store.ListAudit("obj", 1000)->size(), 200u);
  EXPECT_EQ(test::SharedPostgres().Psql(
                db_,
                "SELECT COUNT(*) <= 3 FROM pg_stat_activity WHERE "
                "datname = current_database() AND application_name = "
                "'sealpost'"),
            "t");
}

}  // namespace
}  // namespace sealpost::store
