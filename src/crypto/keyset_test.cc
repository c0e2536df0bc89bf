#include "crypto/keyset.h"

#include <gtest/gtest.h>

#include "crypto/errors.h"

namespace sealpost::crypto {
namespace {

TEST(KeysetTest, RotateKeepsOldVersionsDecrypting) {
  Keyset ks = Keyset::Generate();
  EXPECT_EQ(ks.primary_key_id(), 1u);
  std::string v1 = *ks.Encrypt("one", "ad");
  EXPECT_EQ(ks.Rotate(), 2u);
  EXPECT_EQ(ks.primary_key_id(), 2u);
  std::string v2 = *ks.Encrypt("two", "ad");
  EXPECT_EQ(*Aead::CiphertextKeyId(v1), 1u);
  EXPECT_EQ(*Aead::CiphertextKeyId(v2), 2u);
  EXPECT_EQ(*ks.Decrypt(v1, "ad"), "one");
  EXPECT_EQ(*ks.Decrypt(v2, "ad"), "two");
  EXPECT_EQ(ks.key_ids(), (std::vector<uint32_t>{1, 2}));
}

TEST(KeysetTest, UnknownKeyIdIsGenericError) {
  Keyset a = Keyset::Generate();
  Keyset b = Keyset::Generate();
  b.Rotate();
  std::string ct = *b.Encrypt("x", "");
  EXPECT_EQ(a.Decrypt(ct, "").status(), DecryptionFailedError());
  std::string ct1 = *Keyset::Generate().Encrypt("x", "");
  EXPECT_EQ(a.Decrypt(ct1, "").status(), DecryptionFailedError());
}

TEST(KeysetTest, SerializeRoundTrip) {
  Keyset ks = Keyset::Generate();
  std::string old_ct = *ks.Encrypt("old", "");
  ks.Rotate();
  ks.Rotate();
  auto parsed = Keyset::ParseInsecure(ks.SerializeInsecure());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->primary_key_id(), 3u);
  EXPECT_EQ(*parsed->Decrypt(old_ct, ""), "old");
  EXPECT_EQ(*ks.Decrypt(*parsed->Encrypt("new", ""), ""), "new");
}

TEST(KeysetTest, ParseRejectsGarbage) {
  std::string good = Keyset::Generate().SerializeInsecure();
  EXPECT_FALSE(Keyset::ParseInsecure("").ok());
  EXPECT_FALSE(Keyset::ParseInsecure(good.substr(0, good.size() - 1)).ok());
  EXPECT_FALSE(Keyset::ParseInsecure(good + "x").ok());
  std::string bad_primary = good;
  bad_primary[8] = 9;  // primary id 9 is not in the set
  EXPECT_FALSE(Keyset::ParseInsecure(bad_primary).ok());
  std::string bad_magic = good;
  bad_magic[0] = 'X';
  EXPECT_FALSE(Keyset::ParseInsecure(bad_magic).ok());
}

}  // namespace
}  // namespace sealpost::crypto
