// Group commit of key releases' audit records on both engines: records
// that arrive while a transaction commits go together into the next one,
// every one of them is durable when its caller returns, and a transaction
// that fails fails every caller in it (the key releases are refused).
// A second connection of the test's own holds the audit table's write lock
// (so a commit waits, as behind a slow fsync) and adds a trigger that
// refuses one actor's records (as a broken disk would).
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/audit_group_commit.h"
#include "store/store_engines_for_testing.h"

namespace sealpost::store {
namespace {

class AuditGroupCommitTest : public StoreEngineTest {
 protected:
  void TearDown() override {
    if (lite_ != nullptr) sqlite3_close(lite_);
    if (pg_ != nullptr) PQfinish(pg_);
    StoreEngineTest::TearDown();
  }
  // Runs `sql` on the test's own connection to the store's database.
  bool Exec(const std::string& sql) {
    if (GetParam() == "sqlite") {
      if (lite_ == nullptr &&
          sqlite3_open(path_.c_str(), &lite_) != SQLITE_OK) {
        return false;
      }
      return sqlite3_exec(lite_, sql.c_str(), nullptr, nullptr, nullptr) ==
             SQLITE_OK;
    }
    if (pg_ == nullptr) pg_ = PQconnectdb(conninfo_.c_str());
    if (PQstatus(pg_) != CONNECTION_OK) return false;
    PGresult* r = PQexec(pg_, sql.c_str());
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK ||
              PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    return ok;
  }
  // Takes the audit table's write lock until Unlock: the store's commits
  // wait (SQLite's busy timeout is 5 s).
  bool Lock() {
    return GetParam() == "sqlite"
               ? Exec("BEGIN IMMEDIATE")
               : Exec("BEGIN; LOCK TABLE audit IN EXCLUSIVE MODE");
  }
  bool Unlock() { return Exec("COMMIT"); }
  bool RefuseActor(const std::string& actor) {
    if (GetParam() == "sqlite") {
      return Exec(
          "CREATE TRIGGER refuse BEFORE INSERT ON audit WHEN "
          "NEW.actor = '" +
          actor + "' BEGIN SELECT RAISE(FAIL, 'refused'); END");
    }
    return Exec(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN IF NEW.actor = '" +
        actor +
        "' THEN RAISE EXCEPTION 'refused'; END IF; RETURN NEW; END $$; "
        "CREATE TRIGGER refuse BEFORE INSERT ON audit FOR EACH ROW EXECUTE "
        "FUNCTION refuse()");
  }
  // Waits (at most 10 s) until `done` holds for the commit's counts.
  template <typename Fn>
  bool WaitFor(const AuditGroupCommit& g, Fn done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done(g.counts())) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
  // How many audit records `store` lists for `object` ("": all); fails the
  // test when it cannot list them.
  static size_t Listed(Store& store, std::string_view object = "") {
    auto listed = store.ListAudit(object, 100);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    return listed.ok() ? listed->size() : 0;
  }
  static AuditRecord Release(const std::string& actor, int n) {
    return {0,
            1'800'000'000,
            actor,
            "license.acquire",
            "m" + std::to_string(n),
            "granted",
            "rights=VIEW (test)",
            "desktop",
            "org"};
  }

  sqlite3* lite_ = nullptr;
  PGconn* pg_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Engines, AuditGroupCommitTest, BothEngines(),
                         EngineName);

TEST_P(AuditGroupCommitTest, ALoneRecordIsCommittedAtOnce) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  AuditGroupCommit g(**store);
  ASSERT_TRUE(g.Append(Release("bob@x.test", 1)).ok());
  auto listed = (*store)->ListAudit("m1", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].actor, "bob@x.test");
  EXPECT_EQ((*listed)[0].device, "desktop");
  EXPECT_EQ(g.counts().transactions, 1u);
}

// Eight releases arriving while one commits wait and go into one
// transaction together; each caller returns only after its own commit.
TEST_P(AuditGroupCommitTest, RecordsArrivingDuringACommitShareTheNext) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  AuditGroupCommit g(**store);
  ASSERT_TRUE(Lock());
  std::vector<std::thread> threads;
  std::vector<Status> results(9);
  threads.emplace_back([&] { results[0] = g.Append(Release("a@x.test", 0)); });
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.committing; }));
  for (int i = 1; i < 9; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = g.Append(Release("a@x.test", i)); });
  }
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.waiting == 8; }));
  // Nothing has returned: the first waits for the lock, the rest for it.
  EXPECT_EQ(g.counts().transactions, 0u);
  ASSERT_TRUE(Unlock());
  for (auto& t : threads) t.join();
  for (int i = 0; i < 9; ++i) EXPECT_TRUE(results[i].ok()) << i;
  AuditGroupCommit::Counts c = g.counts();
  EXPECT_EQ(c.transactions, 2u);
  EXPECT_EQ(c.records, 9u);
  EXPECT_EQ(Listed(**store), 9u);
}

