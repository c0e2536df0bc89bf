#include "sealed/plaintext_source.h"

#include <gtest/gtest.h>

#include "base/string_source.h"
#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"
#include "crypto/key_hierarchy.h"
#include "sealed/container.h"
#include "sealed/seal.h"
#include "sealed/test_seal_for_testing.h"

namespace sealpost::sealed {
namespace {

using crypto::DecryptionFailedError;
using crypto::kStreamCiphertextSegmentSize;
using crypto::kStreamHeaderSize;

class PlaintextSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keys_ = testing::FixedKeys();
    message_ = testing::Pattern(3 * 65536 + 1234);  // 4 segments
    container_ =
        *SealWithKeys(testing::AliceToBob("m-1", {"VIEW"}), *keys_, message_);
    auto header = ParseSealedHeader(container_);
    stream_at_ = header->size + kStreamHeaderSize;
    key_ = *keys_->UnwrapContentKey(header->license.wrapped_content_key, "m-1");
  }
  PlaintextSource Source(std::string container, size_t slice = 10000) {
    return PlaintextSource(StringSource::Holding(std::move(container), slice),
                           *keys_->GetVerifier(1), key_);
  }
  // Reads to the end or the first error; the plaintext released before it.
  static Status ReadAll(PlaintextSource& s, std::string* out) {
    for (;;) {
      auto n = s.Read(7000, out);
      if (!n.ok()) return n.status();
      if (*n == 0) return Status::Ok();
    }
  }
  std::unique_ptr<crypto::KeyHierarchy> keys_;
  std::string message_, container_;
  size_t stream_at_ = 0;
  SecretBytes key_;
};

TEST_F(PlaintextSourceTest, ReadsTheMessageAgainAfterRestart) {
  for (size_t slice :
       {size_t{1}, size_t{999}, size_t{65552}, size_t{1 << 20}}) {
    auto s = Source(container_, slice);
    std::string out;
    ASSERT_TRUE(ReadAll(s, &out).ok()) << slice;
    EXPECT_EQ(out, message_);
    ASSERT_TRUE(s.Restart().ok());
    std::string again;
    ASSERT_TRUE(ReadAll(s, &again).ok());
    EXPECT_EQ(again, message_);
  }
}

TEST_F(PlaintextSourceTest, TruncationFailsInsteadOfEnding) {
  for (size_t cut :
       {size_t{0}, size_t{20}, stream_at_,
        stream_at_ + kStreamCiphertextSegmentSize,
        stream_at_ + 3 * kStreamCiphertextSegmentSize, container_.size() - 1}) {
    auto s = Source(container_.substr(0, cut));
    std::string out;
    EXPECT_EQ(ReadAll(s, &out), DecryptionFailedError()) << cut;
    // Authentic, but only whole segments before the cut.
    EXPECT_EQ(out, message_.substr(0, out.size()));
    EXPECT_EQ(out.size() % 65536, 0u);
  }
}

TEST_F(PlaintextSourceTest, FlippedBitInALaterSegmentFailsBeforeItsPlaintext) {
  std::string bad = container_;
  // A bit inside segment 2 (the third): segments 0 and 1 come out, nothing
  // of segment 2.
  bad[stream_at_ + 2 * kStreamCiphertextSegmentSize + 100] ^= 0x10;
  auto s = Source(bad);
  std::string out;
  EXPECT_EQ(ReadAll(s, &out), DecryptionFailedError());
  EXPECT_LE(out.size(), 2u * 65536);
  EXPECT_EQ(out, message_.substr(0, out.size()));
  // The failure sticks until a restart; a restart fails the same way.
  EXPECT_EQ(s.Read(10, &out).status(), DecryptionFailedError());
  ASSERT_TRUE(s.Restart().ok());
  std::string again;
  EXPECT_EQ(ReadAll(s, &again), DecryptionFailedError());
}

TEST_F(PlaintextSourceTest, WrongKeyOrSignatureGivesNothing) {
  PlaintextSource wrong_key(StringSource::Holding(container_, 4096),
                            *keys_->GetVerifier(1),
                            crypto::KeyHierarchy::NewContentKey());
  std::string out;
  EXPECT_EQ(ReadAll(wrong_key, &out), DecryptionFailedError());
  EXPECT_EQ(out, "");
  auto other = testing::FixedKeys('N');
  PlaintextSource wrong_signer(StringSource::Holding(container_, 4096),
                               *other->GetVerifier(1), key_);
  EXPECT_EQ(ReadAll(wrong_signer, &out), DecryptionFailedError());
  EXPECT_EQ(out, "");
}

}  // namespace
}  // namespace sealpost::sealed
