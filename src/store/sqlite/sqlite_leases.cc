// Several nodes on one queue, on SQLite: leases and heartbeats (migrations
// 11 and 12). One SQLite file serves one node, so its leases are always its
// own; the queue runs the same code on both engines all the same, and these
// are the reference semantics the PostgreSQL engine matches
// (store_engine_test.cc).
#include <sqlite3.h>

#include <algorithm>

#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {
using internal::RunStmt;
using internal::SelectFrom;
using internal::SqliteError;
using internal::Stmt;

Result<std::vector<QueueClaim>> SqliteStore::ClaimDueQueueMessages(
    int64_t now_ms, int limit, std::string_view node, int64_t lease_until_ms) {
  MutexLock lock(&mu_);
  // The choice, then the leases, in one transaction under the one writer:
  // no other claim comes between them. (RETURNING gives the new values
  // only, and the claim reports the lease it replaced.)
  std::vector<QueueClaim> claims;
  SP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  Status s = Status::Ok();
  {
    Stmt pick(stmts_,
              "SELECT m.id, m.lease_node FROM queue_messages m "
              "WHERE m.state = 'queued' AND m.lease_until_ms <= ?1 AND EXISTS "
              "(SELECT 1 FROM queue_deliveries d WHERE d.message_id = m.id "
              "AND d.state = 'queued' AND d.next_attempt_ms <= ?1) ORDER BY "
              "m.received_ms, m.id LIMIT ?2");
    s = pick.status();
    if (s.ok()) {
      pick.Bind(1, now_ms).Bind(2, int64_t{limit});
      int rc;
      while ((rc = pick.Step()) == SQLITE_ROW) {
        claims.push_back({pick.Text(0), pick.Text(1)});
      }
      if (rc != SQLITE_DONE) s = SqliteError(db_, "claiming due messages");
    }
  }
  const bool picked = s.ok();
  for (size_t i = 0; s.ok() && i < claims.size(); ++i) {
    s = RunStmt(stmts_,
                "UPDATE queue_messages SET lease_node = ?, lease_until_ms = ? "
                "WHERE id = ?",
                node, lease_until_ms, claims[i].id);
  }
  if (s.ok()) s = Exec("COMMIT");
  if (!s.ok()) {
    (void)Exec("ROLLBACK");
    // One file, one node: with the disk full the leases cannot be written,
    // but no other node can take these messages either, and delivering
    // them is what gives space back (a done message's body is deleted).
    if (!picked || s.code() != StatusCode::kResourceExhausted) return s;
  }
  return claims;
}

Result<std::vector<std::string>> SqliteStore::RenewQueueLeases(
    std::string_view node, const std::vector<std::string>& ids,
    int64_t lease_until_ms) {
  MutexLock lock(&mu_);
  std::vector<std::string> held;
  SP_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  for (const std::string& id : ids) {
    Stmt s(stmts_,
           "UPDATE queue_messages SET lease_until_ms = ? WHERE id = ? AND "
           "lease_node = ? AND state = 'queued'");
    s.Bind(1, lease_until_ms).Bind(2, id).Bind(3, node);
    if (Status st = s.Run(); !st.ok()) {
      (void)Exec("ROLLBACK");
      return st;
    }
    if (sqlite3_changes(db_) > 0) held.push_back(id);
  }
  SP_RETURN_IF_ERROR(Exec("COMMIT"));
  return held;
}

Result<int64_t> SqliteStore::ReleaseQueueLeases(std::string_view node) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(
      RunStmt(stmts_,
              "UPDATE queue_messages SET lease_node = '', lease_until_ms = 0 "
              "WHERE lease_node = ?",
              node));
  return int64_t{sqlite3_changes(db_)};
}

Result<std::vector<NodeQueueDepth>> SqliteStore::QueueDepthByNode(
    int64_t now_ms) {
  return SelectAll(
      "counting the queue by node",
      "SELECT CASE WHEN m.lease_until_ms > ?1 THEN m.lease_node ELSE '' END "
      "AS node, COUNT(DISTINCT m.id), COUNT(*) FROM queue_messages m JOIN "
      "queue_deliveries d ON d.message_id = m.id WHERE m.state = 'queued' "
      "AND d.state = 'queued' GROUP BY node ORDER BY node",
      [](const Stmt& s) {
        return NodeQueueDepth{s.Text(0), s.Int(1), s.Int(2)};
      },
      now_ms);
}

Status SqliteStore::PutNodeHeartbeat(const NodeRecord& n) {
  return Run(
      "INSERT INTO nodes (node_id, hostname, version, started_ms, seen_ms) "
      "VALUES (?, ?, ?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET hostname = "
      "excluded.hostname, version = excluded.version, started_ms = "
      "excluded.started_ms, seen_ms = excluded.seen_ms",
      n.node_id, n.hostname, n.version, n.started_ms, n.seen_ms);
}

Result<std::vector<NodeRecord>> SqliteStore::ListNodes(int64_t seen_since_ms) {
  return SelectAll("listing nodes",
                   SelectFrom(internal::kNodeColumns,
                              "nodes WHERE seen_ms >= ? ORDER BY node_id"),
                   internal::ReadNode<Stmt>, seen_since_ms);
}

}  // namespace sealpost::store
