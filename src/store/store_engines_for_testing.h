// The fixture of the store suite run on both engines (store_engine_test.cc,
// store_signin_test.cc, store_leases_test.cc, store_activity_test.cc,
// store_search_test.cc, audit_group_commit_test.cc): a SQLite file in a
// temporary directory, or a database of its own on the tests' PostgreSQL 15
// server (tests/testing/postgres_server.h). A missing PostgreSQL fails the
// tests.
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

class StoreEngineTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "sqlite") {
      char tmpl[] = "/tmp/sealpost-store-XXXXXX";
      dir_ = mkdtemp(tmpl);
      path_ = dir_ + "/store.db";
      return;
    }
    test::PostgresServer& pg = test::SharedPostgres();
    ASSERT_TRUE(pg.Start()) << "PostgreSQL is required: " << pg.error();
    static int n = 0;
    const std::string db =
        "t" + std::to_string(getpid()) + "_" + std::to_string(++n);
    conninfo_ = pg.CreateDatabase(db);
    ASSERT_FALSE(conninfo_.empty()) << pg.error();
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
