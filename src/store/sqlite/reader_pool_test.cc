// The SQLite store's read connections (reader_pool.h): opened at their
// first use.
#include "store/sqlite/reader_pool.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace sealpost::store::internal {
namespace {

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sealpost-readers-XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/store.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "PRAGMA journal_mode=WAL; CREATE TABLE t(x); "
                           "INSERT INTO t VALUES (42);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The value in t through `lease`'s connection.
  static int Read(ReaderLease& lease) {
    Stmt s(lease.stmts(), "SELECT x FROM t");
    return s.Step() == SQLITE_ROW ? static_cast<int>(s.Int(0)) : -1;
  }

  std::string dir_, path_;
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
  EXPECT_FALSE(ReaderPool::Open(dir_ + "/none/store.db", nullptr, 4).ok());
}

}  // namespace
}  // namespace sealpost::store::internal