// A transaction that fails fails every release in it (fail closed: none is
// told its record is kept), and the next one commits again.
TEST_P(AuditGroupCommitTest, AFailedTransactionFailsEveryCallerInIt) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  AuditGroupCommit g(**store);
  ASSERT_TRUE(RefuseActor("mallory@x.test"));
  ASSERT_TRUE(Lock());
  Status first, bad, good;
  std::thread t0([&] { first = g.Append(Release("a@x.test", 1)); });
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.committing; }));
  std::thread t1([&] { bad = g.Append(Release("mallory@x.test", 2)); });
  std::thread t2([&] { good = g.Append(Release("b@x.test", 3)); });
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.waiting == 2; }));
  ASSERT_TRUE(Unlock());
  t0.join();
  t1.join();
  t2.join();
  EXPECT_TRUE(first.ok()) << first.ToString();
  EXPECT_FALSE(bad.ok());
  EXPECT_FALSE(good.ok());  // in the same transaction as mallory's
  EXPECT_TRUE(g.Append(Release("b@x.test", 4)).ok());
  auto listed = (*store)->ListAudit("", 100);
  ASSERT_TRUE(listed.ok());
  std::vector<std::string> objects;
  for (const auto& r : *listed) objects.push_back(r.object);
  EXPECT_EQ(objects, (std::vector<std::string>{"m4", "m1"}));
}

// AppendAsync holds no caller's thread: records that arrive while a
// transaction commits wait in the next batch, their callbacks run only once
// that batch is committed, and a batch of them is one transaction.
TEST_P(AuditGroupCommitTest, AsyncRecordsAreToldOnlyOnceCommitted) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  AuditGroupCommit g(**store);
  ASSERT_TRUE(Lock());
  Status first;
  std::thread t0([&] { first = g.Append(Release("a@x.test", 0)); });
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.committing; }));
  std::mutex mu;
  std::vector<Status> told;
  for (int i = 1; i < 6; ++i) {
    g.AppendAsync(Release("a@x.test", i), [&](Status st) {
      std::lock_guard<std::mutex> lock(mu);
      told.push_back(std::move(st));
    });
  }
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.waiting == 5; }));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_TRUE(told.empty());  // nothing is durable yet
  }
  ASSERT_TRUE(Unlock());
  t0.join();
  EXPECT_TRUE(first.ok());
  ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.transactions == 2; }));
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (told.size() == 5 || std::chrono::steady_clock::now() > deadline) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(told.size(), 5u);
  for (const auto& st : told) EXPECT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(g.counts().records, 6u);
  EXPECT_EQ(Listed(**store), 6u);
}

// Fail closed without a waiting thread too: every callback of a failed
// transaction gets its error.
TEST_P(AuditGroupCommitTest, AFailedTransactionFailsEveryAsyncCallback) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::mutex mu;
  std::vector<std::pair<std::string, Status>> told;
  {
    AuditGroupCommit g(**store);
    ASSERT_TRUE(RefuseActor("mallory@x.test"));
    ASSERT_TRUE(Lock());
    Status first;
    std::thread t0([&] { first = g.Append(Release("a@x.test", 1)); });
    ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.committing; }));
    for (std::string who : {"mallory@x.test", "b@x.test"}) {
      g.AppendAsync(Release(who, 2), [&, who](Status st) {
        std::lock_guard<std::mutex> lock(mu);
        told.emplace_back(who, std::move(st));
      });
    }
    ASSERT_TRUE(WaitFor(g, [](const auto& c) { return c.waiting == 2; }));
    ASSERT_TRUE(Unlock());
    t0.join();
    EXPECT_TRUE(first.ok());
    // Leaving the scope joins the committer thread: every callback ran.
  }
  ASSERT_EQ(told.size(), 2u);
  for (const auto& [who, st] : told) EXPECT_FALSE(st.ok()) << who;
}

// A record handed over just before the group commit goes away is still
// committed, and its callback told.
TEST_P(AuditGroupCommitTest, AsyncRecordsAreCommittedBeforeItStops) {
  auto store = Open();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status told = UnavailableError("not told");
  {
    AuditGroupCommit g(**store);
    g.AppendAsync(Release("bob@x.test", 7), [&](Status st) { told = st; });
  }
  EXPECT_TRUE(told.ok()) << told.ToString();
  EXPECT_EQ(Listed(**store, "m7"), 1u);
}

}  // namespace
}  // namespace sealpost::store
