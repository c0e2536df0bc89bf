// The SQLite engine of Store: WAL journal, synchronous=FULL (every commit is
// fsynced before it returns), a busy timeout, and one connection behind one
// mutex so there is exactly one writer path.
//
// Thread-safety: thread-safe; all calls serialise on one mutex.
#ifndef SEALPOST_STORE_SQLITE_SQLITE_STORE_H_
#define SEALPOST_STORE_SQLITE_SQLITE_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "base/thread_annotations.h"
#include "store/migrations.h"
#include "store/store.h"

struct sqlite3;

namespace sealpost::store {

class SqliteStore final : public Store {
 public:
  // Opens the database and applies `migrations` that are not yet applied.
  static Result<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, const Clock& clock,
      const std::vector<Migration>& migrations = AllMigrations());
  ~SqliteStore() override;

  std::string_view Engine() const override { return "sqlite"; }
  Result<int> SchemaVersion() override;
  Result<std::optional<std::string>> GetSetting(std::string_view key) override;
  Status PutSetting(std::string_view key, std::string_view value) override;
  Status AppendAudit(AuditRecord record) override;
  Result<std::vector<AuditRecord>> ListAudit(std::string_view object,
                                             int limit) override;
  Status PutUser(const UserRecord& user) override;
  Result<std::optional<UserRecord>> GetUser(std::string_view email) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Status DeleteUser(std::string_view email) override;

 private:
  SqliteStore(sqlite3* db, const Clock& clock) : db_(db), clock_(clock) {}
  Status Migrate(const std::vector<Migration>& migrations);
  Status Exec(std::string_view sql) SP_REQUIRES(mu_);

  Mutex mu_;
  sqlite3* db_ SP_GUARDED_BY(mu_);
  const Clock& clock_;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SQLITE_SQLITE_STORE_H_
