#include "crypto/blind_index_key.h"

#include <gtest/gtest.h>

#include <numeric>

namespace sealpost::crypto {
namespace {

SecretBytes CountingKey() {
  SecretBytes key(32);
  auto b = key.InsecureMutableBytes();
  std::iota(b.begin(), b.end(), 0);
  return key;
}

// Vectors from Python: hmac.new(bytes(range(32)), word, sha256), the first
// 8 bytes as a big-endian signed integer.
TEST(BlindIndexKeyTest, TermsAreHmacSha256AsPythonComputesIt) {
  auto key = BlindIndexKey::FromKeyInsecure(CountingKey());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->Term("invoice"), -4987414506730387558);
  EXPECT_EQ(key->Term("\xc3\xa9t\xc3\xa9"), -1592245702717749853);
  auto both = key->Terms({"invoice", "\xc3\xa9t\xc3\xa9"});
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0], -4987414506730387558);
}

TEST(BlindIndexKeyTest, WrappedUnderTheMasterKeyAndOpensOnlyThere) {
  MasterKey master = MasterKey::Generate();
  BlindIndexKey key = BlindIndexKey::Generate();
  auto wrapped = key.Wrap(master);
  ASSERT_TRUE(wrapped.ok());
  auto back = BlindIndexKey::Unwrap(master, *wrapped);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->Term("merger"), key.Term("merger"));
  EXPECT_FALSE(BlindIndexKey::Unwrap(MasterKey::Generate(), *wrapped).ok());
  // Another key gives other terms.
  EXPECT_NE(BlindIndexKey::Generate().Term("merger"), key.Term("merger"));
  EXPECT_FALSE(BlindIndexKey::FromKeyInsecure(SecretBytes(16)).ok());
}

}  // namespace
}  // namespace sealpost::crypto
