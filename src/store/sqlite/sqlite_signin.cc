// SqliteStore: the portal's sign-in state for several nodes (rate limits,
// OpenID Connect sign-ins begun). A single node keeps both in memory
// (portal/); this engine has them so that the store suite proves one
// behaviour on both engines.
#include <sqlite3.h>

#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::RunStmt;
using internal::SqliteError;
using internal::Stmt;

Result<bool> SqliteStore::TakeRateLimit(std::string_view key, int limit,
                                        int64_t window, int64_t now) {
  MutexLock lock(&mu_);
  bool taken = false;
  SP_RETURN_IF_ERROR(InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_,
        "DELETE FROM rate_events WHERE (key = ? AND at <= ?) OR at <= ?", key,
        now - window, now - kRateEventsKept));
    Stmt count(stmts_, "SELECT COUNT(*) FROM rate_events WHERE key = ?");
    count.Bind(1, key);
    if (count.Step() != SQLITE_ROW) return SqliteError(db_, "counting events");
    if (count.Int(0) >= limit) return Status::Ok();
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_, "INSERT INTO rate_events (key, at) VALUES (?, ?)", key, now));
    taken = true;
    return Status::Ok();
  }));
  return taken;
}

Status SqliteStore::ForgetRateEvent(std::string_view key, int64_t at) {
  return Run(
      "DELETE FROM rate_events WHERE rowid = (SELECT rowid FROM rate_events "
      "WHERE key = ? AND at = ? LIMIT 1)",
      key, at);
}

Status SqliteStore::PutPendingSignIn(const PendingSignInRecord& r,
                                     int per_browser, int total,
                                     int64_t expired_at) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_, "DELETE FROM pending_sign_ins WHERE created_at <= ?",
                expired_at));
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_, "DELETE FROM pending_sign_ins WHERE state_hash = ?",
                r.state_hash));
    // Room for the new one: the newest per_browser - 1 of the browser and
    // total - 1 of all stay.
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_,
                "DELETE FROM pending_sign_ins WHERE id IN (SELECT id FROM "
                "pending_sign_ins WHERE browser = ? ORDER BY id DESC LIMIT -1 "
                "OFFSET ?)",
                r.browser, int64_t{per_browser - 1}));
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_,
                "DELETE FROM pending_sign_ins WHERE id IN (SELECT id FROM "
                "pending_sign_ins ORDER BY id DESC LIMIT -1 OFFSET ?)",
                int64_t{total - 1}));
    return RunStmt(stmts_,
                   "INSERT INTO pending_sign_ins (state_hash, browser, data, "
                   "created_at) VALUES (?, ?, ?, ?)",
                   r.state_hash, r.browser, r.data, r.created_at);
  });
}

Result<std::optional<PendingSignInRecord>> SqliteStore::TakePendingSignIn(
    std::string_view state_hash) {
  return RunReturning("taking a sign-in",
                      "DELETE FROM pending_sign_ins WHERE state_hash = ? "
                      "RETURNING " +
                          std::string(internal::kPendingSignInColumns),
                      internal::ReadPendingSignIn<Stmt>, state_hash);
}

}  // namespace sealpost::store
