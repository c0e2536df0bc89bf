// SqliteStore: org keys, protected messages and sessions.
#include <sqlite3.h>

#include "base/strings.h"
#include "store/record_rows.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store {

using internal::Bytes;
using internal::kOtpColumns;
using internal::kProtectedMessageColumns;
using internal::RunStmt;
using internal::SelectFrom;
using internal::SqliteError;
using internal::Stmt;

namespace {

constexpr std::string_view kMessageValues =
    "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

// Binds the kProtectedMessageColumns of `m`, in order, to parameters 1..15.
void BindMessage(Stmt& s, const ProtectedMessageRecord& m, int64_t now) {
  s.BindAll(m.id, m.owner, m.template_id, m.recipients_json, m.grants_json,
            m.created_at ? m.created_at : now, m.expires_at, m.revoked_at,
            m.revoked_by, m.branding, m.parent_id)
      .BindBlobOrNull(12, m.subject_sealed)
      .BindBlobOrNull(13, m.pin_sealed)
      .Bind(14, m.writer)
      .Bind(15, m.expiry_by);
}

}  // namespace

Status SqliteStore::AddOrgKey(const OrgKeyRecord& key) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_, "UPDATE org_keys SET is_primary = 0 WHERE kind = ?", key.kind));
    return RunStmt(stmts_,
                   "INSERT INTO org_keys (kind, version, wrapped, is_primary, "
                   "created_at) VALUES (?, ?, ?, 1, ?)",
                   key.kind, key.version, Bytes{key.wrapped},
                   key.created_at ? key.created_at : clock_.NowUnix());
  });
}

Result<std::vector<OrgKeyRecord>> SqliteStore::ListOrgKeys(
    std::string_view kind) {
  return SelectAll("listing org keys",
                   SelectFrom(internal::kOrgKeyColumns,
                              "org_keys WHERE kind = ? ORDER BY version"),
                   internal::ReadOrgKey<Stmt>, kind);
}

Status SqliteStore::UpdateProtectedMessage(const ProtectedMessageRecord& m) {
  MutexLock lock(&mu_);
  Stmt s(stmts_, internal::kProtectedMessageUpdate);
  s.BindAll(m.id, m.grants_json, m.expires_at, m.expiry_by, m.revoked_at,
            m.revoked_by);
  return s.RunOrNotFound("no protected message " + m.id);
}

Status SqliteStore::InsertProtectedMessage(const NewProtectedMessage& m,
                                           internal::BodyFileChanges* changes) {
  // Made of a message shredded since (a forward sent as it was shredded):
  // not kept. The writer's transaction orders this after any shred.
  if (const std::string& parent = m.record.parent_id; !parent.empty()) {
    Stmt p(stmts_, "SELECT COUNT(*) FROM protected_messages WHERE id = ?");
    p.Bind(1, parent);
    SP_ASSIGN_OR_RETURN(int64_t there, p.Count("reading the original"));
    if (there == 0) {
      return NotFoundError("no protected message " + parent +
                           " (shredded): nothing is made of it");
    }
  }
  Stmt s(stmts_, "INSERT INTO protected_messages (" +
                     std::string(kProtectedMessageColumns) + ") VALUES " +
                     std::string(kMessageValues));
  BindMessage(s, m.record, clock_.NowUnix());
  SP_RETURN_IF_ERROR(s.Run());
  if (!m.portal_copy.empty() || m.portal_copy_staged) {
    // A large copy goes to its file before the row (an empty container).
    const bool in_file =
        m.portal_copy_staged || bodies_.Wants(m.portal_copy.size());
    if (m.portal_copy_staged) {
      changes->written.emplace_back(internal::BodyKind::kPortal, m.record.id);
    } else if (in_file) {
      SP_RETURN_IF_ERROR(bodies_.Write(internal::BodyKind::kPortal, m.record.id,
                                       m.portal_copy));
      changes->written.emplace_back(internal::BodyKind::kPortal, m.record.id);
    }
    Stmt c(stmts_,
           "INSERT INTO portal_copies (id, container, created_at) VALUES "
           "(?, ?, ?)");
    c.Bind(1, m.record.id)
        .BindBlobNoCopy(2, in_file ? internal::kEmptyBody : m.portal_copy)
        .Bind(3, clock_.NowUnix());
    SP_RETURN_IF_ERROR(c.Run());
  }
  if (!m.index_terms.empty()) {
    SP_RETURN_IF_ERROR(InsertSearchTerms(m.record.id, m.index_terms));
  }
  return InsertAudit(m.audit);
}

