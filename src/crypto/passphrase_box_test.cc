#include "crypto/passphrase_box.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "crypto/errors.h"

namespace sealpost::crypto {
namespace {

// docs/format.md §8, made by tests/data/format/make_passphrase_box_vector.py
// (argon2-cffi and python3-cryptography).
constexpr const char* kPassphrase = "correct horse battery staple";
constexpr const char* kPlaintextHex =
    "7365616c706f7374206b6579206261636b7570207465737420766563746f72";
constexpr const char* kBoxHex =
    "5350425801000000020000010000000001101112131415161718191a1b1c1d1e1fa0a1a2"
    "a3a4a5a6a7a8a9aaab8cfa4f23d27d218bf4bc8dd94263c445d0c3c1a253b5456da17b0f"
    "ee1ef364272ab079ab6df1d3cf108575cf20bd17";
const Argon2Params kSmall{2, 256, 1};

TEST(PassphraseBoxTest, MatchesTheIndependentVector) {
  std::string plain = *HexDecode(kPlaintextHex);
  std::string salt = *HexDecode("101112131415161718191a1b1c1d1e1f");
  std::string nonce = *HexDecode("a0a1a2a3a4a5a6a7a8a9aaab");
  auto box = SealWithPassphraseForTesting(
      SecretBytes::FromStringInsecure(plain), kPassphrase, kSmall, salt, nonce);
  ASSERT_TRUE(box.ok()) << box.status().message();
  EXPECT_EQ(HexEncode(AsBytes(*box)), kBoxHex);
  auto opened = OpenWithPassphrase(*HexDecode(kBoxHex), kPassphrase);
  ASSERT_TRUE(opened.ok()) << opened.status().message();
  EXPECT_EQ(opened->InsecureStringView(), plain);
}

TEST(PassphraseBoxTest, RoundTripsWithFreshSaltAndNonce) {
  auto secret = SecretBytes::FromStringInsecure("k3y material");
  auto a = SealWithPassphrase(secret, "a long passphrase", kSmall);
  auto b = SealWithPassphrase(secret, "a long passphrase", kSmall);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);  // salt and nonce are random
  EXPECT_EQ(OpenWithPassphrase(*a, "a long passphrase")->InsecureStringView(),
            "k3y material");
}

TEST(PassphraseBoxTest, WrongPassphraseAndTamperingAreOneGenericError) {
  std::string box = *HexDecode(kBoxHex);
  EXPECT_TRUE(IsDecryptionFailed(OpenWithPassphrase(box, "wrong").status()));
  for (size_t i : {size_t{5}, size_t{20}, size_t{40}, box.size() - 1}) {
    std::string bad = box;
    bad[i] ^= 0x01;
    auto r = OpenWithPassphrase(bad, kPassphrase);
    EXPECT_FALSE(r.ok()) << i;
  }
  EXPECT_TRUE(IsDecryptionFailed(
      OpenWithPassphrase(box.substr(0, box.size() - 1), kPassphrase).status()));
}

TEST(PassphraseBoxTest, RefusesOtherFilesVersionsAndHugeParameters) {
  std::string box = *HexDecode(kBoxHex);
  EXPECT_EQ(OpenWithPassphrase("hello", kPassphrase).status().message(),
            "not a Sealpost passphrase-protected file");
  std::string v2 = box;
  v2[4] = 2;
  EXPECT_NE(
      OpenWithPassphrase(v2, kPassphrase).status().message().find("version 2"),
      std::string::npos);
  std::string huge = box;
  huge[9] = 0x7f;  // memory: about 2 TiB
  EXPECT_NE(OpenWithPassphrase(huge, kPassphrase)
                .status()
                .message()
                .find("out of range"),
            std::string::npos);
}

}  // namespace
}  // namespace sealpost::crypto
