// KeyHierarchy: master key -> versioned org keys -> per-message content keys
// (SPEC §3 "Key hierarchy", docs/format.md §4).
//
// Each org key version holds an AES-256 key-wrapping key and an Ed25519
// signing key. It is persisted as a WrappedOrgKey: an opaque blob (both keys,
// wrapped under the master key with the version as associated data) plus the
// public signing key. The highest version is the primary: it wraps new content
// keys and signs new licenses; older versions still unwrap and verify.
// A wrapped content key is an Aead ciphertext whose key id is the org key
// version, with the message id as associated data.
// Each version also has a metadata key, derived from its key-wrapping key
// with HKDF-SHA256 under its own label, for small facts about a message kept
// beside its record (the subject the sender's Sent page shows): a metadata
// ciphertext never opens as a wrapped content key, nor the reverse.
//
// Thread-safety: thread-safe; Rotate() takes an exclusive lock, everything
// else a shared one.
#ifndef SEALPOST_CRYPTO_KEY_HIERARCHY_H_
#define SEALPOST_CRYPTO_KEY_HIERARCHY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "crypto/aead.h"
#include "crypto/master_key.h"
#include "crypto/signature.h"

namespace sealpost::crypto {

// One org key version as the store persists it (all fields are safe to store;
// `wrapped` is useless without the master key).
struct WrappedOrgKey {
  uint32_t version = 0;
  std::string wrapped;             // opaque BLOB
  std::string signing_public_key;  // 32 raw bytes
};

struct WrappedContentKey {
  uint32_t key_version = 0;  // also inside `wrapped` (its key id)
  std::string wrapped;       // opaque BLOB, Aead ciphertext
};

class KeyHierarchy {
 public:
  static constexpr size_t kContentKeySize = 32;

  // A new hierarchy with org key version 1. Persist WrappedKeys() afterwards.
  static Result<std::unique_ptr<KeyHierarchy>> Create(MasterKey master);
  // Unwraps every stored version; fails if any blob does not unwrap under
  // `master` or does not match its public key.
  static Result<std::unique_ptr<KeyHierarchy>> Load(
      MasterKey master, const std::vector<WrappedOrgKey>& versions);

  // Adds version primary+1 as the new primary and returns it to persist.
  Result<WrappedOrgKey> Rotate();

  uint32_t primary_version() const;
  std::vector<WrappedOrgKey> WrappedKeys() const;

  // 32 fresh random bytes.
  static SecretBytes NewContentKey();
  // Wraps under the primary org key with associated data = message id.
  Result<WrappedContentKey> WrapContentKey(const SecretBytes& content_key,
                                           std::string_view message_id) const;
  // Any version; DecryptionFailedError() on any failure.
  Result<SecretBytes> UnwrapContentKey(std::string_view wrapped,
                                       std::string_view message_id) const;

  // Encrypts a message's metadata under the primary version's metadata key;
  // the associated data is `purpose` ("subject"), a NUL, and the message id,
  // so a ciphertext moved to another message or field does not open.
  Result<std::string> EncryptMetadata(std::string_view plaintext,
                                      std::string_view purpose,
                                      std::string_view message_id) const;
  // Any version; DecryptionFailedError() on any failure.
  Result<std::string> DecryptMetadata(std::string_view ciphertext,
                                      std::string_view purpose,
                                      std::string_view message_id) const;

  // The signing key of a version (NotFound if unknown).
  Result<Signer> GetSigner(uint32_t version) const;
  Result<Verifier> GetVerifier(uint32_t version) const;

 private:
  struct OrgKey {
    Aead kwk;
    Aead metadata;  // derived from kwk (EncryptMetadata)
    Signer signer;
    // Built once: every license request checks a signature with it, and
    // making one from the public key costs as much as the check.
    Verifier verifier;
    WrappedOrgKey wrapped;
  };

  explicit KeyHierarchy(MasterKey master) : master_(std::move(master)) {}
  Result<OrgKey> NewOrgKey(uint32_t version) const;
  Result<OrgKey> UnwrapOrgKey(const WrappedOrgKey& wrapped) const;

  const MasterKey master_;
  mutable SharedMutex mu_;
  std::map<uint32_t, OrgKey> keys_ SP_GUARDED_BY(mu_);  // never empty
};

// The associated data an org key blob is wrapped with: the version as 4
// big-endian bytes.
std::string OrgKeyAssociatedData(uint32_t version);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_KEY_HIERARCHY_H_
