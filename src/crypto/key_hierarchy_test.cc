#include "crypto/key_hierarchy.h"

#include <gtest/gtest.h>

#include <thread>

#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"

namespace sealpost::crypto {
namespace {

MasterKey TestMaster() {
  return *MasterKey::FromFileContents(std::string(32, '\x42'));
}

TEST(KeyHierarchyTest, ContentKeyRoundTrip) {
  auto h = KeyHierarchy::Create(TestMaster());
  ASSERT_TRUE(h.ok());
  SecretBytes ck = KeyHierarchy::NewContentKey();
  auto w = (*h)->WrapContentKey(ck, "msg-1");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->key_version, 1u);
  EXPECT_EQ(*Aead::CiphertextKeyId(w->wrapped), 1u);
  auto back = (*h)->UnwrapContentKey(w->wrapped, "msg-1");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->InsecureStringView(), ck.InsecureStringView());
  // Bound to the message id.
  EXPECT_EQ((*h)->UnwrapContentKey(w->wrapped, "msg-2").status(),
            DecryptionFailedError());
}

TEST(KeyHierarchyTest, MetadataIsBoundToPurposeAndMessage) {
  auto h = std::move(KeyHierarchy::Create(TestMaster())).value();
  auto c = h->EncryptMetadata("Quarterly numbers", "subject", "msg-1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->find("Quarterly"), std::string::npos);
  EXPECT_EQ(*h->DecryptMetadata(*c, "subject", "msg-1"), "Quarterly numbers");
  EXPECT_EQ(h->DecryptMetadata(*c, "subject", "msg-2").status(),
            DecryptionFailedError());
  EXPECT_EQ(h->DecryptMetadata(*c, "other", "msg-1").status(),
            DecryptionFailedError());
  // Another key from the content keys': neither opens as the other, even
  // with the same associated data.
  SecretBytes ck = KeyHierarchy::NewContentKey();
  WrappedContentKey w = *h->WrapContentKey(ck, std::string("subject\0m", 9));
  EXPECT_EQ(h->DecryptMetadata(w.wrapped, "subject", "m").status(),
            DecryptionFailedError());
  auto m32 = h->EncryptMetadata(ck.InsecureStringView(), "subject", "m");
  EXPECT_EQ(h->UnwrapContentKey(*m32, std::string("subject\0m", 9)).status(),
            DecryptionFailedError());
  // Old versions keep opening after a rotation and a reload.
  ASSERT_TRUE(h->Rotate().ok());
  auto newer = h->EncryptMetadata("after", "subject", "msg-1");
  EXPECT_EQ(*Aead::CiphertextKeyId(*newer), 2u);
  auto reloaded = KeyHierarchy::Load(TestMaster(), h->WrappedKeys());
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(*(*reloaded)->DecryptMetadata(*c, "subject", "msg-1"),
            "Quarterly numbers");
  EXPECT_EQ(*(*reloaded)->DecryptMetadata(*newer, "subject", "msg-1"), "after");
}

TEST(KeyHierarchyTest, RotateThenReloadKeepsOldVersions) {
  auto h = std::move(KeyHierarchy::Create(TestMaster())).value();
  SecretBytes ck = KeyHierarchy::NewContentKey();
  WrappedContentKey old = *h->WrapContentKey(ck, "m");
  std::string old_sig = *h->GetSigner(1)->Sign("license");

  auto rotated = h->Rotate();
  ASSERT_TRUE(rotated.ok());
  EXPECT_EQ(rotated->version, 2u);
  EXPECT_EQ(h->primary_version(), 2u);
  EXPECT_EQ(h->WrapContentKey(ck, "m")->key_version, 2u);
  EXPECT_NE(h->GetSigner(2)->PublicKey(), h->GetSigner(1)->PublicKey());

  // The store persists WrappedKeys(); a restart loads them.
  auto stored = h->WrappedKeys();
  ASSERT_EQ(stored.size(), 2u);
  auto reloaded = KeyHierarchy::Load(TestMaster(), stored);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ((*reloaded)->primary_version(), 2u);
  EXPECT_EQ(
      (*reloaded)->UnwrapContentKey(old.wrapped, "m")->InsecureStringView(),
      ck.InsecureStringView());
  EXPECT_TRUE((*reloaded)->GetVerifier(1)->Verify(old_sig, "license").ok());
  EXPECT_FALSE((*reloaded)->GetVerifier(2)->Verify(old_sig, "license").ok());
  EXPECT_EQ((*reloaded)->GetSigner(3).status().code(), StatusCode::kNotFound);
}

TEST(KeyHierarchyTest, NoPlaintextKeyInWrappedBlobs) {
  auto h = std::move(KeyHierarchy::Create(TestMaster())).value();
  auto w = h->WrappedKeys().at(0);
  SecretBytes seed = h->GetSigner(1)->PrivateKeyInsecure();
  EXPECT_EQ(w.wrapped.find(seed.InsecureStringView()), std::string::npos);
  EXPECT_EQ(w.signing_public_key, h->GetSigner(1)->PublicKey());
}

TEST(KeyHierarchyTest, LoadRefusesWrongMasterOrTamperedBlobs) {
  auto h = std::move(KeyHierarchy::Create(TestMaster())).value();
  auto stored = h->WrappedKeys();
  EXPECT_FALSE(KeyHierarchy::Load(MasterKey::Generate(), stored).ok());
  auto renumbered = stored;
  renumbered[0].version = 2;  // AD mismatch
  EXPECT_FALSE(KeyHierarchy::Load(TestMaster(), renumbered).ok());
  auto flipped = stored;
  flipped[0].wrapped[30] ^= 1;
  EXPECT_FALSE(KeyHierarchy::Load(TestMaster(), flipped).ok());
  auto wrong_pub = stored;
  wrong_pub[0].signing_public_key = Signer::Generate().PublicKey();
  EXPECT_FALSE(KeyHierarchy::Load(TestMaster(), wrong_pub).ok());
  EXPECT_FALSE(KeyHierarchy::Load(TestMaster(), {}).ok());
  auto dup = stored;
  dup.push_back(stored[0]);
  EXPECT_FALSE(KeyHierarchy::Load(TestMaster(), dup).ok());
}

TEST(KeyHierarchyTest, UnwrapTamperIsGenericError) {
  auto h = std::move(KeyHierarchy::Create(TestMaster())).value();
  std::string w =
      h->WrapContentKey(KeyHierarchy::NewContentKey(), "m")->wrapped;
  for (size_t i = 0; i < w.size(); ++i) {
    std::string bad = w;
    bad[i] ^= 0x10;
    EXPECT_EQ(h->UnwrapContentKey(bad, "m").status(), DecryptionFailedError());
  }
  EXPECT_FALSE(h->WrapContentKey(SecretBytes(16), "m").ok());
}

// The org key blob and wrapped content key made by python3-cryptography
// (docs/format.md §4) load and unwrap.
TEST(KeyHierarchyTest, LoadsPythonVectors) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  auto master = MasterKey::FromFileContents(v["master_key"]);
  ASSERT_TRUE(master.ok());
  WrappedOrgKey org{1, v["org_v1_wrapped"], v["org_v1_public"]};
  auto h = KeyHierarchy::Load(std::move(master).value(), {org});
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  auto ck = (*h)->UnwrapContentKey(v["wrapped_content_key"], v["message_id"]);
  ASSERT_TRUE(ck.ok());
  EXPECT_EQ(ck->InsecureStringView(), v["content_key"]);
}

TEST(KeyHierarchyTest, ConcurrentRotateAndUse) {
  auto h = std::move(KeyHierarchy::Create(TestMaster())).value();
  std::thread rotator([&] {
    for (int i = 0; i < 20; ++i) ASSERT_TRUE(h->Rotate().ok());
  });
  for (int i = 0; i < 200; ++i) {
    SecretBytes ck = KeyHierarchy::NewContentKey();
    auto w = h->WrapContentKey(ck, "m");
    ASSERT_TRUE(w.ok());
    EXPECT_EQ(h->UnwrapContentKey(w->wrapped, "m")->InsecureStringView(),
              ck.InsecureStringView());
  }
  rotator.join();
  EXPECT_EQ(h->primary_version(), 21u);
}

}  // namespace
}  // namespace sealpost::crypto
