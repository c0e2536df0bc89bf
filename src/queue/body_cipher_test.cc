// The queue's segmented body encryption (body_cipher.h) with the real
// SQLite store: a large body goes into its file a slice at a time, reads
// back byte for byte, and a body moved to another id, cut short or from
// before this format is handled as it must be.
#include "queue/body_cipher.h"

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "base/files.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::queue {
namespace {

std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131) % 251);
  return s;
}

Result<std::string> DecryptInPieces(const crypto::Aead& key,
                                    std::string_view cipher,
                                    std::string_view id, size_t piece) {
  BodyDecryptor d(key, std::string(id));
  std::string out;
  for (size_t at = 0; at < cipher.size(); at += piece) {
    SP_RETURN_IF_ERROR(d.Update(cipher.substr(at, piece), &out));
  }
  SP_RETURN_IF_ERROR(d.Finish(&out));
  return out;
}

std::string EncryptInPieces(const crypto::Aead& key, std::string_view plain,
                            std::string_view id, size_t piece) {
  std::string out;
  auto enc = BodyEncryptor::Create(key, id, &out);
  EXPECT_TRUE(enc.ok());
  for (size_t at = 0; at < plain.size(); at += piece) {
    EXPECT_TRUE(enc->Update(plain.substr(at, piece), &out).ok());
  }
  EXPECT_TRUE(enc->Finish(&out).ok());
  return out;
}

TEST(BodyCipherTest, RoundTripsWhateverTheSlicing) {
  const crypto::Aead key = crypto::Aead::Generate(7);
  const std::string plain = Pattern(3 * 65536 + 123);
  const std::string cipher = EncryptInPieces(key, plain, "Q1", 70001);
  EXPECT_TRUE(IsStreamedBody(cipher));
  EXPECT_EQ(cipher.find(plain.substr(1000, 64)), std::string::npos);
  for (size_t piece : {1u, 5u, 4096u, 1u << 20}) {
    auto back = DecryptInPieces(key, cipher, "Q1", piece);
    ASSERT_TRUE(back.ok()) << piece;
    EXPECT_EQ(*back, plain) << piece;
  }
  auto whole = DecryptBody(key, cipher, "Q1");
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, plain);
  auto empty = DecryptBody(key, EncryptInPieces(key, "", "Q0", 1), "Q0");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
}

// An attacker with the disk: a body under another message's id, cut
// short, with a flipped bit or under another content key reveals nothing.
TEST(BodyCipherTest, RefusesAnotherIdTruncationTamperingAndOtherKeys) {
  const crypto::Aead key = crypto::Aead::Generate(7);
  const std::string plain = Pattern(200000);
  const std::string cipher = EncryptInPieces(key, plain, "Q1", 1 << 20);
  EXPECT_FALSE(DecryptInPieces(key, cipher, "Q2", 4096).ok());
  EXPECT_FALSE(
      DecryptInPieces(key, cipher.substr(0, cipher.size() - 20), "Q1", 4096)
          .ok());
  // Cut at a segment boundary: the last segment's flag catches it.
  const size_t header =
      cipher.size() - (200000 / 65536) * 65552 - (200000 % 65536 + 16);
  EXPECT_FALSE(
      DecryptInPieces(key, cipher.substr(0, header + 65552), "Q1", 4096).ok());
  std::string flipped = cipher;
  flipped[cipher.size() / 2] ^= 1;
  EXPECT_FALSE(DecryptInPieces(key, flipped, "Q1", 4096).ok());
  EXPECT_FALSE(
      DecryptInPieces(crypto::Aead::Generate(7), cipher, "Q1", 4096).ok());
  EXPECT_FALSE(DecryptInPieces(key, cipher.substr(0, 3), "Q1", 1).ok());
}

// Bodies queued before the segmented format (the content key's one-shot
// AEAD) still deliver after an upgrade.
TEST(BodyCipherTest, DecryptsOneShotBodies) {
  const crypto::Aead key = crypto::Aead::Generate(3);
  const std::string plain = Pattern(300000);
  auto cipher = key.Encrypt(plain, "Q9");
  ASSERT_TRUE(cipher.ok());
  EXPECT_FALSE(IsStreamedBody(*cipher));
  auto back = DecryptInPieces(key, *cipher, "Q9", 65536);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, plain);
  EXPECT_FALSE(DecryptInPieces(key, *cipher, "Q8", 65536).ok());
}

TEST(BodyCipherTest, StagesIntoTheStoreAndReadsBackInSlices) {
  store::testing::TempStore temp(SystemClock::Get());
  store::Store& store = *temp.store;
  const crypto::Aead key = crypto::Aead::Generate(1);
  const std::string plain = Pattern((3 << 20) + 17);
  ASSERT_TRUE(store.StagesBodies(plain.size()));
  ASSERT_TRUE(StageEncryptedBody(store, key, "QID1", plain).ok());
  // Never twice under one id: a committed body is not replaced.
  EXPECT_EQ(StageEncryptedBody(store, key, "QID1", "x").code(),
            StatusCode::kAlreadyExists);
  auto reader = OpenStoredBody(store, key, "QID1");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::string back;
  int slices = 0;
  for (;;) {
    std::string slice;
    auto more = (*reader)->Next(&slice);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    EXPECT_LE(slice.size(), (1u << 20) + 65536);
    back += slice;
    ++slices;
  }
  EXPECT_EQ(back, plain);
  EXPECT_GE(slices, 3);
  // The file holds no plaintext.
  auto file = ReadFile(temp.dir.File("s.db-bodies") + "/q-51494431");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ(file->find(plain.substr(5000, 64)), std::string::npos);
  EXPECT_EQ(OpenStoredBody(store, key, "QID2").status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::queue
