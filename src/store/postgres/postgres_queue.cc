// The SMTP queue in PostgreSQL: messages, per-recipient deliveries, trace
// events and TLS policies (migration 4). CommitQueueBatch writes a whole
// group commit in one transaction, so one WAL flush on the server covers
// every message acknowledged in the batch.
// Leases (which node works on which message) are in postgres_leases.cc.
#include <algorithm>
#include <utility>

#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgResult;
using internal::PgRow;
using internal::SelectFrom;

namespace {

// A message's deliveries, in the order they were queued.
Result<std::vector<QueuedRecipient>> ReadDeliveries(internal::PgConn& c,
                                                    std::string_view id) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query(SelectFrom(internal::kQueuedRecipientColumns,
                         "queue_deliveries WHERE message_id = $1 ORDER BY id"),
              PgParams().Text(id)));
  std::vector<QueuedRecipient> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(internal::ReadQueuedRecipient(PgRow{r, i}));
  }
  return out;
}

// Locks the existing messages a batch changes (those it may finish and
// those whose leases it gives back) in id order before changing any, as
// lease renewal does: two transactions that lock the same rows in the same
// order wait for each other at most once, never in a cycle (a deadlock
// PostgreSQL would break by failing one, and SMTP would answer 451).
Status LockQueueMessages(internal::PgConn& c, const QueueBatch& batch) {
  std::vector<std::string> ids = batch.maybe_done;
  ids.insert(ids.end(), batch.release_leases.begin(),
             batch.release_leases.end());
  if (ids.size() < 2) return Status::Ok();
  // The order is the statement's (ORDER BY), and ANY ignores repeats.
  return c.Run(
      "SELECT 1 FROM queue_messages WHERE id = ANY($1::text[]) ORDER BY id "
      "COLLATE \"C\" FOR UPDATE",
      PgParams().Text(internal::TextArray(ids)));
}

}  // namespace

Status PostgresStore::CommitQueueBatch(QueueBatch& batch) {
  SP_RETURN_IF_ERROR(
      InTransaction([&](Conn& c) { return WriteQueueBatch(c, batch); }));
  for (const NewProtectedMessage& p : batch.protected_messages) {
    CountAudited(p.audit);
  }
  for (const AuditRecord& r : batch.audit) CountAudited(r);
  return Status::Ok();
}

Status PostgresStore::WriteQueueBatch(Conn& c, QueueBatch& batch) {
  batch.stale_updates.clear();
  batch.lost_leases.clear();
  for (QueuedMessage& m : batch.new_messages) {
    // A large body is in chunks (postgres_bodies.cc), staged before this
    // transaction or written in it; its row holds an empty content.
    const bool apart = m.content_staged || StagesBodies(m.content.size());
    if (m.content_staged) {
      SP_RETURN_IF_ERROR(ExpectStagedBody(c, BodyKind::kQueue, m.id));
    } else if (apart) {
      SP_RETURN_IF_ERROR(WriteBody(c, BodyKind::kQueue, m.id, m.content));
    }
    std::string_view in_row = apart ? std::string_view() : m.content;
    SP_RETURN_IF_ERROR(
        c.Run("INSERT INTO queue_messages (id, received_ms, mail_from, "
              "envelope_json, header_message_id, size, content, state, "
              "lease_node, lease_until_ms) VALUES ($1, $2, $3, $4, $5, $6, "
              "$7, $8, $9, $10)",
              PgParams::Of(m.id, m.received_ms, m.mail_from, m.envelope_json,
                           m.header_message_id, m.size, internal::Bytes{in_row},
                           m.state, m.lease_node, m.lease_until_ms)));
    for (QueuedRecipient& r : m.recipients) {
      SP_ASSIGN_OR_RETURN(
          r.id, c.QueryInt(
                    "INSERT INTO queue_deliveries (message_id, recipient, "
                    "notify, orcpt, state, attempts, next_attempt_ms, "
                    "last_reply) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                    "RETURNING id",
                    PgParams::Of(m.id, r.address, r.notify, r.orcpt, r.state,
                                 r.attempts, r.next_attempt_ms, r.last_reply)));
    }
  }
  SP_RETURN_IF_ERROR(LockQueueMessages(c, batch));
  for (const DeliveryUpdate& u : batch.updates) {
    // Only a queued delivery takes a result: one another node concluded
    // stays as it concluded it.
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query("UPDATE queue_deliveries SET state = $1, attempts = $2, "
                "next_attempt_ms = $3, last_reply = $4 WHERE id = $5 AND "
                "state = 'queued'",
                PgParams::Of(u.state, u.attempts, u.next_attempt_ms,
                             u.last_reply, u.delivery_id)));
    if (r.affected() == 0) batch.stale_updates.push_back(u.delivery_id);
  }
  for (const QueueEvent& e : batch.events) {
    SP_RETURN_IF_ERROR(c.Run(
        "INSERT INTO queue_events (message_id, at_ms, recipient, "
        "event, detail) VALUES ($1, $2, $3, $4, $5)",
        PgParams::Of(e.message_id, e.at_ms, e.recipient, e.event, e.detail)));
  }
  for (const NewProtectedMessage& p : batch.protected_messages) {
    SP_RETURN_IF_ERROR(InsertProtectedMessage(c, p));
  }
  for (const AuditRecord& r : batch.audit) {
    SP_RETURN_IF_ERROR(InsertAudit(c, r));
  }
  for (const std::string& id : batch.maybe_done) {
    SP_ASSIGN_OR_RETURN(
        PgResult done,
        c.Query("UPDATE queue_messages SET state = 'done', content = "
                "''::bytea WHERE id = $1 AND state = 'queued' AND NOT EXISTS "
                "(SELECT 1 FROM queue_deliveries WHERE message_id = $1 AND "
                "state = 'queued')",
                PgParams().Text(id)));
    // Its chunks, if it has any, go in the same commit.
    if (done.affected() > 0) {
      SP_RETURN_IF_ERROR(DropBody(c, BodyKind::kQueue, id));
    }
  }
  for (const std::string& id : batch.release_leases) {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query("UPDATE queue_messages SET lease_node = '', lease_until_ms = "
                "0 WHERE id = $1 AND lease_node = $2",
                PgParams().Text(id).Text(batch.lease_node)));
    if (r.affected() == 0) batch.lost_leases.push_back(id);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> PostgresStore::ListDueQueueMessages(
    int64_t now_ms, int limit) {
  return SelectAll(
      "SELECT message_id, MIN(next_attempt_ms) AS due FROM queue_deliveries "
      "WHERE state = 'queued' AND next_attempt_ms <= $1 GROUP BY message_id "
      "ORDER BY due LIMIT $2",
      PgParams().Int(now_ms).Int(limit), internal::ReadText<PgRow>);
}

