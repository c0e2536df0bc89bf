// The SQLite store's read connections (reader_pool.h): opened at their
// first use, and a lease inside a lease on one thread.
#include "store/sqlite/reader_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir_for_testing.h"

namespace sealpost::store::internal {
namespace {

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; CREATE TABLE t(x); "
                           "INSERT INTO t VALUES (42);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  // The value in t through `lease`'s connection.
  static int Read(ReaderLease& lease) {
    Stmt s(lease.stmts(), "SELECT x FROM t");
    return s.Step() == SQLITE_ROW ? static_cast<int>(s.Int(0)) : -1;
  }

  sealpost::testing::TempDir dir_{"readers"};
  const std::string path_ = dir_.File("store.db");
};

TEST_F(ReaderPoolTest, ConnectionsOpenAtTheirFirstUse) {
  auto pool = ReaderPool::Open(path_, nullptr, 6);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  EXPECT_EQ((*pool)->open_connections(), 1);
  {
    ReaderLease lease(**pool);
    EXPECT_EQ(Read(lease), 42);
  }
  const int after_one = (*pool)->open_connections();
  EXPECT_LE(after_one, 2);
  // The same thread again: its connection, nothing more opened.
  {
    ReaderLease lease(**pool);
    EXPECT_EQ(Read(lease), 42);
  }
  EXPECT_EQ((*pool)->open_connections(), after_one);
  // Six threads holding a lease at once: six connections, each reads.
  std::latch all_hold(6);
  std::vector<std::thread> threads;
  std::atomic<int> read{0};
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&] {
      ReaderLease lease(**pool);
      read += Read(lease) == 42;
      all_hold.arrive_and_wait();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(read, 6);
  EXPECT_EQ((*pool)->open_connections(), 6);
}

TEST_F(ReaderPoolTest, ADatabaseThatCannotBeReadFailsAtOpen) {
  EXPECT_FALSE(ReaderPool::Open(dir_.File("none/store.db"), nullptr, 4).ok());
}

TEST_F(ReaderPoolTest, ALeaseInsideALeaseUsesTheSameConnection) {
  auto pool = ReaderPool::Open(path_, nullptr, 3);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  {
    ReaderLease outer(**pool);
    {
      ReaderLease inner(**pool);
      EXPECT_EQ(inner.db(), outer.db());
      EXPECT_EQ(Read(inner), 42);
    }
    // The outer lease still holds it, and it still reads.
    EXPECT_EQ(Read(outer), 42);
  }
  // Released: another thread takes every connection in turn.
  std::thread([&] {
    ReaderLease a(**pool);
    EXPECT_EQ(Read(a), 42);
  }).join();
  // Every other connection busy on other threads: the inner lease does not
  // wait for the one this thread holds.
  std::latch held(2), done(1);
  std::vector<std::thread> others;
  for (int i = 0; i < 2; ++i) {
    others.emplace_back([&] {
      ReaderLease lease(**pool);
      held.count_down();
      done.wait();
    });
  }
  held.wait();
  {
    ReaderLease outer(**pool);
    ReaderLease inner(**pool);
    EXPECT_EQ(inner.db(), outer.db());
    EXPECT_EQ(Read(inner), 42);
  }
  done.count_down();
  for (auto& t : others) t.join();
}

TEST_F(ReaderPoolTest, ASnapshotBegunInsideALeaseDoesNotTryItsConnection) {
  auto pool = ReaderPool::Open(path_, nullptr, 3);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  ReaderLease outer(**pool);
  (*pool)->BeginSnapshot();
  {
    ReaderLease inner(**pool);
    EXPECT_EQ(Read(inner), 42);
  }
  (*pool)->EndSnapshot();
  EXPECT_FALSE((*pool)->InSnapshot());
  EXPECT_EQ(Read(outer), 42);
}

// A connection that does not open is let go, and opened at its next use:
// leases go to connection 0 meanwhile, and a snapshot, which never uses
// connection 0, begins once the database is back.
TEST_F(ReaderPoolTest, AConnectionThatDoesNotOpenIsTriedAgainAtItsNextUse) {
  auto pool = ReaderPool::Open(path_, nullptr, 3);
  ASSERT_TRUE(pool.ok()) << pool.status().ToString();
  const std::string aside = dir_.File("aside.db");
  std::filesystem::rename(path_, aside);
  // Threads start at connections in turn: three try every one of them.
  for (int i = 0; i < 3; ++i) {
    std::thread([&] {
      ReaderLease lease(**pool);
      EXPECT_NE(lease.db(), nullptr);
    }).join();
  }
  (*pool)->BeginSnapshot();
  EXPECT_FALSE((*pool)->InSnapshot());
  (*pool)->EndSnapshot();
  EXPECT_EQ((*pool)->open_connections(), 1);
  std::filesystem::rename(aside, path_);
  (*pool)->BeginSnapshot();
  ASSERT_TRUE((*pool)->InSnapshot());
  {
    ReaderLease lease(**pool);
    EXPECT_EQ(Read(lease), 42);
  }
  (*pool)->EndSnapshot();
  EXPECT_EQ((*pool)->open_connections(), 2);
}

}  // namespace
}  // namespace sealpost::store::internal
