// The SMTP queue in SQLite: messages, per-recipient deliveries, trace
// events and TLS policies (migration 4). CommitQueueBatch writes a whole
// group commit in one transaction, so one fsync (synchronous=FULL) covers
// every message acknowledged in the batch.
#include <sqlite3.h>

#include <algorithm>
#include <utility>

#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {
using internal::RunStmt;
using internal::SelectFrom;
using internal::SqliteError;
using internal::Stmt;

namespace {

// A message's deliveries, in the order they were queued.
Result<std::vector<QueuedRecipient>> ReadDeliveries(internal::StmtCache& stmts,
                                                    std::string_view id) {
  Stmt r(stmts,
         SelectFrom(internal::kQueuedRecipientColumns,
                    "queue_deliveries WHERE message_id = ? ORDER BY id"));
  r.Bind(1, id);
  return r.All("reading deliveries", internal::ReadQueuedRecipient<Stmt>);
}

}  // namespace

Status SqliteStore::CommitQueueBatch(QueueBatch& batch) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(InTransactionWithFiles(
      [&](internal::BodyFileChanges* changes)
          SP_REQUIRES(mu_) { return WriteQueueBatch(batch, changes); }));
  for (const NewProtectedMessage& p : batch.protected_messages) {
    CountAudited(p.audit);
  }
  for (const AuditRecord& r : batch.audit) CountAudited(r);
  return Status::Ok();
}

Status SqliteStore::WriteQueueBatch(QueueBatch& batch,
                                    internal::BodyFileChanges* changes) {
  batch.stale_updates.clear();
  batch.lost_leases.clear();
  if (!batch.new_messages.empty()) {
    const std::string msg_sql =
        "INSERT INTO queue_messages (id, received_ms, mail_from, "
        "envelope_json, header_message_id, size, content, state, "
        "lease_node, lease_until_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    const std::string rcpt_sql =
        "INSERT INTO queue_deliveries (message_id, recipient, notify, "
        "orcpt, state, attempts, next_attempt_ms, last_reply) VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?)";
    for (QueuedMessage& m : batch.new_messages) {
      // A large body goes to its file, durably, before the row that names
      // it (an empty content) can commit.
      const bool in_file = m.content_staged || bodies_.Wants(m.content.size());
      if (m.content_staged) {
        // Written by StageBody: gone again if this rolls back.
        changes->written.emplace_back(internal::BodyKind::kQueue, m.id);
      } else if (in_file) {
        SP_RETURN_IF_ERROR(
            bodies_.Write(internal::BodyKind::kQueue, m.id, m.content));
        changes->written.emplace_back(internal::BodyKind::kQueue, m.id);
      }
      Stmt msg(stmts_, msg_sql);
      msg.Bind(1, m.id)
          .Bind(2, m.received_ms)
          .Bind(3, m.mail_from)
          .Bind(4, m.envelope_json)
          .Bind(5, m.header_message_id)
          .Bind(6, m.size)
          .BindBlobNoCopy(7, in_file ? internal::kEmptyBody : m.content)
          .Bind(8, m.state)
          .Bind(9, m.lease_node)
          .Bind(10, m.lease_until_ms);
      SP_RETURN_IF_ERROR(msg.Run());
      msg.Reset();  // done with the body: SQLite has it in its pages now
      std::string().swap(m.content);
      for (QueuedRecipient& r : m.recipients) {
        Stmt rcpt(stmts_, rcpt_sql);
        rcpt.BindAll(m.id, r.address, r.notify, r.orcpt, r.state, r.attempts,
                     r.next_attempt_ms, r.last_reply);
        SP_RETURN_IF_ERROR(rcpt.Run());
        r.id = sqlite3_last_insert_rowid(db_);
      }
    }
  }
  if (!batch.updates.empty()) {
    // Only a queued delivery takes a result: one another node concluded
    // stays as it concluded it.
    const std::string up_sql =
        "UPDATE queue_deliveries SET state = ?, attempts = ?, "
        "next_attempt_ms = ?, last_reply = ? WHERE id = ? AND state = "
        "'queued'";
    for (const DeliveryUpdate& u : batch.updates) {
      Stmt up(stmts_, up_sql);
      up.BindAll(u.state, u.attempts, u.next_attempt_ms, u.last_reply,
                 u.delivery_id);
      SP_RETURN_IF_ERROR(up.Run());
      if (sqlite3_changes(db_) == 0) {
        batch.stale_updates.push_back(u.delivery_id);
      }
    }
  }
  if (!batch.events.empty()) {
    const std::string ev_sql =
        "INSERT INTO queue_events (message_id, at_ms, recipient, event, "
        "detail) VALUES (?, ?, ?, ?, ?)";
    for (const QueueEvent& e : batch.events) {
      Stmt ev(stmts_, ev_sql);
      ev.BindAll(e.message_id, e.at_ms, e.recipient, e.event, e.detail);
      SP_RETURN_IF_ERROR(ev.Run());
    }
  }
  for (NewProtectedMessage& p : batch.protected_messages) {
    SP_RETURN_IF_ERROR(InsertProtectedMessage(p, changes));
    std::string().swap(p.portal_copy);  // in SQLite's pages now
  }
  for (const AuditRecord& r : batch.audit) SP_RETURN_IF_ERROR(InsertAudit(r));
  if (!batch.maybe_done.empty()) {
    const std::string done_sql =
        "UPDATE queue_messages SET state = 'done', content = X'' "
        "WHERE id = ?1 AND state = 'queued' AND NOT EXISTS (SELECT 1 "
        "FROM queue_deliveries WHERE message_id = ?1 AND state = "
        "'queued')";
    for (const std::string& id : batch.maybe_done) {
      Stmt done(stmts_, done_sql);
      done.Bind(1, id);
      SP_RETURN_IF_ERROR(done.Run());
      if (sqlite3_changes(db_) > 0 && bodies_.enabled()) {
        // Its file, if it has one, goes once this commits.
        changes->dropped.emplace_back(internal::BodyKind::kQueue, id);
      }
    }
  }
  for (const std::string& id : batch.release_leases) {
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_,
                "UPDATE queue_messages SET lease_node = '', lease_until_ms "
                "= 0 WHERE id = ? AND lease_node = ?",
                id, batch.lease_node));
    if (sqlite3_changes(db_) == 0) batch.lost_leases.push_back(id);
  }
  return Status::Ok();
}

