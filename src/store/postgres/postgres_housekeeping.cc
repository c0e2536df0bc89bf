// PostgresStore housekeeping: pruning the queue's history and expired
// portal copies in small transactions (the same batches as SQLite's, so a
// prune never holds many row locks), and the counts of `sealpost status`.
// Space: PostgreSQL's autovacuum makes dead rows reusable; giving it back to
// the file system takes VACUUM FULL, an operator's decision. ReclaimSpace
// (postgres_bodies.cc) removes large bodies no commit named.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "store/postgres/postgres_store.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgResult;

Result<int64_t> PostgresStore::PruneQueueHistory(int64_t before_ms, int limit) {
  return InTransactionValue([&](Conn& c) -> Result<int64_t> {
    // SKIP LOCKED: two nodes pruning at once take different messages.
    SP_ASSIGN_OR_RETURN(
        PgResult ids,
        c.Query("SELECT id FROM queue_messages WHERE state = 'done' AND "
                "received_ms < $1 ORDER BY received_ms LIMIT $2 FOR UPDATE "
                "SKIP LOCKED",
                PgParams().Int(before_ms).Int(limit)));
    for (int i = 0; i < ids.rows(); ++i) {
      const std::string id = ids.Text(i, 0);
      SP_RETURN_IF_ERROR(c.Run("DELETE FROM queue_events WHERE message_id = $1",
                               PgParams().Text(id)));
      SP_RETURN_IF_ERROR(
          c.Run("DELETE FROM queue_deliveries WHERE message_id = $1",
                PgParams().Text(id)));
      SP_ASSIGN_OR_RETURN(
          PgResult gone,
          c.Query("DELETE FROM queue_messages WHERE id = $1 AND state = "
                  "'done'",
                  PgParams().Text(id)));
      // Its body went when it was done; this makes sure.
      if (gone.affected() > 0) {
        SP_RETURN_IF_ERROR(DropBody(c, BodyKind::kQueue, id));
      }
    }
    return int64_t{ids.rows()};
  });
}

Result<int64_t> PostgresStore::PrunePortalCopies(int64_t now,
                                                 int64_t created_before,
                                                 int limit) {
  return InTransactionValue([&](Conn& c) -> Result<int64_t> {
    std::vector<std::string> ids;
    // The message's own expiry; then portal.retention_days for messages
    // without one.
    const std::pair<std::string_view, int64_t> kinds[] = {
        {"SELECT c.id FROM protected_messages m JOIN portal_copies c ON "
         "c.id = m.id WHERE m.expires_at > 0 AND m.expires_at <= $1 LIMIT $2",
         now},
        {"SELECT c.id FROM portal_copies c JOIN protected_messages m ON "
         "m.id = c.id WHERE c.created_at < $1 AND m.expires_at = 0 LIMIT $2",
         created_before}};
    for (const auto& [sql, at] : kinds) {
      if (at <= 0 || static_cast<int>(ids.size()) >= limit) continue;
      SP_ASSIGN_OR_RETURN(
          PgResult r, c.Query(sql, PgParams().Int(at).Int(
                                       limit - static_cast<int>(ids.size()))));
      for (int i = 0; i < r.rows(); ++i) ids.push_back(r.Text(i, 0));
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    int64_t pruned = 0;
    for (const std::string& id : ids) {
      SP_ASSIGN_OR_RETURN(PgResult d,
                          c.Query("DELETE FROM portal_copies WHERE id = $1",
                                  PgParams().Text(id)));
      pruned += d.affected();  // another node may have pruned it first
      // A large copy's chunks go with it (postgres_bodies.cc).
      SP_RETURN_IF_ERROR(DropBody(c, BodyKind::kPortal, id));
    }
    return pruned;
  });
}

Result<StoreStats> PostgresStore::Stats() {
  StoreStats out;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query("SELECT pg_database_size(current_database()), (SELECT "
                "COUNT(*) FROM queue_messages WHERE state = 'queued'), "
                "(SELECT COUNT(*) FROM queue_messages WHERE state = 'done'), "
                "(SELECT COUNT(*) FROM portal_copies), (SELECT COUNT(*) FROM "
                "protected_messages)"));
    if (r.rows() != 1) return InternalError("counting the store");
    // The whole database on the server; free space inside it is not
    // known without scanning every table (pgstattuple), so it stays 0.
    out.file_bytes = r.Int(0, 0);
    out.queued_messages = r.Int(0, 1);
    out.done_messages = r.Int(0, 2);
    out.portal_copies = r.Int(0, 3);
    out.protected_messages = r.Int(0, 4);
    return Status::Ok();
  }));
  return out;
}

}  // namespace sealpost::store
