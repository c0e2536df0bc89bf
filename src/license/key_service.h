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

#include "base/status.h"
#include "base/thread_annotations.h"
#include "crypto/key_hierarchy.h"
#include "crypto/master_key.h"
#include "store/store.h"

namespace sealpost::license {

// Reads the master key from `path`; when the file is missing and `create` is
// set, writes a new random key there (0600).
Result<crypto::MasterKey> LoadMasterKey(const std::string& path, bool create);

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

 private:
  // Under mu_, so versions reach the store in the order they are made.
  Status Persist(const crypto::WrappedOrgKey& key) SP_REQUIRES(mu_);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const crypto::MasterKey master_;
  mutable Mutex mu_;
  std::shared_ptr<crypto::KeyHierarchy> keys_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_KEY_SERVICE_H_
