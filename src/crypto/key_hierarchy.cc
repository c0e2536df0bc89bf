#include "crypto/key_hierarchy.h"

#include <utility>

#include "crypto/errors.h"
#include "crypto/hkdf.h"
#include "crypto/random.h"

namespace sealpost::crypto {
namespace {

constexpr std::string_view kMetadataKeyInfo = "sealpost message metadata v1";

// The metadata key of an org key version: HKDF-SHA256 of its key-wrapping
// key with no salt and its own label (RFC 5869 §3.1, §3.2).
Result<Aead> MetadataKeyOf(const Aead& kwk) {
  SP_ASSIGN_OR_RETURN(
      SecretBytes key,
      HkdfSha256(kwk.KeyInsecure().InsecureBytes(), {},
                 std::span<const uint8_t>(
                     reinterpret_cast<const uint8_t*>(kMetadataKeyInfo.data()),
                     kMetadataKeyInfo.size()),
                 Aead::kKeySize));
  return Aead::FromKey(kwk.key_id(), std::move(key));
}

std::string MetadataAssociatedData(std::string_view purpose,
                                   std::string_view message_id) {
  std::string ad(purpose);
  ad += '\0';
  ad += message_id;
  return ad;
}

}  // namespace

std::string OrgKeyAssociatedData(uint32_t version) {
  std::string ad;
  for (int shift = 24; shift >= 0; shift -= 8) {
    ad += static_cast<char>((version >> shift) & 0xff);
  }
  return ad;
}

Result<KeyHierarchy::OrgKey> KeyHierarchy::NewOrgKey(uint32_t version) const {
  Aead kwk = Aead::Generate(version);
  Signer signer = Signer::Generate();
  // Blob plaintext: key-wrapping key (32) | Ed25519 seed (32).
  SecretBytes seed = signer.PrivateKeyInsecure();
  SecretBytes plain(Aead::kKeySize + kEd25519PrivateKeySize);
  auto out = plain.InsecureMutableBytes();
  std::copy(kwk.KeyInsecure().InsecureBytes().begin(),
            kwk.KeyInsecure().InsecureBytes().end(), out.begin());
  std::copy(seed.InsecureBytes().begin(), seed.InsecureBytes().end(),
            out.begin() + Aead::kKeySize);
  WrappedOrgKey wrapped;
  wrapped.version = version;
  SP_ASSIGN_OR_RETURN(wrapped.wrapped,
                      master_.Wrap(plain, OrgKeyAssociatedData(version)));
  wrapped.signing_public_key = signer.PublicKey();
  SP_ASSIGN_OR_RETURN(Aead metadata, MetadataKeyOf(kwk));
  SP_ASSIGN_OR_RETURN(Verifier verifier, signer.GetVerifier());
  return OrgKey{std::move(kwk), std::move(metadata), std::move(signer),
                std::move(verifier), std::move(wrapped)};
}

Result<KeyHierarchy::OrgKey> KeyHierarchy::UnwrapOrgKey(
    const WrappedOrgKey& wrapped) const {
  const Status bad =
      DataLossError("org key version " + std::to_string(wrapped.version) +
                    " does not unwrap under this master key");
  auto plain =
      master_.Unwrap(wrapped.wrapped, OrgKeyAssociatedData(wrapped.version));
  if (!plain.ok() || plain->size() != Aead::kKeySize + kEd25519PrivateKeySize) {
    return bad;
  }
  auto bytes = plain->InsecureBytes();
  SP_ASSIGN_OR_RETURN(
      Aead kwk,
      Aead::FromKey(wrapped.version, SecretBytes(bytes.first(Aead::kKeySize))));
  SP_ASSIGN_OR_RETURN(Signer signer, Signer::FromPrivateKeyInsecure(SecretBytes(
                                         bytes.subspan(Aead::kKeySize))));
  if (signer.PublicKey() != wrapped.signing_public_key) return bad;
  SP_ASSIGN_OR_RETURN(Aead metadata, MetadataKeyOf(kwk));
  SP_ASSIGN_OR_RETURN(Verifier verifier, signer.GetVerifier());
  return OrgKey{std::move(kwk), std::move(metadata), std::move(signer),
                std::move(verifier), wrapped};
}

Result<std::unique_ptr<KeyHierarchy>> KeyHierarchy::Create(MasterKey master) {
  std::unique_ptr<KeyHierarchy> h(new KeyHierarchy(std::move(master)));
  SP_ASSIGN_OR_RETURN(OrgKey key, h->NewOrgKey(1));
  {
    // No other thread can see `h` yet; the lock is for the analysis.
    WriterMutexLock lock(&h->mu_);
    h->keys_.emplace(1, std::move(key));
  }
  return h;
}

Result<std::unique_ptr<KeyHierarchy>> KeyHierarchy::Load(
    MasterKey master, const std::vector<WrappedOrgKey>& versions) {
  if (versions.empty()) return InvalidArgumentError("no org keys to load");
  std::unique_ptr<KeyHierarchy> h(new KeyHierarchy(std::move(master)));
  {
    // No other thread can see `h` yet; the lock is for the analysis.
    WriterMutexLock lock(&h->mu_);
    for (const WrappedOrgKey& w : versions) {
      if (w.version == 0) return InvalidArgumentError("org key version 0");
      SP_ASSIGN_OR_RETURN(OrgKey key, h->UnwrapOrgKey(w));
      if (!h->keys_.emplace(w.version, std::move(key)).second) {
        return InvalidArgumentError("duplicate org key version");
      }
    }
  }
  return h;
}

Result<WrappedOrgKey> KeyHierarchy::Rotate() {
  WriterMutexLock lock(&mu_);
  uint32_t version = keys_.rbegin()->first + 1;
  if (version == 0) return ResourceExhaustedError("org key versions exhausted");
  SP_ASSIGN_OR_RETURN(OrgKey key, NewOrgKey(version));
  WrappedOrgKey wrapped = key.wrapped;
  keys_.emplace(version, std::move(key));
  return wrapped;
}

uint32_t KeyHierarchy::primary_version() const {
  ReaderMutexLock lock(&mu_);
  return keys_.rbegin()->first;
}

std::vector<WrappedOrgKey> KeyHierarchy::WrappedKeys() const {
  ReaderMutexLock lock(&mu_);
  std::vector<WrappedOrgKey> out;
  for (const auto& [version, key] : keys_) out.push_back(key.wrapped);
  return out;
}

SecretBytes KeyHierarchy::NewContentKey() {
  return RandomBytes(kContentKeySize);
}

Result<WrappedContentKey> KeyHierarchy::WrapContentKey(
    const SecretBytes& content_key, std::string_view message_id) const {
  if (content_key.size() != kContentKeySize) {
    return InvalidArgumentError("content key must be 32 bytes");
  }
  ReaderMutexLock lock(&mu_);
  const OrgKey& primary = keys_.rbegin()->second;
  WrappedContentKey out;
  out.key_version = keys_.rbegin()->first;
  SP_ASSIGN_OR_RETURN(
      out.wrapped,
      primary.kwk.Encrypt(content_key.InsecureStringView(), message_id));
  return out;
}

Result<SecretBytes> KeyHierarchy::UnwrapContentKey(
    std::string_view wrapped, std::string_view message_id) const {
  auto version = Aead::CiphertextKeyId(wrapped);
  if (!version.ok()) return DecryptionFailedError();
  std::string plain;
  {
    ReaderMutexLock lock(&mu_);
    auto it = keys_.find(*version);
    if (it == keys_.end()) return DecryptionFailedError();
    SP_ASSIGN_OR_RETURN(plain, it->second.kwk.Decrypt(wrapped, message_id));
  }
  SecretBytes key = SecretBytes::FromStringInsecure(plain);
  std::fill(plain.begin(), plain.end(), '\0');
  if (key.size() != kContentKeySize) return DecryptionFailedError();
  return key;
}

Result<std::string> KeyHierarchy::EncryptMetadata(
    std::string_view plaintext, std::string_view purpose,
    std::string_view message_id) const {
  ReaderMutexLock lock(&mu_);
  return keys_.rbegin()->second.metadata.Encrypt(
      plaintext, MetadataAssociatedData(purpose, message_id));
}

Result<std::string> KeyHierarchy::DecryptMetadata(
    std::string_view ciphertext, std::string_view purpose,
    std::string_view message_id) const {
  auto version = Aead::CiphertextKeyId(ciphertext);
  if (!version.ok()) return DecryptionFailedError();
  ReaderMutexLock lock(&mu_);
  auto it = keys_.find(*version);
  if (it == keys_.end()) return DecryptionFailedError();
  return it->second.metadata.Decrypt(
      ciphertext, MetadataAssociatedData(purpose, message_id));
}

Result<Signer> KeyHierarchy::GetSigner(uint32_t version) const {
  ReaderMutexLock lock(&mu_);
  auto it = keys_.find(version);
  if (it == keys_.end()) return NotFoundError("no such org key version");
  return it->second.signer;
}

Result<Verifier> KeyHierarchy::GetVerifier(uint32_t version) const {
  ReaderMutexLock lock(&mu_);
  auto it = keys_.find(version);
  if (it == keys_.end()) return NotFoundError("no such org key version");
  return it->second.verifier;
}

}  // namespace sealpost::crypto