Result<std::optional<QueuedMessage>> PostgresStore::GetQueuedMessage(
    std::string_view id, bool with_content) {
  std::optional<QueuedMessage> out;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        c.Query("SELECT " + std::string(internal::kQueuedMessageColumns) +
                    (with_content ? ", content" : "") +
                    " FROM queue_messages WHERE id = $1",
                PgParams().Text(id)));
    if (r.rows() == 0) return Status::Ok();
    QueuedMessage m = internal::ReadQueuedMessage(PgRow{r, 0});
    if (with_content) m.content = r.Blob(0, 9);
    if (with_content && m.content.empty() && m.state == "queued") {
      // In chunks (postgres_bodies.cc): a ciphertext is never empty.
      SP_ASSIGN_OR_RETURN(m.content, ReadBody(c, BodyKind::kQueue, m.id));
    }
    SP_ASSIGN_OR_RETURN(m.recipients, ReadDeliveries(c, id));
    out = std::move(m);
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<QueuedMessage>> PostgresStore::ListQueuedMessages(
    std::string_view state, int limit) {
  SP_ASSIGN_OR_RETURN(
      std::vector<QueuedMessage> out,
      SelectAll(
          SelectFrom(internal::kQueuedMessageColumns,
                     "queue_messages WHERE ($1::text = '' OR state = $1) "
                     "ORDER BY received_ms DESC, id COLLATE \"C\" LIMIT $2"),
          PgParams().Text(state).Int(limit),
          internal::ReadQueuedMessage<PgRow>));
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    for (QueuedMessage& m : out) {
      SP_ASSIGN_OR_RETURN(m.recipients, ReadDeliveries(c, m.id));
    }
    return Status::Ok();
  }));
  return out;
}

Result<std::vector<QueueEvent>> PostgresStore::ListQueueEvents(
    std::string_view message_id) {
  return SelectAll(SelectFrom(internal::kQueueEventColumns,
                              "queue_events WHERE message_id = $1 ORDER BY id"),
                   PgParams().Text(message_id),
                   internal::ReadQueueEvent<PgRow>);
}

Status PostgresStore::RetryQueuedMessage(std::string_view id, int64_t now_ms) {
  return RunOrNotFound(
      "UPDATE queue_deliveries SET next_attempt_ms = $1 WHERE message_id = "
      "$2 AND state = 'queued'",
      PgParams().Int(now_ms).Text(id),
      "no queued delivery for message " + std::string(id));
}

Result<int64_t> PostgresStore::CountQueuedDeliveries() {
  return SelectInt(
      "SELECT COUNT(*) FROM queue_deliveries WHERE state = 'queued'");
}

Status PostgresStore::PutTlsPolicy(const TlsPolicyRecord& p) {
  return Run(
      "INSERT INTO tls_policies (domain, policy, ca_file, updated_at) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT (domain) DO UPDATE SET policy = "
      "excluded.policy, ca_file = excluded.ca_file, updated_at = "
      "excluded.updated_at",
      PgParams::Of(p.domain, p.policy, p.ca_file,
                   p.updated_at ? p.updated_at : clock_.NowUnix()));
}

Result<std::optional<TlsPolicyRecord>> PostgresStore::GetTlsPolicy(
    std::string_view domain) {
  return SelectFirst(
      SelectFrom(internal::kTlsPolicyColumns, "tls_policies WHERE domain = $1"),
      PgParams().Text(domain), internal::ReadTlsPolicy<PgRow>);
}

Result<std::vector<TlsPolicyRecord>> PostgresStore::ListTlsPolicies() {
  return SelectAll(SelectFrom(internal::kTlsPolicyColumns,
                              "tls_policies ORDER BY domain COLLATE \"C\""),
                   PgParams(), internal::ReadTlsPolicy<PgRow>);
}

Status PostgresStore::DeleteTlsPolicy(std::string_view domain) {
  return RunOrNotFound("DELETE FROM tls_policies WHERE domain = $1",
                       PgParams().Text(domain),
                       "no TLS policy for " + std::string(domain));
}

}  // namespace sealpost::store
