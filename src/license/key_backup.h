// Key backups (`sealpost rms export-key` / `import-key`): the master key and
// the org key versions (as stored: wrapped under the master key), sealed
// under a passphrase with crypto/passphrase_box.h. With it, a new node or a
// rebuilt one opens every message protected so far. Format: docs/format.md
// §8.
//
// Thread-safety: free functions.
#ifndef SEALPOST_LICENSE_KEY_BACKUP_H_
#define SEALPOST_LICENSE_KEY_BACKUP_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/master_key.h"
#include "crypto/passphrase_box.h"
#include "store/store.h"

namespace sealpost::license {

// Passphrases shorter than this are refused when exporting.
inline constexpr size_t kMinBackupPassphrase = 12;

struct KeyBackup {
  crypto::MasterKey master;
  std::vector<store::OrgKeyRecord> org_keys;  // kind "org"
};

// The sealed backup file's bytes. The org keys must open under `master`.
Result<std::string> SealKeyBackup(
    const crypto::MasterKey& master,
    const std::vector<store::OrgKeyRecord>& org_keys,
    std::string_view passphrase, const crypto::Argon2Params& params = {});

// Opens a backup file: a wrong passphrase or a damaged file is one generic
// error; a backup whose org keys do not open under its own master key is
// DATA_LOSS.
Result<KeyBackup> OpenKeyBackup(std::string_view file,
                                std::string_view passphrase);

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_KEY_BACKUP_H_
