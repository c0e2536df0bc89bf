// The records both engines read whole: each one's columns and the one
// function that reads a row of them, written once for SQLite and
// PostgreSQL (their schema is the same, store/migrations.cc). A reader takes
// either engine's row, internal::Stmt or internal::PgRow, whose ReadInto
// reads the columns in order (text into strings, integers, Bytes{field} as a
// BLOB or bytea; bytes.h), so the column list and the fields are named once,
// in the same order.
//
// Thread-safety: constants and functions without state.
#ifndef SEALPOST_STORE_RECORD_ROWS_H_
#define SEALPOST_STORE_RECORD_ROWS_H_

#include <algorithm>
#include <string>
#include <string_view>

#include "store/bytes.h"
#include "store/journal_store.h"
#include "store/queue_records.h"
#include "store/rights_records.h"
#include "store/signin_records.h"
#include "store/smime_store.h"

namespace sealpost::store::internal {

// "SELECT `columns` FROM `from`": a query for whole records, `columns` one
// of the lists below and `from` the table and the rest of the statement.
inline std::string SelectFrom(std::string_view columns, std::string_view from) {
  std::string sql = "SELECT ";
  sql.append(columns).append(" FROM ").append(from);
  return sql;
}

// A row of one text column (a list of ids or addresses).
template <typename Row>
std::string ReadText(const Row& row) {
  std::string text;
  row.ReadInto(text);
  return text;
}

// A statement both engines run, written with SQLite's ?N parameters and
// no other '?', in PostgreSQL's $N.
inline std::string ForPostgres(std::string_view sql) {
  std::string out(sql);
  std::replace(out.begin(), out.end(), '?', '$');
  return out;
}

inline constexpr std::string_view kOrgKeyColumns =
    "kind, version, wrapped, is_primary, created_at";

template <typename Row>
OrgKeyRecord ReadOrgKey(const Row& row) {
  OrgKeyRecord k;
  row.ReadInto(k.kind, k.version, Bytes{k.wrapped}, k.is_primary, k.created_at);
  return k;
}

inline constexpr std::string_view kProtectedMessageColumns =
    "id, owner, template_id, recipients_json, grants_json, created_at, "
    "expires_at, revoked_at, revoked_by, branding, parent_id, subject_sealed, "
    "pin_sealed, writer, expiry_by";

// The change of a protected message that exists (its grants, expiry and
// revocation), parameters ?1 to ?6 (ForPostgres): id, grants_json,
// expires_at, expiry_by, revoked_at, revoked_by. An UPDATE, never an
// insert: a record shredded since it was read stays gone (0 rows: the
// caller's NOT_FOUND; was an upsert, which wrote a shredded record back,
// and its key was released again). It never takes back a revocation: a
// write of a record read before another's revocation (a new expiry set at
// the same moment) keeps it. A write that is not an admin's keeps an
// admin's expiry (the sender's racing an admin's on another node, or a
// record read before it) and never lifts or extends the policy's; either
// stays marked as it was (kAdminExpiry, kPolicyExpiry).
inline constexpr std::string_view kProtectedMessageUpdate =
    "UPDATE protected_messages SET grants_json = ?2, "
    "expires_at = CASE WHEN ?4 <> 'admin' AND (expiry_by = 'admin' OR "
    "(expiry_by = 'policy' AND (CAST(?3 AS BIGINT) = 0 OR CAST(?3 AS BIGINT) "
    "> expires_at))) THEN expires_at ELSE CAST(?3 AS BIGINT) END, "
    "expiry_by = CASE WHEN ?4 <> 'admin' AND expiry_by IN ('admin', "
    "'policy') THEN expiry_by ELSE ?4 END, "
    "revoked_at = CASE WHEN revoked_at <> 0 THEN revoked_at ELSE "
    "CAST(?5 AS BIGINT) END, "
    "revoked_by = CASE WHEN revoked_at <> 0 THEN revoked_by ELSE ?6 END "
    "WHERE id = ?1";

// The ids of a protected message (parameter 1) and of every record made of
// it (ProtectedMessageRecord::parent_id: a forward, a forward of that, an
// attachment's sealed copy); none when it is not there. UNION, so a cycle
// in bad data ends. Parameters as kProtectedMessageUpdate's.
inline constexpr std::string_view kProtectedFamily =
    "WITH RECURSIVE family (id) AS (SELECT id FROM protected_messages WHERE "
    "id = ?1 UNION SELECT m.id FROM family f JOIN protected_messages m ON "
    "m.parent_id = f.id WHERE m.parent_id <> '') SELECT id FROM family";

// What a shred deletes of each record besides its index terms and a large
// copy's body (SearchStore::ShredProtectedMessage); ?1 is its id.
inline constexpr std::string_view kShreddedRows[] = {
    "DELETE FROM protected_messages WHERE id = ?1",
    "DELETE FROM portal_copies WHERE id = ?1",
    "DELETE FROM portal_otps WHERE message_id = ?1",
    "DELETE FROM pin_passes WHERE message_id = ?1"};

template <typename Row>
ProtectedMessageRecord ReadProtectedMessage(const Row& row) {
  ProtectedMessageRecord m;
  row.ReadInto(m.id, m.owner, m.template_id, m.recipients_json, m.grants_json,
               m.created_at, m.expires_at, m.revoked_at, m.revoked_by,
               m.branding, m.parent_id, Bytes{m.subject_sealed},
               Bytes{m.pin_sealed}, m.writer, m.expiry_by);
  return m;
}

inline constexpr std::string_view kOtpColumns =
    "message_id, email, code_hash, reference, created_at, expires_at, "
    "failures, used";

template <typename Row>
OtpRecord ReadOtp(const Row& row) {
  OtpRecord o;
  row.ReadInto(o.message_id, o.email, o.code_hash, o.reference, o.created_at,
               o.expires_at, o.failures, o.used);
  return o;
}

inline constexpr std::string_view kUserColumns =
    "email, password_hash, display_name, created_at, disabled, epoch";

template <typename Row>
UserRecord ReadUser(const Row& row) {
  UserRecord u;
  row.ReadInto(u.email, u.password_hash, u.display_name, u.created_at,
               u.disabled, u.epoch);
  return u;
}

inline constexpr std::string_view kSessionColumns =
    "token_hash, email, kind, created_at, expires_at, epoch";

template <typename Row>
SessionRecord ReadSession(const Row& row) {
  SessionRecord s;
  row.ReadInto(s.token_hash, s.email, s.kind, s.created_at, s.expires_at,
               s.epoch);
  return s;
}

inline constexpr std::string_view kPendingSignInColumns =
    "state_hash, browser, data, created_at";

template <typename Row>
PendingSignInRecord ReadPendingSignIn(const Row& row) {
  PendingSignInRecord r;
  row.ReadInto(r.state_hash, r.browser, r.data, r.created_at);
  return r;
}

inline constexpr std::string_view kSecondFactorColumns =
    "email, secret_sealed, enrolled_at, last_step";

template <typename Row>
SecondFactorRecord ReadSecondFactor(const Row& row) {
  SecondFactorRecord f;
  row.ReadInto(f.email, Bytes{f.secret_sealed}, f.enrolled_at, f.last_step);
  return f;
}

// In a query that names smime_certs "c".
inline constexpr std::string_view kCertColumns =
    "c.id, c.kind, c.der, c.subject, c.issuer, c.serial, c.not_before, "
    "c.not_after, c.wrapped_key, c.source, c.created_at";

template <typename Row>
SmimeCertRecord ReadCert(const Row& row) {
  SmimeCertRecord c;
  row.ReadInto(c.id, c.kind, Bytes{c.der}, c.subject, c.issuer, c.serial,
               c.not_before, c.not_after, Bytes{c.wrapped_key}, c.source,
               c.created_at);
  return c;
}

inline constexpr std::string_view kSmimeCrlColumns =
    "issuer, der, this_update, next_update, created_at, crl_number, "
    "fetched_at";

template <typename Row>
SmimeCrlRecord ReadSmimeCrl(const Row& row) {
  SmimeCrlRecord crl;
  row.ReadInto(crl.issuer, Bytes{crl.der}, crl.this_update, crl.next_update,
               crl.created_at, crl.number, crl.fetched_at);
  return crl;
}

inline constexpr std::string_view kSmimeRefusedColumns = "id, der, refused_at";

template <typename Row>
SmimeRefusedRecord ReadSmimeRefused(const Row& row) {
  SmimeRefusedRecord r;
  row.ReadInto(r.id, Bytes{r.der}, r.refused_at);
  return r;
}

inline constexpr std::string_view kJournalRuleColumns =
    "id, name, scope, recipient, journal_address, enabled, created_at";

template <typename Row>
JournalRuleRecord ReadJournalRule(const Row& row) {
  JournalRuleRecord j;
  row.ReadInto(j.id, j.name, j.scope, j.recipient, j.journal_address, j.enabled,
               j.created_at);
  return j;
}

// Without the content, which a caller asks for on its own.
inline constexpr std::string_view kQueuedMessageColumns =
    "id, received_ms, mail_from, envelope_json, header_message_id, size, "
    "state, lease_node, lease_until_ms";

template <typename Row>
QueuedMessage ReadQueuedMessage(const Row& row) {
  QueuedMessage m;
  row.ReadInto(m.id, m.received_ms, m.mail_from, m.envelope_json,
               m.header_message_id, m.size, m.state, m.lease_node,
               m.lease_until_ms);
  return m;
}

// A row of queue_deliveries, without its message_id.
inline constexpr std::string_view kQueuedRecipientColumns =
    "id, recipient, notify, orcpt, state, attempts, next_attempt_ms, "
    "last_reply";

template <typename Row>
QueuedRecipient ReadQueuedRecipient(const Row& row) {
  QueuedRecipient r;
  row.ReadInto(r.id, r.address, r.notify, r.orcpt, r.state, r.attempts,
               r.next_attempt_ms, r.last_reply);
  return r;
}

inline constexpr std::string_view kTlsPolicyColumns =
    "domain, policy, ca_file, updated_at";

template <typename Row>
TlsPolicyRecord ReadTlsPolicy(const Row& row) {
  TlsPolicyRecord p;
  row.ReadInto(p.domain, p.policy, p.ca_file, p.updated_at);
  return p;
}

inline constexpr std::string_view kQueueEventColumns =
    "id, message_id, at_ms, recipient, event, detail";

template <typename Row>
QueueEvent ReadQueueEvent(const Row& row) {
  QueueEvent e;
  row.ReadInto(e.id, e.message_id, e.at_ms, e.recipient, e.event, e.detail);
  return e;
}

inline constexpr std::string_view kNodeColumns =
    "node_id, hostname, version, started_ms, seen_ms";

template <typename Row>
NodeRecord ReadNode(const Row& row) {
  NodeRecord n;
  row.ReadInto(n.node_id, n.hostname, n.version, n.started_ms, n.seen_ms);
  return n;
}

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_RECORD_ROWS_H_
