// Several nodes on one queue, on PostgreSQL: which node works on which
// message (leases, migration 11) and which nodes are alive (heartbeats,
// migration 12). A claim takes its rows with FOR UPDATE SKIP LOCKED, so
// nodes claiming at once pass over each other's rows instead of waiting;
// the lease then keeps a message its node's until it expires.
#include <algorithm>
#include <utility>

#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgResult;
using internal::PgRow;
using internal::SelectFrom;

Result<std::vector<QueueClaim>> PostgresStore::ClaimDueQueueMessages(
    int64_t now_ms, int limit, std::string_view node, int64_t lease_until_ms) {
  std::vector<std::pair<int64_t, QueueClaim>> rows;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    // RETURNING gives the new row; the lease it replaced comes from the
    // locked choice.
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query(
            "UPDATE queue_messages q SET lease_node = $3, lease_until_ms = $4 "
            "FROM (SELECT m.id, m.lease_node AS previous FROM queue_messages "
            "m WHERE m.state = 'queued' AND m.lease_until_ms <= $1 AND EXISTS "
            "(SELECT 1 FROM queue_deliveries d WHERE d.message_id = m.id AND "
            "d.state = 'queued' AND d.next_attempt_ms <= $1) ORDER BY "
            "m.received_ms, m.id COLLATE \"C\" LIMIT $2 FOR UPDATE OF m SKIP "
            "LOCKED) s WHERE q.id = s.id RETURNING q.id, q.received_ms, "
            "s.previous",
            PgParams::Of(now_ms, limit, node, lease_until_ms)));
    for (int i = 0; i < r.rows(); ++i) {
      rows.push_back({r.Int(i, 1), {r.Text(i, 0), r.Text(i, 2)}});
    }
    return Status::Ok();
  }));
  // RETURNING has no order; ids tie-break in byte order, as in the choice.
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second.id < b.second.id;
  });
  std::vector<QueueClaim> out;
  for (auto& [at, claim] : rows) out.push_back(std::move(claim));
  return out;
}

Result<std::vector<std::string>> PostgresStore::RenewQueueLeases(
    std::string_view node, const std::vector<std::string>& ids,
    int64_t lease_until_ms) {
  if (ids.empty()) return std::vector<std::string>();
  // One statement for every lease. Its rows are locked in id order, as
  // the group commit locks the ones it changes (LockQueueMessages), so
  // that the two never wait for each other in a cycle.
  return SelectAll(
      "UPDATE queue_messages SET lease_until_ms = $1 WHERE id IN (SELECT id "
      "FROM queue_messages WHERE id = ANY($2::text[]) AND lease_node = $3 AND "
      "state = 'queued' ORDER BY id COLLATE \"C\" FOR UPDATE) RETURNING id",
      PgParams().Int(lease_until_ms).Text(internal::TextArray(ids)).Text(node),
      internal::ReadText<PgRow>);
}

Result<int64_t> PostgresStore::ReleaseQueueLeases(std::string_view node) {
  return RunCountingRows(
      "UPDATE queue_messages SET lease_node = '', lease_until_ms = 0 WHERE "
      "lease_node = $1",
      PgParams().Text(node));
}

Result<std::vector<NodeQueueDepth>> PostgresStore::QueueDepthByNode(
    int64_t now_ms) {
  return SelectAll(
      "SELECT node, COUNT(DISTINCT id), COUNT(*) FROM (SELECT CASE WHEN "
      "m.lease_until_ms > $1 THEN m.lease_node ELSE '' END AS node, m.id FROM "
      "queue_messages m JOIN queue_deliveries d ON d.message_id = m.id WHERE "
      "m.state = 'queued' AND d.state = 'queued') q GROUP BY node ORDER BY "
      "node COLLATE \"C\"",
      PgParams().Int(now_ms), [](const PgResult& r, int i) {
        return NodeQueueDepth{r.Text(i, 0), r.Int(i, 1), r.Int(i, 2)};
      });
}

Status PostgresStore::PutNodeHeartbeat(const NodeRecord& n) {
  return Run(
      "INSERT INTO nodes (node_id, hostname, version, started_ms, seen_ms) "
      "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (node_id) DO UPDATE SET "
      "hostname = excluded.hostname, version = excluded.version, "
      "started_ms = excluded.started_ms, seen_ms = excluded.seen_ms",
      PgParams::Of(n.node_id, n.hostname, n.version, n.started_ms, n.seen_ms));
}

Result<std::vector<NodeRecord>> PostgresStore::ListNodes(
    int64_t seen_since_ms) {
  return SelectAll(
      SelectFrom(internal::kNodeColumns,
                 "nodes WHERE seen_ms >= $1 ORDER BY node_id COLLATE \"C\""),
      PgParams().Int(seen_since_ms), internal::ReadNode<PgRow>);
}

}  // namespace sealpost::store