Result<std::vector<std::string>> SqliteStore::ListDueQueueMessages(
    int64_t now_ms, int limit) {
  MutexLock lock(&mu_);
  const std::string s_sql =
      "SELECT message_id, MIN(next_attempt_ms) AS due FROM "
      "queue_deliveries WHERE state = 'queued' AND next_attempt_ms <= ? "
      "GROUP BY message_id ORDER BY due LIMIT ?";
  Stmt s(stmts_, s_sql);
  s.Bind(1, now_ms).Bind(2, int64_t{limit});
  return s.All("listing due messages", internal::ReadText<Stmt>);
}

Result<std::optional<QueuedMessage>> SqliteStore::GetQueuedMessage(
    std::string_view id, bool with_content) {
  MutexLock lock(&mu_);
  std::string sql = "SELECT " + std::string(internal::kQueuedMessageColumns) +
                    (with_content ? ", content" : "") +
                    " FROM queue_messages WHERE id = ?";
  Stmt s(stmts_, sql);
  SP_RETURN_IF_ERROR(s.status());
  s.Bind(1, id);
  int rc = s.Step();
  if (rc == SQLITE_DONE) return std::optional<QueuedMessage>();
  if (rc != SQLITE_ROW) return SqliteError(db_, "reading queued message");
  QueuedMessage m = internal::ReadQueuedMessage(s);
  if (with_content) {
    m.content = s.Blob(9);
    if (m.content.empty() && m.state == "queued" && bodies_.enabled()) {
      // Its body file (body_files.h): a ciphertext is never empty.
      SP_ASSIGN_OR_RETURN(m.content,
                          bodies_.Read(internal::BodyKind::kQueue, m.id));
    }
  }
  SP_ASSIGN_OR_RETURN(m.recipients, ReadDeliveries(stmts_, id));
  return std::optional<QueuedMessage>(std::move(m));
}

Result<std::vector<QueuedMessage>> SqliteStore::ListQueuedMessages(
    std::string_view state, int limit) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, SelectFrom(internal::kQueuedMessageColumns,
                            "queue_messages WHERE (?1 = '' OR state = ?1) "
                            "ORDER BY received_ms DESC, id LIMIT ?2"));
  s.Bind(1, state).Bind(2, int64_t{limit});
  SP_ASSIGN_OR_RETURN(
      std::vector<QueuedMessage> out,
      s.All("listing queue", internal::ReadQueuedMessage<Stmt>));
  for (QueuedMessage& m : out) {
    SP_ASSIGN_OR_RETURN(m.recipients, ReadDeliveries(stmts_, m.id));
  }
  return out;
}

Result<std::vector<QueueEvent>> SqliteStore::ListQueueEvents(
    std::string_view message_id) {
  return SelectAll("listing queue events",
                   SelectFrom(internal::kQueueEventColumns,
                              "queue_events WHERE message_id = ? ORDER BY id"),
                   internal::ReadQueueEvent<Stmt>, message_id);
}

Status SqliteStore::RetryQueuedMessage(std::string_view id, int64_t now_ms) {
  return RunOrNotFound(
      "no queued delivery for message " + std::string(id),
      "UPDATE queue_deliveries SET next_attempt_ms = ? WHERE message_id = ? "
      "AND state = 'queued'",
      now_ms, id);
}

Result<int64_t> SqliteStore::CountQueuedDeliveries() {
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         "SELECT COUNT(*) FROM queue_deliveries WHERE state = 'queued'");
  return s.Count("counting queue");
}

Status SqliteStore::PutTlsPolicy(const TlsPolicyRecord& p) {
  return Run(
      "INSERT INTO tls_policies (domain, policy, ca_file, updated_at) VALUES "
      "(?, ?, ?, ?) ON CONFLICT (domain) DO UPDATE SET policy = "
      "excluded.policy, ca_file = excluded.ca_file, updated_at = "
      "excluded.updated_at",
      p.domain, p.policy, p.ca_file,
      p.updated_at ? p.updated_at : clock_.NowUnix());
}

Result<std::optional<TlsPolicyRecord>> SqliteStore::GetTlsPolicy(
    std::string_view domain) {
  return SelectFirst(
      "reading tls policy",
      SelectFrom(internal::kTlsPolicyColumns, "tls_policies WHERE domain = ?"),
      internal::ReadTlsPolicy<Stmt>, domain);
}

Result<std::vector<TlsPolicyRecord>> SqliteStore::ListTlsPolicies() {
  return SelectAll(
      "listing tls policies",
      SelectFrom(internal::kTlsPolicyColumns, "tls_policies ORDER BY domain"),
      internal::ReadTlsPolicy<Stmt>);
}

Status SqliteStore::DeleteTlsPolicy(std::string_view domain) {
  return RunOrNotFound("no TLS policy for " + std::string(domain),
                       "DELETE FROM tls_policies WHERE domain = ?", domain);
}

}  // namespace sealpost::store
