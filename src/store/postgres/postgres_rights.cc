// PostgresStore: org keys, protected messages, passcodes and sessions.
#include <utility>

#include "store/postgres/pg_listener.h"
#include "store/postgres/postgres_store.h"
#include "store/record_rows.h"

namespace sealpost::store {
using internal::kOtpColumns;
using internal::kProtectedMessageColumns;
using internal::PgParams;
using internal::PgResult;
using internal::PgRow;
using internal::SelectFrom;

namespace {

constexpr std::string_view kMessageValues =
    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)";

// The kProtectedMessageColumns of `m`, in order, as parameters $1..$15.
PgParams MessageParams(const ProtectedMessageRecord& m, int64_t now) {
  PgParams p;
  p.Text(m.id)
      .Text(m.owner)
      .Text(m.template_id)
      .Text(m.recipients_json)
      .Text(m.grants_json)
      .Int(m.created_at ? m.created_at : now)
      .Int(m.expires_at)
      .Int(m.revoked_at)
      .Text(m.revoked_by)
      .Text(m.branding)
      .Text(m.parent_id)
      .BlobOrNull(m.subject_sealed)
      .BlobOrNull(m.pin_sealed)
      .Text(m.writer)
      .Text(m.expiry_by);
  return p;
}

}  // namespace

Status PostgresStore::AddOrgKey(const OrgKeyRecord& key) {
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(
        c.Run("UPDATE org_keys SET is_primary = 0 WHERE kind = $1",
              PgParams().Text(key.kind)));
    SP_RETURN_IF_ERROR(c.Run(
        "INSERT INTO org_keys (kind, version, wrapped, is_primary, "
        "created_at) VALUES ($1, $2, $3, 1, $4)",
        PgParams::Of(key.kind, key.version, internal::Bytes{key.wrapped},
                     key.created_at ? key.created_at : clock_.NowUnix())));
    return internal::NotifyChange(c, "org_keys");
  });
}

Result<std::vector<OrgKeyRecord>> PostgresStore::ListOrgKeys(
    std::string_view kind) {
  return SelectAll(SelectFrom(internal::kOrgKeyColumns,
                              "org_keys WHERE kind = $1 ORDER BY version"),
                   PgParams().Text(kind), internal::ReadOrgKey<PgRow>);
}

// A revocation or a new expiry: every node's cached decisions must go.
Status PostgresStore::UpdateProtectedMessage(const ProtectedMessageRecord& m) {
  static const std::string kSql =
      internal::ForPostgres(internal::kProtectedMessageUpdate);
  return InTransaction([&](Conn& c) -> Status {
    SP_RETURN_IF_ERROR(
        c.RunOrNotFound(kSql,
                        PgParams::Of(m.id, m.grants_json, m.expires_at,
                                     m.expiry_by, m.revoked_at, m.revoked_by),
                        "no protected message " + m.id));
    return internal::NotifyChange(c, "protected_messages");
  });
}

Status PostgresStore::InsertProtectedMessage(Conn& c,
                                             const NewProtectedMessage& m) {
  // Made of a message shredded since (a forward sent as it was shredded):
  // not kept. The lock orders this after a shred that committed, and a
  // shred after this commit (ShredProtectedMessage), on any node.
  if (const std::string& parent = m.record.parent_id; !parent.empty()) {
    SP_RETURN_IF_ERROR(c.Run("SELECT pg_advisory_xact_lock_shared($1)",
                             PgParams().Int(kShredLock)));
    SP_ASSIGN_OR_RETURN(
        int64_t there,
        c.QueryInt("SELECT COUNT(*) FROM protected_messages WHERE id = $1",
                   PgParams().Text(parent)));
    if (there == 0) {
      return NotFoundError("no protected message " + parent +
                           " (shredded): nothing is made of it");
    }
  }
  SP_RETURN_IF_ERROR(c.Run("INSERT INTO protected_messages (" +
                               std::string(kProtectedMessageColumns) +
                               ") VALUES " + std::string(kMessageValues),
                           MessageParams(m.record, clock_.NowUnix())));
  if (!m.portal_copy.empty() || m.portal_copy_staged) {
    // A large copy is in chunks (postgres_bodies.cc), staged before this
    // transaction or written in it; its row holds an empty container.
    const bool apart =
        m.portal_copy_staged || StagesBodies(m.portal_copy.size());
    if (m.portal_copy_staged) {
      SP_RETURN_IF_ERROR(ExpectStagedBody(c, BodyKind::kPortal, m.record.id));
    } else if (apart) {
      SP_RETURN_IF_ERROR(
          WriteBody(c, BodyKind::kPortal, m.record.id, m.portal_copy));
    }
    SP_RETURN_IF_ERROR(
        c.Run("INSERT INTO portal_copies (id, container, created_at) VALUES "
              "($1, $2, $3)",
              PgParams()
                  .Text(m.record.id)
                  .Blob(apart ? std::string_view() : m.portal_copy)
                  .Int(clock_.NowUnix())));
  }
  if (!m.index_terms.empty()) {
    SP_RETURN_IF_ERROR(InsertSearchTerms(c, m.record.id, m.index_terms));
  }
  return InsertAudit(c, m.audit);
}

