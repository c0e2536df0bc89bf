// The fixture of the store suite run on both engines (store_engine_test.cc,
// store_signin_test.cc, store_leases_test.cc, store_activity_test.cc,
// store_search_test.cc, audit_group_commit_test.cc): a SQLite file in a
// temporary directory, or a database of its own on the tests' PostgreSQL 15
// server (tests/testing/postgres_server.h); and the fixture of the
// PostgreSQL engine's own tests (postgres/*_test.cc). A missing PostgreSQL
// fails the tests.
//
// Thread-safety: test code.
#ifndef SEALPOST_STORE_STORE_ENGINES_FOR_TESTING_H_
#define SEALPOST_STORE_STORE_ENGINES_FOR_TESTING_H_

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/postgres_server.h"

namespace sealpost::store {

// Creates a database for one test on the tests' PostgreSQL server, named
// `prefix`, the process id and a count: `*db` its name, `*conninfo` how to
// reach it.
inline void CreateTestDatabase(const std::string& prefix, std::string* db,
                               std::string* conninfo) {
  test::PostgresServer& pg = test::SharedPostgres();
  ASSERT_TRUE(pg.Start()) << "PostgreSQL is required: " << pg.error();
  static int n = 0;
  *db = prefix + std::to_string(getpid()) + "_" + std::to_string(++n);
  *conninfo = pg.CreateDatabase(*db);
  ASSERT_FALSE(conninfo->empty()) << pg.error();
}

// A test of the PostgreSQL engine alone, on a database of its own.
class PostgresDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override { CreateTestDatabase("p", &db_, &conninfo_); }
  // What psql prints for `sql` on this test's database.
  std::string Psql(const std::string& sql) {
    return test::SharedPostgres().Psql(db_, sql);
  }
  std::string db_, conninfo_;
  FakeClock clock_{1'800'000'000};
};

class StoreEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      char tmpl[] = "/tmp/sealpost-store-XXXXXX";
      dir_ = mkdtemp(tmpl);
      path_ = dir_ + "/store.db";
      return;
    }
    std::string db;
    CreateTestDatabase("t", &db, &conninfo_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Result<std::unique_ptr<Store>> Open(
      const std::vector<Migration>& migrations = AllMigrations()) {
    if (GetParam() == "sqlite") {
      SP_ASSIGN_OR_RETURN(auto s, SqliteStore::Open(path_, clock_, migrations));
      return std::unique_ptr<Store>(std::move(s));
    }
    SP_ASSIGN_OR_RETURN(
        auto s, PostgresStore::Open({conninfo_, "", 4}, clock_, migrations));
    return std::unique_ptr<Store>(std::move(s));
  }
  std::string dir_, path_, conninfo_;
  FakeClock clock_{1'800'000'000};
};

// A suite built on StoreEngineTest runs on both engines, each test named
// for its engine:
//   INSTANTIATE_TEST_SUITE_P(Engines, MyTest, BothEngines(), EngineName);
inline auto BothEngines() { return ::testing::Values("sqlite", "postgres"); }
inline std::string EngineName(
    const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_STORE_ENGINES_FOR_TESTING_H_
