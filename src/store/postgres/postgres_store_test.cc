// What only the PostgreSQL engine has: several nodes opening one database
// at once, a server that is not there, connections that break under the
// pool. (Everything both engines do is in store_engine_test.cc.)
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "store/queue_batches_for_testing.h"
#include "store/store_engines_for_testing.h"

#include "testing/postgres_server.h"

namespace sealpost::store {
namespace {

using PostgresStoreTest = PostgresDatabaseTest;

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
  EXPECT_EQ(Psql("SELECT COUNT(*), COUNT(DISTINCT version) FROM "
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
  EXPECT_EQ(Psql("SELECT data_type FROM information_schema.columns WHERE "
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
  EXPECT_EQ(Psql("SELECT COUNT(pg_terminate_backend(pid)) > 0 FROM "
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
  EXPECT_EQ(Psql("SELECT COUNT(*) <= 3 FROM pg_stat_activity WHERE "
                 "datname = current_database() AND application_name = "
                 "'sealpost'"),
            "t");
}

// What a node's WatchChanges heard, for waiting on in a test.
class Heard {
 public:
  void Add(std::string_view what) {
    MutexLock lock(&mu_);
    seen_.insert(std::string(what));
    cv_.SignalAll();
  }
  // True once `what` was heard, within `ms`.
  bool WaitFor(const std::string& what, int ms = 1000) {
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    MutexLock lock(&mu_);
    while (seen_.count(what) == 0) {
      if (!cv_.WaitUntil(&mu_, deadline)) return seen_.count(what) > 0;
    }
    return true;
  }
  bool Seen(const std::string& what) {
    MutexLock lock(&mu_);
    return seen_.count(what) > 0;
  }
  void Clear() {
    MutexLock lock(&mu_);
    seen_.clear();
  }

 private:
  Mutex mu_;
  CondVar cv_;
  std::set<std::string> seen_ SP_GUARDED_BY(mu_);
};

// Node A changes what caches depend on; node B hears each change within a
// second (after the commit). Writes nothing caches depend on (a new
// protected message, a session opened) are not reported.
TEST_F(PostgresStoreTest, OtherNodesHearChangesWithinASecond) {
  auto a = PostgresStore::Open({conninfo_, "", 2}, clock_);
  auto b = PostgresStore::Open({conninfo_, "", 2}, clock_);
  ASSERT_TRUE(a.ok() && b.ok());
  Heard heard;
  auto watch = (*b)->WatchChanges([&](std::string_view w) { heard.Add(w); });
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  ASSERT_NE(*watch, nullptr);

  ASSERT_TRUE((*a)->PutSetting("irm", "{}").ok());
  EXPECT_TRUE(heard.WaitFor("settings:irm"));
  ASSERT_TRUE((*a)->PutSetting("rules", "[]").ok());
  EXPECT_TRUE(heard.WaitFor("settings:rules"));
  ASSERT_TRUE((*a)->AddUser({"u@example.com", "h", "U", 0, false}).ok());
  EXPECT_TRUE(heard.WaitFor("users"));
  ASSERT_TRUE((*a)->AddOrgKey({"wrap", 1, "w", true, 0}).ok());
  EXPECT_TRUE(heard.WaitFor("org_keys"));

  heard.Clear();
  ProtectedMessageRecord m;
  m.id = "m1";
  m.owner = "u@example.com";
  m.recipients_json = "[]";
  m.grants_json = "{}";
  NewProtectedMessage added;
  added.record = m;
  ASSERT_TRUE((*a)->AddProtectedMessage(added).ok());
  ASSERT_TRUE((*a)->PutSession({"t", "u@example.com", "portal", 0, 9}).ok());
  // Notifications arrive in commit order: once this one is heard, any the
  // two writes above had sent would have been heard too.
  ASSERT_TRUE((*a)->PutSetting("marker", "1").ok());
  ASSERT_TRUE(heard.WaitFor("settings:marker"));
  EXPECT_FALSE(heard.Seen("protected_messages"));
  EXPECT_FALSE(heard.Seen("sessions"));
  m.revoked_at = 5;
  ASSERT_TRUE((*a)->UpdateProtectedMessage(m).ok());  // a revocation
  EXPECT_TRUE(heard.WaitFor("protected_messages"));
  ASSERT_TRUE((*a)->DeleteSession("t").ok());
  EXPECT_TRUE(heard.WaitFor("sessions"));
  // A setting changed over what was read is heard when it was written,
  // and only then (in commit order: the refused one first, had it been).
  heard.Clear();
  EXPECT_FALSE(*(*a)->PutSettingIf("irm", "stale", "{\"x\":1}"));
  ASSERT_TRUE(*(*a)->PutSettingIf("rules", "[]", "[1]"));
  ASSERT_TRUE(heard.WaitFor("settings:rules"));
  EXPECT_FALSE(heard.Seen("settings:irm"));
  ASSERT_TRUE((*a)->SetPassword("u@example.com", "h2").ok());
  EXPECT_TRUE(heard.WaitFor("users"));
  heard.Clear();
  ASSERT_TRUE((*a)->DeleteUser("u@example.com").ok());
  EXPECT_TRUE(heard.WaitFor("users"));
  // A failed write (no such user) is rolled back with its notification.
  heard.Clear();
  EXPECT_FALSE((*a)->DeleteUser("nobody@example.com").ok());
  EXPECT_FALSE(heard.WaitFor("users", 300));
}

// The listener's connection is dropped (a server restart, a failover): it
// reconnects by itself and reports kEverything, since changes made
// meanwhile were not heard; then it hears changes again.
TEST_F(PostgresStoreTest, ListenerReconnectsAndReportsEverything) {
  auto a = PostgresStore::Open({conninfo_, "", 2}, clock_);
  ASSERT_TRUE(a.ok());
  Heard heard;
  auto watch = (*a)->WatchChanges([&](std::string_view w) { heard.Add(w); });
  ASSERT_TRUE(watch.ok()) << watch.status().ToString();
  EXPECT_EQ(Psql("SELECT COUNT(pg_terminate_backend(pid)) FROM "
                 "pg_stat_activity WHERE datname = current_database() AND "
                 "application_name = 'sealpost-listener'"),
            "1");
  EXPECT_TRUE(heard.WaitFor(std::string(kEverything), 5000));
  ASSERT_TRUE((*a)->PutSetting("branding", "{}").ok());
  EXPECT_TRUE(heard.WaitFor("settings:branding"));
}

// A group commit that loses a race (PostgreSQL breaks a deadlock or a
// serialization conflict by failing one transaction, and rolls it back
// whole) runs again instead of failing its messages with 451. The server
// itself raises the real SQLSTATE from a trigger, on the first try only.
TEST_F(PostgresStoreTest, TransactionThatLostARaceRunsAgain) {
  auto opened = PostgresStore::Open({conninfo_, "", 2}, clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  PostgresStore& store = **opened;
  // psql prints every statement's tag: the last line is the last result.
  auto run = [&](const std::string& sql) {
    std::string out = Psql(sql);
    return out.substr(out.find_last_of('\n') + 1);
  };
  for (const char* code : {"40P01", "40001"}) {
    SCOPED_TRACE(code);
    ASSERT_EQ(
        run(std::string("DROP SEQUENCE IF EXISTS tries; CREATE SEQUENCE "
                        "tries; CREATE OR REPLACE FUNCTION lose_once() "
                        "RETURNS trigger AS $$ BEGIN IF nextval('tries') = "
                        "1 THEN RAISE EXCEPTION 'lost a race' USING "
                        "ERRCODE = '") +
            code +
            "'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql; "
            "DROP TRIGGER IF EXISTS lose ON queue_events; "
            "CREATE TRIGGER lose BEFORE INSERT ON queue_events "
            "FOR EACH ROW EXECUTE FUNCTION lose_once(); "
            "SELECT 1"),
        "1");
    const std::string id = std::string("race-") + code;
    QueueBatch batch = testing::MessageAt(id, 100, 1);
    Status st = store.CommitQueueBatch(batch);
    ASSERT_TRUE(st.ok()) << st.ToString();
    // The first try's rows are gone with its rollback: one message, one
    // event, and the trigger ran twice.
    EXPECT_EQ(Psql("SELECT (SELECT COUNT(*) FROM queue_messages WHERE id = "
                   "'" +
                   id +
                   "') || '|' || (SELECT COUNT(*) FROM "
                   "queue_events WHERE message_id = '" +
                   id + "') || '|' || (SELECT last_value FROM tries)"),
              "1|1|2");
  }
  // A race lost on every try reaches the caller as UNAVAILABLE (SMTP 451).
  ASSERT_EQ(run("CREATE OR REPLACE FUNCTION lose_once() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'always' USING ERRCODE = '40P01'; END "
                "$$ LANGUAGE plpgsql; SELECT 1"),
            "1");
  QueueBatch batch = testing::MessageAt("race-always", 100, 1);
  Status st = store.CommitQueueBatch(batch);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.ToString();
  EXPECT_EQ(Psql("SELECT COUNT(*) FROM queue_messages WHERE id = "
                 "'race-always'"),
            "0");
}

}  // namespace
}  // namespace sealpost::store