Status PostgresStore::AddProtectedMessage(const NewProtectedMessage& m) {
  SP_RETURN_IF_ERROR(
      InTransaction([&](Conn& c) { return InsertProtectedMessage(c, m); }));
  CountAudited(m.audit);
  return Status::Ok();
}

Result<std::optional<std::string>> PostgresStore::GetPortalCopy(
    std::string_view id) {
  std::optional<std::string> copy;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(
        PgResult r, c.Query("SELECT container FROM portal_copies WHERE id = $1",
                            PgParams().Text(id)));
    if (r.rows() == 0) return Status::Ok();
    copy = r.Blob(0, 0);
    if (copy->empty()) {
      // In chunks (postgres_bodies.cc): a container is never empty.
      SP_ASSIGN_OR_RETURN(*copy, ReadBody(c, BodyKind::kPortal, id));
    }
    return Status::Ok();
  }));
  return copy;
}

Status PostgresStore::PutOtp(const OtpRecord& o) {
  // Expired codes go as new ones arrive (a stranger's decoy is a row too,
  // for any address anyone types), so the table stays small.
  SP_RETURN_IF_ERROR(Run("DELETE FROM portal_otps WHERE expires_at <= $1",
                         PgParams().Int(clock_.NowUnix())));
  return Run(
      "INSERT INTO portal_otps (" + std::string(kOtpColumns) +
          ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT "
          "(message_id, email) DO UPDATE SET code_hash = "
          "excluded.code_hash, reference = excluded.reference, created_at = "
          "excluded.created_at, expires_at = excluded.expires_at, failures "
          "= excluded.failures, used = excluded.used",
      PgParams::Of(o.message_id, o.email, o.code_hash, o.reference,
                   o.created_at, o.expires_at, o.failures, o.used ? 1 : 0));
}

Result<std::optional<OtpRecord>> PostgresStore::GetOtp(
    std::string_view message_id, std::string_view email) {
  return SelectFirst(
      SelectFrom(kOtpColumns,
                 "portal_otps WHERE message_id = $1 AND email = $2"),
      PgParams().Text(message_id).Text(email), internal::ReadOtp<PgRow>);
}

Result<std::optional<OtpRecord>> PostgresStore::TakeOtpTry(
    std::string_view message_id, std::string_view email, int max_tries,
    int64_t now) {
  // One statement: the row lock taken by UPDATE makes parallel tries (on
  // any node) count one after the other, and the WHERE is checked again on
  // the row each one sees.
  return SelectFirst(
      "UPDATE portal_otps SET failures = failures + 1 WHERE message_id = $1 "
      "AND email = $2 AND used = 0 AND expires_at > $3 AND failures < $4 "
      "RETURNING " +
          std::string(kOtpColumns),
      PgParams::Of(message_id, email, now, max_tries),
      internal::ReadOtp<PgRow>);
}

Result<bool> PostgresStore::ConsumeOtp(std::string_view message_id,
                                       std::string_view email,
                                       std::string_view code_hash) {
  return RunChangedOne(
      "UPDATE portal_otps SET used = 1 WHERE message_id = $1 AND email = $2 "
      "AND code_hash = $3 AND used = 0",
      PgParams::Of(message_id, email, code_hash));
}

Result<std::optional<ProtectedMessageRecord>>
PostgresStore::GetProtectedMessage(std::string_view id) {
  return SelectFirst(
      SelectFrom(kProtectedMessageColumns, "protected_messages WHERE id = $1"),
      PgParams().Text(id), internal::ReadProtectedMessage<PgRow>);
}

Result<std::vector<ProtectedMessageRecord>>
PostgresStore::ListProtectedMessages(std::string_view owner, int limit) {
  return SelectAll(
      SelectFrom(kProtectedMessageColumns,
                 "protected_messages WHERE ($1::text = '' OR owner = $1) "
                 "ORDER BY created_at DESC, id COLLATE \"C\" LIMIT $2"),
      PgParams().Text(owner).Int(limit), internal::ReadProtectedMessage<PgRow>);
}

