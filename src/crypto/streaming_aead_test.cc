#include "crypto/streaming_aead.h"

#include <gtest/gtest.h>

#include <vector>

#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

using testing::Pattern;

std::string EncryptAll(const SecretBytes& key, std::string_view ad,
                       std::string_view plaintext, size_t chunk) {
  auto enc = StreamEncryptor::Create(key, ad);
  EXPECT_TRUE(enc.ok());
  std::string out;
  EXPECT_TRUE(enc->WriteHeader(&out).ok());
  for (size_t i = 0; i < plaintext.size(); i += chunk) {
    EXPECT_TRUE(enc->Update(plaintext.substr(i, chunk), &out).ok());
  }
  EXPECT_TRUE(enc->Finish(&out).ok());
  return out;
}

Result<std::string> DecryptAll(const SecretBytes& key, std::string_view ad,
                               std::string_view ciphertext, size_t chunk) {
  SP_ASSIGN_OR_RETURN(StreamDecryptor dec, StreamDecryptor::Create(key, ad));
  std::string out;
  for (size_t i = 0; i < ciphertext.size(); i += chunk) {
    SP_RETURN_IF_ERROR(dec.Update(ciphertext.substr(i, chunk), &out));
  }
  SP_RETURN_IF_ERROR(dec.Finish(&out));
  return out;
}

size_t ExpectedSize(size_t n) {
  size_t segments =
      n == 0 ? 1 : (n + kStreamSegmentSize - 1) / kStreamSegmentSize;
  return kStreamHeaderSize + n + segments * kStreamTagSize;
}

TEST(StreamingAeadTest, RoundTripsAtSegmentBoundaries) {
  SecretBytes key = RandomBytes(32);
  const size_t s = kStreamSegmentSize;
  for (size_t n : {size_t{0}, size_t{1}, s - 1, s, s + 1, 2 * s, 3 * s + 5}) {
    std::string pt = Pattern(n);
    for (size_t chunk : {size_t{1000}, s, s + 7, size_t{1} << 22}) {
      std::string ct = EncryptAll(key, "ad", pt, chunk);
      EXPECT_EQ(ct.size(), ExpectedSize(n)) << n;
      for (size_t dchunk : {size_t{333}, s + 16, size_t{1} << 22}) {
        auto back = DecryptAll(key, "ad", ct, dchunk);
        ASSERT_TRUE(back.ok()) << n << " " << chunk << " " << dchunk;
        EXPECT_EQ(*back, pt);
      }
    }
  }
}

TEST(StreamingAeadTest, OutputIsIncremental) {
  SecretBytes key = RandomBytes(32);
  auto enc = StreamEncryptor::Create(key, "");
  std::string out;
  ASSERT_TRUE(enc->WriteHeader(&out).ok());
  EXPECT_EQ(out.size(), kStreamHeaderSize);
  ASSERT_TRUE(enc->Update(Pattern(kStreamSegmentSize), &out).ok());
  EXPECT_EQ(out.size(), kStreamHeaderSize);  // may still be the last one
  ASSERT_TRUE(enc->Update("x", &out).ok());
  EXPECT_EQ(out.size(), kStreamHeaderSize + kStreamCiphertextSegmentSize);
}

TEST(StreamingAeadTest, DecryptsPythonVectors) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  SecretBytes key = SecretBytes::FromStringInsecure(v["stream_key"]);
  auto short_pt = DecryptAll(key, v["stream_ad"], v["stream_ciphertext"], 5);
  ASSERT_TRUE(short_pt.ok());
  EXPECT_EQ(*short_pt, v["stream_plaintext"]);
  auto empty =
      DecryptAll(key, v["stream_ad"], v["stream_empty_ciphertext"], 1000);
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(*empty, "");
  std::string multi = testing::ReadFormatFile("stream_multi.bin");
  ASSERT_EQ(multi.size(), ExpectedSize(150000));
  auto multi_pt = DecryptAll(key, v["stream_ad"], multi, 4096);
  ASSERT_TRUE(multi_pt.ok());
  EXPECT_EQ(*multi_pt, Pattern(150000));
}

TEST(StreamingAeadTest, ProducesPythonVectorWithFixedSaltAndPrefix) {
  auto v = testing::LoadFormatVectors();
  SecretBytes key = SecretBytes::FromStringInsecure(v["stream_key"]);
  auto enc = StreamEncryptor::CreateForTesting(
      key, v["stream_ad"], v["stream_salt"], v["stream_nonce_prefix"]);
  ASSERT_TRUE(enc.ok());
  std::string out;
  ASSERT_TRUE(enc->WriteHeader(&out).ok());
  ASSERT_TRUE(enc->Update(Pattern(150000), &out).ok());
  ASSERT_TRUE(enc->Finish(&out).ok());
  EXPECT_TRUE(out == testing::ReadFormatFile("stream_multi.bin"));
}

class StreamTamperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    key_ = RandomBytes(32);
    pt_ = Pattern(2 * kStreamSegmentSize + 100);  // 3 segments
    ct_ = EncryptAll(key_, "ad", pt_, 1 << 20);
  }
  void ExpectGenericFailure(std::string_view ct, std::string_view ad = "ad") {
    for (size_t chunk : {size_t{4096}, size_t{1} << 20}) {
      auto r = DecryptAll(key_, ad, ct, chunk);
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status(), DecryptionFailedError());
    }
  }
  std::string Segment(size_t i) const {
    return ct_.substr(kStreamHeaderSize + i * kStreamCiphertextSegmentSize,
                      kStreamCiphertextSegmentSize);
  }
  SecretBytes key_;
  std::string pt_, ct_;
};

TEST_F(StreamTamperTest, FlippedBits) {
  for (size_t pos :
       {size_t{0}, size_t{1}, size_t{33}, kStreamHeaderSize - 1,
        kStreamHeaderSize, kStreamHeaderSize + 70000, ct_.size() - 1}) {
    std::string bad = ct_;
    bad[pos] ^= 0x80;
    ExpectGenericFailure(bad);
  }
}

TEST_F(StreamTamperTest, WrongAssociatedDataOrKey) {
  ExpectGenericFailure(ct_, "other");
  key_ = RandomBytes(32);
  ExpectGenericFailure(ct_);
}

TEST_F(StreamTamperTest, Truncation) {
  // At a segment boundary: the last remaining segment lacks the last flag.
  ExpectGenericFailure(
      ct_.substr(0, kStreamHeaderSize + 2 * kStreamCiphertextSegmentSize));
  ExpectGenericFailure(
      ct_.substr(0, kStreamHeaderSize + kStreamCiphertextSegmentSize));
  ExpectGenericFailure(ct_.substr(0, ct_.size() - 1));
  ExpectGenericFailure(ct_.substr(0, kStreamHeaderSize));
  ExpectGenericFailure(ct_.substr(0, 10));
  ExpectGenericFailure("");
}

TEST_F(StreamTamperTest, ReorderedSegments) {
  std::string head = ct_.substr(0, kStreamHeaderSize);
  std::string last =
      ct_.substr(kStreamHeaderSize + 2 * kStreamCiphertextSegmentSize);
  ExpectGenericFailure(head + Segment(1) + Segment(0) + last);
  ExpectGenericFailure(head + Segment(0) + Segment(0) + last);
  ExpectGenericFailure(head + Segment(0) + last);  // one dropped
}

TEST_F(StreamTamperTest, TrailingData) {
  ExpectGenericFailure(ct_ + "x");
  ExpectGenericFailure(ct_ + ct_.substr(kStreamHeaderSize, 16));
  // A second complete stream glued on.
  ExpectGenericFailure(ct_ + ct_);
}

TEST_F(StreamTamperTest, SplicingBetweenStreams) {
  // Same key and AD, different salt: segments do not move across streams.
  std::string other = EncryptAll(key_, "ad", pt_, 1 << 20);
  std::string spliced =
      ct_.substr(0, kStreamHeaderSize) + Segment(0) +
      other.substr(kStreamHeaderSize + kStreamCiphertextSegmentSize);
  ExpectGenericFailure(spliced);
  ExpectGenericFailure(other.substr(0, kStreamHeaderSize) +
                       ct_.substr(kStreamHeaderSize));
}

TEST_F(StreamTamperTest, FailureIsSticky) {
  auto dec = StreamDecryptor::Create(key_, "ad");
  std::string bad = ct_;
  bad[kStreamHeaderSize + 5] ^= 1;
  std::string out;
  EXPECT_EQ(dec->Update(bad, &out), DecryptionFailedError());
  EXPECT_EQ(dec->Update("", &out), DecryptionFailedError());
  EXPECT_EQ(dec->Finish(&out), DecryptionFailedError());
}

TEST(StreamingAeadTest, MisuseIsRefused) {
  SecretBytes key = RandomBytes(32);
  EXPECT_FALSE(StreamEncryptor::Create(SecretBytes(16), "").ok());
  EXPECT_FALSE(StreamDecryptor::Create(SecretBytes(16), "").ok());
  auto enc = StreamEncryptor::Create(key, "");
  std::string out;
  EXPECT_FALSE(enc->Update("x", &out).ok());  // header first
  ASSERT_TRUE(enc->WriteHeader(&out).ok());
  EXPECT_FALSE(enc->WriteHeader(&out).ok());
  ASSERT_TRUE(enc->Finish(&out).ok());
  EXPECT_FALSE(enc->Update("x", &out).ok());
  EXPECT_FALSE(enc->Finish(&out).ok());
}

}  // namespace
}  // namespace sealpost::crypto
