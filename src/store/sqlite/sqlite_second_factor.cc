// SqliteStore: portal readers' second factors (authenticator apps).
#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::SelectFrom;
using internal::Stmt;

Result<bool> SqliteStore::PutSecondFactor(const SecondFactorRecord& f) {
  return RunChangedOne(
      "INSERT INTO second_factors (email, secret_sealed, enrolled_at, "
      "last_step) VALUES (?, ?, ?, ?) ON CONFLICT (email) DO UPDATE SET "
      "secret_sealed = excluded.secret_sealed, enrolled_at = "
      "excluded.enrolled_at, last_step = excluded.last_step WHERE "
      "second_factors.enrolled_at = 0",
      f.email, internal::Bytes{f.secret_sealed}, f.enrolled_at, f.last_step);
}

// On a read-only connection: every portal page of a reader asks it, on an
// I/O thread that must not wait behind a queue commit's fsync.
Result<std::optional<SecondFactorRecord>> SqliteStore::GetSecondFactor(
    std::string_view email) {
  internal::ReaderLease reader(*readers_);
  static const std::string kSql = SelectFrom(internal::kSecondFactorColumns,
                                             "second_factors WHERE email = ?");
  Stmt s(reader.stmts(), kSql);
  s.Bind(1, email);
  return s.First("reading a second factor", internal::ReadSecondFactor<Stmt>);
}

Result<bool> SqliteStore::DeleteSecondFactor(std::string_view email) {
  return RunChangedOne("DELETE FROM second_factors WHERE email = ?", email);
}

Result<bool> SqliteStore::TakeTotpStep(std::string_view email, int64_t step) {
  // One statement: two requests with the same code cannot both pass.
  return RunChangedOne(
      "UPDATE second_factors SET last_step = ?1 WHERE email = ?2 AND "
      "last_step < ?1",
      step, email);
}

}  // namespace sealpost::store
