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

#include <string_view>

#include "store/bytes.h"
#include "store/queue_records.h"
#include "store/rights_records.h"
#include "store/signin_records.h"
#include "store/smime_store.h"

namespace sealpost::store::internal {

inline constexpr std::string_view kProtectedMessageColumns =
    "id, owner, template_id, recipients_json, grants_json, created_at, "
    "expires_at, revoked_at, revoked_by, branding, parent_id, subject_sealed, "
    "pin_sealed";

template <typename Row>
ProtectedMessageRecord ReadProtectedMessage(const Row& row) {
  ProtectedMessageRecord m;
  row.ReadInto(m.id, m.owner, m.template_id, m.recipients_json, m.grants_json,
               m.created_at, m.expires_at, m.revoked_at, m.revoked_by,
               m.branding, m.parent_id, Bytes{m.subject_sealed},
               Bytes{m.pin_sealed});
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
    "email, password_hash, display_name, created_at, disabled";

template <typename Row>
UserRecord ReadUser(const Row& row) {
  UserRecord u;
  row.ReadInto(u.email, u.password_hash, u.display_name, u.created_at,
               u.disabled);
  return u;
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

inline constexpr std::string_view kTlsPolicyColumns =
    "domain, policy, ca_file, updated_at";

template <typename Row>
TlsPolicyRecord ReadTlsPolicy(const Row& row) {
  TlsPolicyRecord p;
  row.ReadInto(p.domain, p.policy, p.ca_file, p.updated_at);
  return p;
}

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_RECORD_ROWS_H_