Result<std::vector<ProtectedMessageRecord>>
PostgresStore::QueryProtectedMessages(const ProtectedMessageQuery& q) {
  // The SQLite statement (sqlite_rights.cc) in PostgreSQL's words: each
  // filter is off when its parameter is empty or 0; ids compare byte-wise
  // (COLLATE "C") as SQLite's do.
  std::string recipient;
  for (char ch : q.recipient) {
    recipient += static_cast<char>(
        ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);  // ASCII, as stored
  }
  return SelectAll(
      SelectFrom(
          kProtectedMessageColumns,
          "protected_messages WHERE ($1::text = '' OR owner = $1)"
          " AND ($2::text = '' OR ($2 = 'revoked' AND revoked_at <> 0)"
          " OR ($2 = 'active' AND revoked_at = 0 AND (expires_at = 0 OR"
          " expires_at > $3::bigint))"
          " OR ($2 = 'expired' AND revoked_at = 0 AND expires_at <> 0"
          " AND expires_at <= $3::bigint))"
          " AND created_at >= $4::bigint"
          " AND ($5::text = '' OR strpos(lower(recipients_json), $5) > 0)"
          " AND ($7::text = '' OR created_at < $6::bigint OR"
          " (created_at = $6::bigint AND id COLLATE \"C\" < $7))"
          " AND ($8::int = 0 OR substr(id, 1, 6) <> 'probe-')"
          " AND created_at < $10::bigint"
          " AND ($11::int = 0 OR parent_id = '' OR writer = owner)"
          " ORDER BY created_at DESC, id COLLATE \"C\" DESC LIMIT $9"),
      PgParams::Of(q.owner, q.state, q.now, q.since, recipient,
                   q.before_created_at, q.before_id, q.skip_probes ? 1 : 0,
                   q.limit, q.until > 0 ? q.until : INT64_MAX,
                   q.skip_children ? 1 : 0),
      internal::ReadProtectedMessage<PgRow>);
}

Status PostgresStore::PutSession(const SessionRecord& s) {
  return With([&](Conn& c) -> Status {
    // Expired sessions go as new ones arrive, so the table stays small.
    SP_RETURN_IF_ERROR(c.Run("DELETE FROM sessions WHERE expires_at <= $1",
                             PgParams().Int(clock_.NowUnix())));
    return c.Run(
        "INSERT INTO sessions (token_hash, email, kind, created_at, "
        "expires_at, epoch) VALUES ($1, $2, $3, $4, $5, $6)",
        PgParams::Of(s.token_hash, s.email, s.kind, s.created_at, s.expires_at,
                     s.epoch));
  });
}

Result<std::optional<SessionRecord>> PostgresStore::GetSession(
    std::string_view token_hash) {
  return SelectFirst(
      SelectFrom(internal::kSessionColumns, "sessions WHERE token_hash = $1"),
      PgParams().Text(token_hash), internal::ReadSession<PgRow>);
}

// A session ended here must not keep reading pages cached on another node.
Status PostgresStore::DeleteSession(std::string_view token_hash) {
  // One statement: the session and its PIN passes go together.
  return RunAndNotify(
      "sessions",
      "WITH pins AS (DELETE FROM pin_passes WHERE session_hash = $1) "
      "DELETE FROM sessions WHERE token_hash = $1",
      PgParams().Text(token_hash));
}

Status PostgresStore::DeleteSessionsOf(std::string_view email) {
  return RunAndNotify(
      "sessions",
      "WITH gone AS (DELETE FROM sessions WHERE email = $1 RETURNING "
      "token_hash) DELETE FROM pin_passes WHERE session_hash IN (SELECT "
      "token_hash FROM gone)",
      PgParams().Text(email));
}

Status PostgresStore::PutPinPass(std::string_view session_hash,
                                 std::string_view message_id, int64_t until) {
  return With([&](Conn& c) -> Status {
    // Expired passes go as new ones arrive, so the table stays small.
    SP_RETURN_IF_ERROR(c.Run("DELETE FROM pin_passes WHERE until <= $1",
                             PgParams().Int(clock_.NowUnix())));
    return c.Run(
        "INSERT INTO pin_passes (session_hash, message_id, until) VALUES "
        "($1, $2, $3) ON CONFLICT (session_hash, message_id) DO UPDATE SET "
        "until = excluded.until",
        PgParams().Text(session_hash).Text(message_id).Int(until));
  });
}

Result<bool> PostgresStore::HasPinPass(std::string_view session_hash,
                                       std::string_view message_id,
                                       int64_t now) {
  SP_ASSIGN_OR_RETURN(
      int64_t n,
      SelectInt("SELECT COUNT(*) FROM pin_passes p JOIN sessions s ON "
                "s.token_hash = p.session_hash WHERE p.session_hash = $1 AND "
                "p.message_id = $2 AND p.until > $3 AND s.expires_at > $3",
                PgParams().Text(session_hash).Text(message_id).Int(now)));
  return n > 0;
}

}  // namespace sealpost::store
