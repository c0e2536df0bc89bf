// S/MIME certificates and CRLs in the SQLite engine.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace sealpost::store {
namespace {

class SqliteCertsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sealpost-certs-store-XXXXXX";
    dir_ = mkdtemp(tmpl);
    store_ = std::move(SqliteStore::Open(dir_ + "/s.db", clock_).value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static SmimeCertRecord Cert(std::string id, std::string kind,
                              std::vector<std::string> emails) {
    SmimeCertRecord c;
    c.id = std::move(id);
    c.kind = std::move(kind);
    c.der = std::string("\x30\x00der", 5);
    c.emails = std::move(emails);
    c.source = "import";
    return c;
  }
  std::string dir_;
  FakeClock clock_{1'800'000'000};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteCertsTest, PutGetListDelete) {
  ASSERT_TRUE(
      store_->PutSmimeCert(Cert("aa", "user", {"bob@x.test", "b@x.test"}))
          .ok());
  ASSERT_TRUE(store_->PutSmimeCert(Cert("bb", "anchor", {})).ok());
  auto got = store_->GetSmimeCert("aa");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->der, std::string("\x30\x00der", 5));  // binary intact
  EXPECT_EQ((*got)->emails,
            (std::vector<std::string>{"b@x.test", "bob@x.test"}));
  EXPECT_EQ((*got)->created_at, 1'800'000'000);
  EXPECT_EQ(store_->ListSmimeCerts("", "")->size(), 2u);
  EXPECT_EQ(store_->ListSmimeCerts("anchor", "")->size(), 1u);
  EXPECT_EQ(store_->ListSmimeCerts("", "bob@x.test")->size(), 1u);
  EXPECT_EQ(store_->ListSmimeCerts("anchor", "bob@x.test")->size(), 0u);
  // A second put replaces the addresses and keeps one row.
  ASSERT_TRUE(store_->PutSmimeCert(Cert("aa", "user", {"new@x.test"})).ok());
  EXPECT_EQ(store_->ListSmimeCerts("", "bob@x.test")->size(), 0u);
  EXPECT_EQ(store_->ListSmimeCerts("", "new@x.test")->size(), 1u);
  ASSERT_TRUE(store_->DeleteSmimeCert("aa").ok());
  EXPECT_EQ(store_->DeleteSmimeCert("aa").code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ListSmimeCerts("", "new@x.test")->size(), 0u);
}

TEST_F(SqliteCertsTest, NewestCrlPerIssuerWins) {
  ASSERT_TRUE(store_->PutSmimeCrl({"CN=CA", "two", 200, 300, 0}).ok());
  ASSERT_TRUE(store_->PutSmimeCrl({"CN=CA", "one", 100, 200, 0}).ok());
  ASSERT_TRUE(store_->PutSmimeCrl({"CN=Other", "x", 1, 2, 0}).ok());
  auto crls = store_->ListSmimeCrls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 2u);
  EXPECT_EQ((*crls)[0].der, "two");  // the older one did not replace it
  ASSERT_TRUE(store_->PutSmimeCrl({"CN=CA", "three", 300, 400, 0}).ok());
  EXPECT_EQ((*store_->ListSmimeCrls())[0].der, "three");
}

}  // namespace
}  // namespace sealpost::store