Status SqliteStore::AddProtectedMessage(const NewProtectedMessage& m) {
  MutexLock lock(&mu_);
  SP_RETURN_IF_ERROR(InTransactionWithFiles(
      [&](internal::BodyFileChanges* changes)
          SP_REQUIRES(mu_) { return InsertProtectedMessage(m, changes); }));
  CountAudited(m.audit);
  return Status::Ok();
}

Result<std::optional<std::string>> SqliteStore::GetPortalCopy(
    std::string_view id) {
  internal::ReaderLease reader(*readers_);
  Stmt s(reader.stmts(), "SELECT container FROM portal_copies WHERE id = ?");
  s.Bind(1, id);
  SP_ASSIGN_OR_RETURN(
      std::optional<std::string> copy,
      s.First("reading portal copy", [](const Stmt& s) { return s.Blob(0); }));
  if (copy && copy->empty() && bodies_.enabled()) {
    // Its body file (body_files.h): a container is never empty.
    SP_ASSIGN_OR_RETURN(*copy, bodies_.Read(internal::BodyKind::kPortal, id));
  }
  return copy;
}

Status SqliteStore::PutOtp(const OtpRecord& o) {
  // Expired codes go as new ones arrive (a stranger's decoy is a row too,
  // for any address anyone types), so the table stays small.
  SP_RETURN_IF_ERROR(
      Run("DELETE FROM portal_otps WHERE expires_at <= ?", clock_.NowUnix()));
  return Run("INSERT INTO portal_otps (" + std::string(kOtpColumns) +
                 ") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id, "
                 "email) DO UPDATE SET code_hash = excluded.code_hash, "
                 "reference = excluded.reference, created_at = "
                 "excluded.created_at, expires_at = excluded.expires_at, "
                 "failures = excluded.failures, used = excluded.used",
             o.message_id, o.email, o.code_hash, o.reference, o.created_at,
             o.expires_at, o.failures, o.used);
}

Result<std::optional<OtpRecord>> SqliteStore::GetOtp(
    std::string_view message_id, std::string_view email) {
  return SelectFirst(
      "reading one-time passcode",
      SelectFrom(kOtpColumns, "portal_otps WHERE message_id = ? AND email = ?"),
      internal::ReadOtp<Stmt>, message_id, email);
}

Result<std::optional<OtpRecord>> SqliteStore::TakeOtpTry(
    std::string_view message_id, std::string_view email, int max_tries,
    int64_t now) {
  // One statement: the check and the count cannot be split by another try.
  return RunReturning(
      "counting a passcode try",
      "UPDATE portal_otps SET failures = failures + 1 WHERE message_id = ? AND "
      "email = ? AND used = 0 AND expires_at > ? AND failures < ? RETURNING " +
          std::string(kOtpColumns),
      internal::ReadOtp<Stmt>, message_id, email, now, int64_t{max_tries});
}

Result<bool> SqliteStore::ConsumeOtp(std::string_view message_id,
                                     std::string_view email,
                                     std::string_view code_hash) {
  return RunChangedOne(
      "UPDATE portal_otps SET used = 1 WHERE message_id = ? AND email = ? AND "
      "code_hash = ? AND used = 0",
      message_id, email, code_hash);
}

Result<std::optional<ProtectedMessageRecord>> SqliteStore::GetProtectedMessage(
    std::string_view id) {
  internal::ReaderLease reader(*readers_);
  static const std::string kSql =
      SelectFrom(kProtectedMessageColumns, "protected_messages WHERE id = ?");
  Stmt s(reader.stmts(), kSql);
  s.Bind(1, id);
  return s.First("reading protected message",
                 internal::ReadProtectedMessage<Stmt>);
}

Result<std::vector<ProtectedMessageRecord>> SqliteStore::ListProtectedMessages(
    std::string_view owner, int limit) {
  return SelectAll("listing messages",
                   SelectFrom(kProtectedMessageColumns,
                              "protected_messages WHERE (?1 = '' OR owner = "
                              "?1) ORDER BY created_at DESC, id LIMIT ?2"),
                   internal::ReadProtectedMessage<Stmt>, owner, limit);
}

