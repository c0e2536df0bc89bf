#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>

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
