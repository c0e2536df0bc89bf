// Store: the one interface to durable state (settings, users, keys, audit,
// and later the queue and messages). Two engines implement it: SQLite (the
// embedded default) and PostgreSQL (several gateway nodes sharing one state).
// The interface uses only portable types: strings, integers, byte strings.
//
// Thread-safety: every Store implementation is safe to call from any thread.
#ifndef SEALPOST_STORE_STORE_H_
#define SEALPOST_STORE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace sealpost::store {

struct AuditRecord {
  int64_t id = 0;      // assigned by the store
  int64_t at = 0;      // unix seconds
  std::string actor;   // "admin", "alice@example.com", "system"
  std::string action;  // "license.acquire", "settings.set", ...
  std::string object;  // message id, setting name, ...
  std::string result;  // "granted", "refused", "ok", "error"
  std::string detail;  // human readable reason; never a secret
};

struct UserRecord {
  std::string email;          // lower-case, primary key
  std::string password_hash;  // Argon2id encoded string
  std::string display_name;
  int64_t created_at = 0;
  bool disabled = false;
};

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string_view Engine() const = 0;
  // Highest migration applied.
  virtual Result<int> SchemaVersion() = 0;

  // Settings: small named JSON documents (IRM configuration, branding, ...).
  virtual Result<std::optional<std::string>> GetSetting(
      std::string_view key) = 0;
  virtual Status PutSetting(std::string_view key, std::string_view value) = 0;

  virtual Status AppendAudit(AuditRecord record) = 0;
  // Newest first; `object` filters when not empty.
  virtual Result<std::vector<AuditRecord>> ListAudit(std::string_view object,
                                                     int limit) = 0;

  virtual Status PutUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> GetUser(std::string_view email) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Status DeleteUser(std::string_view email) = 0;
};

// Opens (creating if needed) the SQLite store at `path` and runs pending
// migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const Clock& clock);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_STORE_H_
