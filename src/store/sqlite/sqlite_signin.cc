// SqliteStore: the portal's sign-in state for several nodes (rate limits,
// OpenID Connect sign-ins begun). A single node keeps both in memory
// (portal/); this engine has them so that the store suite proves one
// behaviour on both engines.
#include <sqlite3.h>

#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::SqliteError;
using internal::Stmt;

Result<bool> SqliteStore::TakeRateLimit(std::string_view key, int limit,
                                        int64_t window, int64_t now) {
  MutexLock lock(&mu_);
  bool taken = false;
  SP_RETURN_IF_ERROR(InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    Stmt old(stmts_,
             "DELETE FROM rate_events WHERE (key = ? AND at <= ?) OR at <= ?");
    old.Bind(1, key).Bind(2, now - window).Bind(3, now - kRateEventsKept);
    SP_RETURN_IF_ERROR(old.Run());
    Stmt count(stmts_, "SELECT COUNT(*) FROM rate_events WHERE key = ?");
    count.Bind(1, key);
    if (count.Step() != SQLITE_ROW) return SqliteError(db_, "counting events");
    if (count.Int(0) >= limit) return Status::Ok();
    Stmt add(stmts_, "INSERT INTO rate_events (key, at) VALUES (?, ?)");
    add.Bind(1, key).Bind(2, now);
    SP_RETURN_IF_ERROR(add.Run());
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
  MutexLock lock(&mu_);
  return InTransaction([&]() SP_REQUIRES(mu_) -> Status {
    Stmt expired(stmts_, "DELETE FROM pending_sign_ins WHERE created_at <= ?");
    expired.Bind(1, expired_at);
    SP_RETURN_IF_ERROR(expired.Run());
    Stmt same(stmts_, "DELETE FROM pending_sign_ins WHERE state_hash = ?");
    same.Bind(1, r.state_hash);
    SP_RETURN_IF_ERROR(same.Run());
    // Room for the new one: the newest per_browser - 1 of the browser and
    // total - 1 of all stay.
    Stmt mine(stmts_,
              "DELETE FROM pending_sign_ins WHERE id IN (SELECT id FROM "
              "pending_sign_ins WHERE browser = ? ORDER BY id DESC LIMIT -1 "
              "OFFSET ?)");
    mine.Bind(1, r.browser).Bind(2, int64_t{per_browser - 1});
    SP_RETURN_IF_ERROR(mine.Run());
    Stmt all(stmts_,
             "DELETE FROM pending_sign_ins WHERE id IN (SELECT id FROM "
             "pending_sign_ins ORDER BY id DESC LIMIT -1 OFFSET ?)");
    all.Bind(1, int64_t{total - 1});
    SP_RETURN_IF_ERROR(all.Run());
    Stmt add(stmts_,
             "INSERT INTO pending_sign_ins (state_hash, browser, data, "
             "created_at) VALUES (?, ?, ?, ?)");
    add.BindAll(r.state_hash, r.browser, r.data, r.created_at);
    return add.Run();
  });
}

Result<std::optional<PendingSignInRecord>> SqliteStore::TakePendingSignIn(
    std::string_view state_hash) {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "DELETE FROM pending_sign_ins WHERE state_hash = ? RETURNING "
         "state_hash, browser, data, created_at");
  SP_RETURN_IF_ERROR(s.status());
  s.Bind(1, state_hash);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<PendingSignInRecord>();
  if (rc != SQLITE_ROW) return SqliteError(db_, "taking a sign-in");
  PendingSignInRecord out{s.Text(0), s.Text(1), s.Text(2), s.Int(3)};
  if (s.Step() != SQLITE_DONE) return SqliteError(db_, "taking a sign-in");
  return std::optional<PendingSignInRecord>(std::move(out));
}

}  // namespace sealpost::store
