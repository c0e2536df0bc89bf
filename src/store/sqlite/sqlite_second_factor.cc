// SqliteStore: portal readers' second factors (authenticator apps).
#include <sqlite3.h>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::Stmt;

Result<bool> SqliteStore::PutSecondFactor(const SecondFactorRecord& f) {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "INSERT INTO second_factors (email, secret_sealed, enrolled_at, "
         "last_step) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET "
         "secret_sealed = excluded.secret_sealed, enrolled_at = "
         "excluded.enrolled_at, last_step = excluded.last_step WHERE "
         "second_factors.enrolled_at = 0");
  s.BindAll(f.email, internal::Bytes{f.secret_sealed}, f.enrolled_at,
            f.last_step);
  SP_RETURN_IF_ERROR(s.Run());
  return sqlite3_changes(db_) == 1;
}

Result<std::optional<SecondFactorRecord>> SqliteStore::GetSecondFactor(
    std::string_view email) {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "SELECT email, secret_sealed, enrolled_at, last_step FROM "
         "second_factors WHERE email = ?");
  s.Bind(1, email);
  return s.First("reading a second factor", [](const Stmt& r) {
    return SecondFactorRecord{r.Text(0), r.Blob(1), r.Int(2), r.Int(3)};
  });
}

Result<bool> SqliteStore::DeleteSecondFactor(std::string_view email) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, "DELETE FROM second_factors WHERE email = ?");
  s.Bind(1, email);
  SP_RETURN_IF_ERROR(s.Run());
  return sqlite3_changes(db_) == 1;
}

Result<bool> SqliteStore::TakeTotpStep(std::string_view email, int64_t step) {
  MutexLock lock(&mu_);
  // One statement: two requests with the same code cannot both pass.
  Stmt s(stmts_,
         "UPDATE second_factors SET last_step = ? WHERE email = ? AND "
         "last_step < ?");
  s.Bind(1, step).Bind(2, email).Bind(3, step);
  SP_RETURN_IF_ERROR(s.Run());
  return sqlite3_changes(db_) == 1;
}

}  // namespace sealpost::store