Result<std::vector<ProtectedMessageRecord>> SqliteStore::QueryProtectedMessages(
    const ProtectedMessageQuery& q) {
  // One statement for every combination (cached once): each filter is off
  // when its parameter is empty or 0. The keyset condition and the order
  // follow the (owner, created_at, id) and (created_at, id) indexes. Both
  // created_at bounds are always set (0, and past every time when there is
  // no `until`), so they bound the index range: "?10 = 0 OR ..." would not.
  //
  // A sender's own list (the portal's /sent) says "owner = ?1" outright:
  // SQLite plans "(?1 = '' OR owner = ?1)" on the created_at index and
  // filters the owner row by row, so a sender among many would walk every
  // other sender's messages back to their own.
  MutexLock lock(&mu_);
  Stmt s(stmts_,
         SelectFrom(kProtectedMessageColumns, "protected_messages WHERE ") +
             (q.owner.empty() ? "?1 = ''" : "owner = ?1") +
             " AND (?2 = '' OR (?2 = 'revoked' AND revoked_at <> 0)"
             " OR (?2 = 'active' AND revoked_at = 0 AND (expires_at = 0 OR"
             " expires_at > ?3))"
             " OR (?2 = 'expired' AND revoked_at = 0 AND expires_at <> 0 AND"
             " expires_at <= ?3))"
             " AND created_at >= ?4"
             " AND (?5 = '' OR instr(lower(recipients_json), ?5) > 0)"
             " AND (?7 = '' OR created_at < ?6 OR (created_at = ?6 AND"
             " id < ?7))"
             " AND (?8 = 0 OR substr(id, 1, 6) <> 'probe-')"
             " AND created_at < ?10"
             " AND (?11 = 0 OR parent_id = '' OR writer = owner)"
             " ORDER BY created_at DESC, id DESC LIMIT ?9");
  SP_RETURN_IF_ERROR(s.status());
  const std::string recipient = AsciiLower(q.recipient);  // as stored
  s.BindAll(q.owner, q.state, q.now, q.since, recipient, q.before_created_at,
            q.before_id, q.skip_probes, q.limit,
            q.until > 0 ? q.until : INT64_MAX, q.skip_children);
  return s.All("listing messages", internal::ReadProtectedMessage<Stmt>);
}

Status SqliteStore::PutSession(const SessionRecord& r) {
  MutexLock lock(&mu_);
  // Expired sessions go as new ones arrive, so the table stays small.
  SP_RETURN_IF_ERROR(RunStmt(
      stmts_, "DELETE FROM sessions WHERE expires_at <= ?", clock_.NowUnix()));
  return RunStmt(stmts_,
                 "INSERT INTO sessions (token_hash, email, kind, created_at, "
                 "expires_at, epoch) VALUES (?, ?, ?, ?, ?, ?)",
                 r.token_hash, r.email, r.kind, r.created_at, r.expires_at,
                 r.epoch);
}

Result<std::optional<SessionRecord>> SqliteStore::GetSession(
    std::string_view token_hash) {
  internal::ReaderLease reader(*readers_);
  static const std::string kSql =
      SelectFrom(internal::kSessionColumns, "sessions WHERE token_hash = ?");
  Stmt s(reader.stmts(), kSql);
  s.Bind(1, token_hash);
  return s.First("reading session", internal::ReadSession<Stmt>);
}

Status SqliteStore::DeleteSession(std::string_view token_hash) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_, "DELETE FROM pin_passes WHERE session_hash = ?", token_hash));
    return RunStmt(stmts_, "DELETE FROM sessions WHERE token_hash = ?",
                   token_hash);
  });
}

Status SqliteStore::DeleteSessionsOf(std::string_view email) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(
        RunStmt(stmts_,
                "DELETE FROM pin_passes WHERE session_hash IN (SELECT "
                "token_hash FROM sessions WHERE email = ?)",
                email));
    return RunStmt(stmts_, "DELETE FROM sessions WHERE email = ?", email);
  });
}

Status SqliteStore::PutPinPass(std::string_view session_hash,
                               std::string_view message_id, int64_t until) {
  return WriteTransaction([&]() SP_REQUIRES(mu_) -> Status {
    SP_RETURN_IF_ERROR(RunStmt(
        stmts_, "DELETE FROM pin_passes WHERE until <= ?", clock_.NowUnix()));
    return RunStmt(
        stmts_,
        "INSERT INTO pin_passes (session_hash, message_id, until) VALUES "
        "(?, ?, ?) ON CONFLICT (session_hash, message_id) DO UPDATE SET "
        "until = excluded.until",
        session_hash, message_id, until);
  });
}

Result<bool> SqliteStore::HasPinPass(std::string_view session_hash,
                                     std::string_view message_id, int64_t now) {
  // On the read connection, as every other lookup of a message page: the
  // page may be made on an I/O thread, which must not wait for a commit.
  internal::ReaderLease reader(*readers_);
  Stmt s(reader.stmts(),
         "SELECT COUNT(*) FROM pin_passes p JOIN sessions s ON s.token_hash "
         "= p.session_hash WHERE p.session_hash = ? AND p.message_id = ? AND "
         "p.until > ? AND s.expires_at > ?");
  s.Bind(1, session_hash).Bind(2, message_id).Bind(3, now).Bind(4, now);
  if (s.Step() != SQLITE_ROW) {
    return SqliteError(reader.db(), "reading a PIN pass");
  }
  return s.Int(0) > 0;
}

}  // namespace sealpost::store
