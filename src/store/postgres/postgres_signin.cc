// PostgresStore: the portal's sign-in state shared by the nodes (rate
// limits, OpenID Connect sign-ins begun), so that a load balancer in front
// of the portal needs no sticky sessions.
#include <utility>

#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgRow;

Result<bool> PostgresStore::TakeRateLimit(std::string_view key, int limit,
                                          int64_t window, int64_t now) {
  return InTransactionValue([&](Conn& c) -> Result<bool> {
    // One key's count and insert are serialised across nodes (READ
    // COMMITTED alone would let parallel calls all count below the limit).
    SP_RETURN_IF_ERROR(c.Run("SELECT pg_advisory_xact_lock(hashtext($1))",
                             PgParams().Text(key)));
    SP_RETURN_IF_ERROR(c.Run(
        "DELETE FROM rate_events WHERE (key = $1 AND at <= $2) OR at <= $3",
        PgParams().Text(key).Int(now - window).Int(now - kRateEventsKept)));
    SP_ASSIGN_OR_RETURN(
        int64_t n, c.QueryInt("SELECT COUNT(*) FROM rate_events WHERE key = $1",
                              PgParams().Text(key)));
    if (n >= limit) return false;
    SP_RETURN_IF_ERROR(
        c.Run("INSERT INTO rate_events (key, at) VALUES ($1, $2)",
              PgParams().Text(key).Int(now)));
    return true;
  });
}

Status PostgresStore::ForgetRateEvent(std::string_view key, int64_t at) {
  return Run(
      "DELETE FROM rate_events WHERE ctid = (SELECT ctid FROM rate_events "
      "WHERE key = $1 AND at = $2 LIMIT 1)",
      PgParams().Text(key).Int(at));
}

Status PostgresStore::PutPendingSignIn(const PendingSignInRecord& r,
                                       int per_browser, int total,
                                       int64_t expired_at) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(
        c.Run("DELETE FROM pending_sign_ins WHERE created_at <= $1 OR "
              "state_hash = $2",
              PgParams().Int(expired_at).Text(r.state_hash)));
    // Room for the new one: the newest per_browser - 1 of the browser and
    // total - 1 of all stay.
    SP_RETURN_IF_ERROR(
        c.Run("DELETE FROM pending_sign_ins WHERE id IN (SELECT id FROM "
              "pending_sign_ins WHERE browser = $1 ORDER BY id DESC OFFSET $2)",
              PgParams().Text(r.browser).Int(per_browser - 1)));
    SP_RETURN_IF_ERROR(
        c.Run("DELETE FROM pending_sign_ins WHERE id IN (SELECT id FROM "
              "pending_sign_ins ORDER BY id DESC OFFSET $1)",
              PgParams().Int(total - 1)));
    return c.Run(
        "INSERT INTO pending_sign_ins (state_hash, browser, data, created_at) "
        "VALUES ($1, $2, $3, $4)",
        PgParams::Of(r.state_hash, r.browser, r.data, r.created_at));
  });
}

Result<std::optional<PendingSignInRecord>> PostgresStore::TakePendingSignIn(
    std::string_view state_hash) {
  return SelectFirst(
      "DELETE FROM pending_sign_ins WHERE state_hash = $1 RETURNING " +
          std::string(internal::kPendingSignInColumns),
      PgParams().Text(state_hash), internal::ReadPendingSignIn<PgRow>);
}

}  // namespace sealpost::store
