#include "license/key_backup.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "base/files.h"
#include "crypto/errors.h"
#include "license/key_service.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::license {
namespace {

const crypto::Argon2Params kFast{1, 64, 1};

class KeyBackupTest : public ::testing::Test {
 protected:
  FakeClock clock_{1700000000};
  store::testing::TempStore temp_{clock_, "keybackup"};
  store::Store& store_ = *temp_.store;
};

TEST_F(KeyBackupTest, RestoresTheMasterKeyAndEveryOrgKeyVersion) {
  crypto::MasterKey master = crypto::MasterKey::Generate();
  const uint32_t fp = master.fingerprint();
  KeyService keys(store_, master);
  ASSERT_TRUE(keys.Activate().ok());
  ASSERT_TRUE(keys.Rotate().ok());
  auto records = ListOrgKeyRecords(store_);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 2u);

  auto file = SealKeyBackup(master, *records, "twelve chars!", kFast);
  ASSERT_TRUE(file.ok()) << file.status().message();
  auto backup = OpenKeyBackup(*file, "twelve chars!");
  ASSERT_TRUE(backup.ok()) << backup.status().message();
  EXPECT_EQ(backup->master.fingerprint(), fp);
  ASSERT_EQ(backup->org_keys.size(), 2u);
  EXPECT_EQ(backup->org_keys[1].wrapped, (*records)[1].wrapped);

  // Into a fresh store: the restored versions load under the restored key.
  auto fresh = std::move(
      store::OpenSqliteStore(temp_.dir.path() + "/fresh.db", clock_).value());
  for (const auto& k : backup->org_keys) {
    ASSERT_TRUE(AddOrgKeyRecord(*fresh, k).ok());
  }
  KeyService restored(*fresh, std::move(backup->master));
  ASSERT_TRUE(restored.Load().ok());
  EXPECT_EQ(restored.primary_version(), 2u);
}

TEST_F(KeyBackupTest, WrongPassphraseShortPassphraseAndForeignKeys) {
  crypto::MasterKey master = crypto::MasterKey::Generate();
  KeyService keys(store_, master);
  ASSERT_TRUE(keys.Activate().ok());
  auto records = *ListOrgKeyRecords(store_);
  auto file = SealKeyBackup(master, records, "twelve chars!", kFast);
  ASSERT_TRUE(file.ok());
  EXPECT_TRUE(crypto::IsDecryptionFailed(
      OpenKeyBackup(*file, "twelve chars?").status()));
  EXPECT_EQ(SealKeyBackup(master, records, "short", kFast).status().code(),
            StatusCode::kInvalidArgument);
  // Org keys of another master key are not sealed into a backup.
  EXPECT_FALSE(SealKeyBackup(crypto::MasterKey::Generate(), records,
                             "twelve chars!", kFast)
                   .ok());
}

TEST_F(KeyBackupTest, NoNewMasterKeyForAStoreWrappedUnderAnother) {
  const std::string path = temp_.dir.path() + "/master.key";
  auto first = LoadMasterKeyForStore(path, store_, {});
  ASSERT_TRUE(first.ok());  // empty store: created
  KeyService keys(store_, *first);
  ASSERT_TRUE(keys.Activate().ok());
  // The same file again: fine.
  EXPECT_TRUE(LoadMasterKeyForStore(path, store_, {}).ok());
  // Missing: refused, and nothing created.
  std::filesystem::remove(path);
  auto missing = LoadMasterKeyForStore(path, store_, {});
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("is missing"), std::string::npos);
  EXPECT_FALSE(FileExists(path));
  // Another key: refused, naming both fingerprints.
  crypto::MasterKey other = crypto::MasterKey::Generate();
  ASSERT_TRUE(WriteFileAtomic(path, other.EncodeInsecure(), 0600).ok());
  auto wrong = LoadMasterKeyForStore(path, store_, {});
  EXPECT_EQ(wrong.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(
      wrong.status().message().find(FingerprintText(first->fingerprint())),
      std::string::npos);
  EXPECT_NE(wrong.status().message().find(FingerprintText(other.fingerprint())),
            std::string::npos);
  // Only another blob (the queue's key) names the master key: also refused.
  auto empty = std::move(
      store::OpenSqliteStore(temp_.dir.path() + "/empty.db", clock_).value());
  auto blob = first->Wrap(SecretBytes::FromStringInsecure("k"), "ad");
  EXPECT_FALSE(LoadMasterKeyForStore(path, *empty, {*blob}).ok());
}

}  // namespace
}  // namespace sealpost::license
