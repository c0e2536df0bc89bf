// KeyService: the only holder of the master key. Loads the organisation's
// key versions (AES-256 key-wrapping + Ed25519 signing, stored wrapped under
// the master key) from the store; `Activate` creates the first version,
// `Rotate` a new primary. Old versions keep opening old content.
//
// Thread-safety: thread-safe; activation and rotation take a mutex, readers
// share the KeyHierarchy (itself thread-safe).
#ifndef SEALPOST_LICENSE_KEY_SERVICE_H_
#define SEALPOST_LICENSE_KEY_SERVICE_H_

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "crypto/blind_index_key.h"
#include "crypto/key_hierarchy.h"
#include "crypto/master_key.h"
#include "store/store.h"

namespace sealpost::license {

// Reads the master key from `path`; when the file is missing and `create` is
// set, writes a new random key there (0600).
Result<crypto::MasterKey> LoadMasterKey(const std::string& path, bool create);

// The master key of a store. A new one is created (0600) only when the file
// is missing and the store holds nothing wrapped under a master key yet (its
// org keys, and `other_wrapped`: further Aead blobs under the master key,
// such as the queue's content key). Otherwise a missing file, or a key other
// than the one the blobs name, is FAILED_PRECONDITION naming the file and
// both fingerprints: a new key would only hide the problem.
Result<crypto::MasterKey> LoadMasterKeyForStore(
    const std::string& path, store::Store& store,
    const std::vector<std::string>& other_wrapped);

// A master key's fingerprint as 8 hex digits (not secret: it names the key).
std::string FingerprintText(uint32_t fingerprint);

// The org key versions as stored (for key backups, license/key_backup.h).
Result<std::vector<store::OrgKeyRecord>> ListOrgKeyRecords(store::Store& store);
// Stores one org key version from a backup (its kind is set here).
Status AddOrgKeyRecord(store::Store& store, store::OrgKeyRecord record);
// OK when every version unwraps under `master` (also when there are none).
Status CheckOrgKeysOpen(const crypto::MasterKey& master,
                        const std::vector<store::OrgKeyRecord>& records);

class KeyService {
 public:
  KeyService(store::Store& store, crypto::MasterKey master)
      : store_(store), master_(std::move(master)) {}

  // Loads existing key versions; not active when there are none.
  Status Load();
  bool active() const;
  // Creates version 1; ALREADY_EXISTS when active.
  Status Activate();
  // Adds a new primary version; returns it.
  Result<uint32_t> Rotate();
  uint32_t primary_version() const;
  int version_count() const;
  // The hierarchy, or FAILED_PRECONDITION when not activated.
  Result<std::shared_ptr<const crypto::KeyHierarchy>> Keys() const;
  // Other secrets only the key service may open (an S/MIME private key),
  // wrapped under the master key with `purpose` as associated data, so a
  // blob opens only for the use (and the certificate) it was made for.
  Result<std::string> WrapSecret(const SecretBytes& secret,
                                 std::string_view purpose) const;
  Result<SecretBytes> UnwrapSecret(std::string_view wrapped,
                                   std::string_view purpose) const;
  // The organisation's eDiscovery index key (crypto/blind_index_key.h),
  // made on first use and kept wrapped under the master key in the org key
  // table (kind "index", version 1); every later call, on any node, gets
  // the same key.
  Result<std::shared_ptr<const crypto::BlindIndexKey>> IndexKey();

 private:
  // Under mu_, so versions reach the store in the order they are made.
  Status Persist(const crypto::WrappedOrgKey& key) SP_REQUIRES(mu_);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const crypto::MasterKey master_;
  mutable Mutex mu_;
  std::shared_ptr<crypto::KeyHierarchy> keys_ SP_GUARDED_BY(mu_);
  std::shared_ptr<const crypto::BlindIndexKey> index_key_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_KEY_SERVICE_H_
