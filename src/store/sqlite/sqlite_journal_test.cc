// Journal rules in the SQLite engine.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace sealpost::store {
namespace {

class SqliteJournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sealpost-journal-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    store_ = std::move(SqliteStore::Open(dir_ + "/s.db", clock_).value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static JournalRuleRecord Rule(std::string id, std::string name) {
    return {std::move(id),
            std::move(name),
            "Internal",
            "bob@example.com",
            "journal@example.com",
            true,
            0};
  }
  std::string dir_;
  FakeClock clock_{1'800'000'000};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteJournalTest, PutListUpdateDelete) {
  ASSERT_TRUE(store_->PutJournalRule(Rule("j1", "Legal")).ok());
  auto list = store_->ListJournalRules();
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "Legal");
  EXPECT_EQ((*list)[0].scope, "Internal");
  EXPECT_EQ((*list)[0].recipient, "bob@example.com");
  EXPECT_EQ((*list)[0].journal_address, "journal@example.com");
  EXPECT_TRUE((*list)[0].enabled);
  EXPECT_EQ((*list)[0].created_at, 1'800'000'000);

  // The cached list follows an update (write-through).
  JournalRuleRecord off = Rule("j1", "Legal");
  off.enabled = false;
  ASSERT_TRUE(store_->PutJournalRule(off).ok());
  list = store_->ListJournalRules();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_FALSE((*list)[0].enabled);

  ASSERT_TRUE(store_->DeleteJournalRule("j1").ok());
  EXPECT_TRUE(store_->ListJournalRules()->empty());
  EXPECT_EQ(store_->DeleteJournalRule("j1").code(), StatusCode::kNotFound);
}

TEST_F(SqliteJournalTest, NamesAreUniqueIgnoringCase) {
  ASSERT_TRUE(store_->PutJournalRule(Rule("j1", "Legal")).ok());
  Status s = store_->PutJournalRule(Rule("j2", "LEGAL"));
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_EQ(store_->ListJournalRules()->size(), 1u);
}

TEST_F(SqliteJournalTest, RulesSurviveReopen) {
  ASSERT_TRUE(store_->PutJournalRule(Rule("j1", "Legal")).ok());
  store_.reset();
  store_ = std::move(SqliteStore::Open(dir_ + "/s.db", clock_).value());
  auto list = store_->ListJournalRules();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, "j1");
}

}  // namespace
}  // namespace sealpost::store
