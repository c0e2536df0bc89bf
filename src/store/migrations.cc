#include "store/migrations.h"

namespace sealpost::store {

// The schema's history in order; it only grows at its end (a migration that
// has shipped is never edited).
// Long: a table, not logic, left whole.
const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "settings, audit, users",
       R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE audit (
  id {autoid},
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_object ON audit (object, id);
CREATE TABLE users (
  email TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
)
)sql"},
      {2, "org keys",
       R"sql(
CREATE TABLE org_keys (
  kind TEXT NOT NULL,
  version INTEGER NOT NULL,
  wrapped {blob} NOT NULL,
  is_primary INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kind, version)
)
)sql"},
      {3, "protected messages, sessions",
       R"sql(
CREATE TABLE protected_messages (
  id TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  template_id TEXT NOT NULL,
  recipients_json TEXT NOT NULL,
  grants_json TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL,
  revoked_by TEXT NOT NULL
);
CREATE INDEX protected_messages_owner ON protected_messages (owner, created_at);
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
)
)sql"},
      {4, "smtp queue, deliveries, trace events, tls policies",
       R"sql(
CREATE TABLE queue_messages (
  id TEXT PRIMARY KEY,
  received_ms BIGINT NOT NULL,
  mail_from TEXT NOT NULL,
  envelope_json TEXT NOT NULL,
  header_message_id TEXT NOT NULL,
  size BIGINT NOT NULL,
  content {blob} NOT NULL,
  state TEXT NOT NULL
);
CREATE INDEX queue_messages_state ON queue_messages (state, received_ms);
CREATE TABLE queue_deliveries (
  id {autoid},
  message_id TEXT NOT NULL,
  recipient TEXT NOT NULL,
  notify INTEGER NOT NULL,
  orcpt TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_ms BIGINT NOT NULL,
  last_reply TEXT NOT NULL
);
CREATE INDEX queue_deliveries_due ON queue_deliveries (state, next_attempt_ms);
CREATE INDEX queue_deliveries_message ON queue_deliveries (message_id);
CREATE TABLE queue_events (
  id {autoid},
  message_id TEXT NOT NULL,
  at_ms BIGINT NOT NULL,
  recipient TEXT NOT NULL,
  event TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX queue_events_message ON queue_events (message_id, id);
CREATE TABLE tls_policies (
  domain TEXT PRIMARY KEY,
  policy TEXT NOT NULL,
  ca_file TEXT NOT NULL,
  updated_at BIGINT NOT NULL
)
)sql"},
      {5, "portal: message copies, branding per message, one-time passcodes",
       R"sql(
ALTER TABLE protected_messages ADD COLUMN branding TEXT NOT NULL DEFAULT '';
CREATE TABLE portal_copies (
  id TEXT PRIMARY KEY,
  container {blob} NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE portal_otps (
  message_id TEXT NOT NULL,
  email TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  reference TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  failures INTEGER NOT NULL,
  used INTEGER NOT NULL,
  PRIMARY KEY (message_id, email)
)
)sql"},
      {6, "protected messages: the message a portal forward came from",
       R"sql(
ALTER TABLE protected_messages ADD COLUMN parent_id TEXT NOT NULL DEFAULT ''
)sql"},
      {7, "s/mime certificates on file, their addresses, revocation lists",
       R"sql(
CREATE TABLE smime_certs (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  der {blob} NOT NULL,
  subject TEXT NOT NULL,
  issuer TEXT NOT NULL,
  serial TEXT NOT NULL,
  not_before BIGINT NOT NULL,
  not_after BIGINT NOT NULL,
  wrapped_key {blob} NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE smime_cert_emails (
  cert_id TEXT NOT NULL,
  email TEXT NOT NULL,
  PRIMARY KEY (cert_id, email)
);
CREATE INDEX smime_cert_emails_email ON smime_cert_emails (email);
CREATE TABLE smime_crls (
  issuer TEXT PRIMARY KEY,
  der {blob} NOT NULL,
  this_update BIGINT NOT NULL,
  next_update BIGINT NOT NULL,
  created_at BIGINT NOT NULL
)
)sql"},
      {8, "protected messages: the subject sealed for its owner, keyset paging",
       R"sql(
ALTER TABLE protected_messages ADD COLUMN subject_sealed {blob};
DROP INDEX protected_messages_owner;
CREATE INDEX protected_messages_owner ON protected_messages (owner, created_at, id);
CREATE INDEX protected_messages_created ON protected_messages (created_at, id)
)sql"},
      {9, "housekeeping: find expired messages and old portal copies",
       R"sql(
CREATE INDEX protected_messages_expiry ON protected_messages (expires_at);
CREATE INDEX portal_copies_created ON portal_copies (created_at)
)sql"},
      {10, "journal rules",
       R"sql(
CREATE TABLE journal_rules (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  name_key TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL,
  recipient TEXT NOT NULL,
  journal_address TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at BIGINT NOT NULL
)
)sql"},
      {11, "queue: a lease per message, for several nodes on one queue",
       R"sql(
ALTER TABLE queue_messages ADD COLUMN lease_node TEXT NOT NULL DEFAULT '';
ALTER TABLE queue_messages ADD COLUMN lease_until_ms BIGINT NOT NULL DEFAULT 0
)sql"},
      {12, "nodes: a heartbeat per gateway node, queue depth by lease holder",
       R"sql(
CREATE TABLE nodes (
  node_id TEXT PRIMARY KEY,
  hostname TEXT NOT NULL,
  version TEXT NOT NULL,
  started_ms BIGINT NOT NULL,
  seen_ms BIGINT NOT NULL
);
CREATE INDEX queue_messages_lease ON queue_messages (lease_node)
)sql"},
      {13, "audit: device kind and sign-in of an open; dashboard counts",
       R"sql(
ALTER TABLE audit ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE audit ADD COLUMN sign_in TEXT NOT NULL DEFAULT '';
CREATE INDEX audit_action_at ON audit (action, at, result);
CREATE INDEX queue_events_event ON queue_events (event, at_ms)
)sql"},
      {14, "portal second factor: readers' authenticator apps, message PINs",
       R"sql(
CREATE TABLE second_factors (
  email TEXT PRIMARY KEY,
  secret_sealed {blob} NOT NULL,
  enrolled_at BIGINT NOT NULL,
  last_step BIGINT NOT NULL
);
ALTER TABLE protected_messages ADD COLUMN pin_sealed {blob}
)sql"},
      {15, "portal sign-in state shared by the nodes: rate limits, oidc",
       R"sql(
CREATE TABLE rate_events (
  key TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX rate_events_key ON rate_events (key, at);
CREATE INDEX rate_events_at ON rate_events (at);
CREATE TABLE pending_sign_ins (
  id {autoid},
  state_hash TEXT NOT NULL UNIQUE,
  browser TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX pending_sign_ins_browser ON pending_sign_ins (browser, id);
CREATE INDEX pending_sign_ins_created ON pending_sign_ins (created_at)
)sql"},
      {16, "ediscovery: the blind index (keyed term hashes, their postings)",
       R"sql(
CREATE TABLE search_docs (
  doc {autoid},
  message_id TEXT NOT NULL UNIQUE,
  terms {blob} NOT NULL
);
CREATE TABLE search_postings (
  term BIGINT NOT NULL,
  doc BIGINT NOT NULL,
  PRIMARY KEY (term, doc)
){without_rowid}
)sql"},
      {17, "portal PIN passes in the store, shared by the nodes",
       R"sql(
CREATE TABLE pin_passes (
  session_hash TEXT NOT NULL,
  message_id TEXT NOT NULL,
  until BIGINT NOT NULL,
  PRIMARY KEY (session_hash, message_id)
);
CREATE INDEX pin_passes_until ON pin_passes (until)
)sql"},
      {20,
       "ediscovery: postings merged per term in segments, off the mail path",
       R"sql(
DROP TABLE search_postings;
CREATE TABLE search_pending (
  doc BIGINT PRIMARY KEY
){without_rowid};
CREATE TABLE search_batches (
  batch BIGINT PRIMARY KEY,
  last_doc BIGINT NOT NULL
){without_rowid};
CREATE TABLE search_segments (
  batch BIGINT NOT NULL,
  term BIGINT NOT NULL,
  docs {blob} NOT NULL,
  PRIMARY KEY (batch, term)
){without_rowid};
INSERT INTO search_pending (doc) SELECT doc FROM search_docs
)sql"},
      // PostgreSQL only: SQLite keeps these bodies as files beside the
      // database (sqlite/body_files.h). Bodies of 256 KiB or more already
      // in rows move into chunks here, in the migration's transaction.
      {21, "postgres: large bodies in chunks of 1 MiB, read a chunk at a time",
       R"sql(
CREATE TABLE bodies (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  size BIGINT NOT NULL,
  chunk_bytes INTEGER NOT NULL,
  chunks INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kind, id)
);
CREATE INDEX bodies_created ON bodies (created_at);
CREATE TABLE body_chunks (
  kind TEXT NOT NULL,
  id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  data BYTEA NOT NULL,
  PRIMARY KEY (kind, id, seq),
  FOREIGN KEY (kind, id) REFERENCES bodies (kind, id) ON DELETE CASCADE
);
ALTER TABLE body_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
INSERT INTO bodies (kind, id, size, chunk_bytes, chunks, created_at)
  SELECT 'q', id, length(content), 1048576, (length(content) + 1048575) / 1048576,
         extract(epoch FROM now())::bigint
  FROM queue_messages WHERE state = 'queued' AND length(content) >= 262144;
INSERT INTO bodies (kind, id, size, chunk_bytes, chunks, created_at)
  SELECT 'p', id, length(container), 1048576,
         (length(container) + 1048575) / 1048576, created_at
  FROM portal_copies WHERE length(container) >= 262144;
INSERT INTO body_chunks (kind, id, seq, data)
  SELECT 'q', m.id, s.seq, substring(m.content FROM s.seq * 1048576 + 1 FOR 1048576)
  FROM queue_messages m JOIN bodies b ON b.kind = 'q' AND b.id = m.id
  CROSS JOIN LATERAL generate_series(0, b.chunks - 1) AS s(seq);
INSERT INTO body_chunks (kind, id, seq, data)
  SELECT 'p', c.id, s.seq, substring(c.container FROM s.seq * 1048576 + 1 FOR 1048576)
  FROM portal_copies c JOIN bodies b ON b.kind = 'p' AND b.id = c.id
  CROSS JOIN LATERAL generate_series(0, b.chunks - 1) AS s(seq);
UPDATE queue_messages SET content = ''::bytea
  WHERE id IN (SELECT id FROM bodies WHERE kind = 'q');
UPDATE portal_copies SET container = ''::bytea
  WHERE id IN (SELECT id FROM bodies WHERE kind = 'p')
)sql",
       /*postgres_only=*/true},
      // Rows from before cannot tell a fetched CRL from an imported one:
      // they count as fetched when stored, so that they are fetched again
      // after a day rather than trusted until their nextUpdate (a fetch
      // replaces one only with a newer CRL).
      {22, "s/mime CRLs: their CRL Number, and when one was fetched",
       R"sql(
ALTER TABLE smime_crls ADD COLUMN crl_number TEXT NOT NULL DEFAULT '';
ALTER TABLE smime_crls ADD COLUMN fetched_at BIGINT NOT NULL DEFAULT 0;
UPDATE smime_crls SET fetched_at = created_at
)sql"},
      {23, "s/mime: certificates the admin removed, never harvested again",
       R"sql(
CREATE TABLE smime_refused (
  id TEXT PRIMARY KEY,
  der {blob} NOT NULL,
  refused_at BIGINT NOT NULL
)
)sql"},
      // Forwards made before cannot tell who wrote them, nor expiries who
      // set them: '' (the owner) for both.
      {24, "protected messages: who wrote a forward, who set the expiry",
       R"sql(
ALTER TABLE protected_messages ADD COLUMN writer TEXT NOT NULL DEFAULT '';
ALTER TABLE protected_messages ADD COLUMN expiry_by TEXT NOT NULL DEFAULT ''
)sql"},
      // A shred takes the records made of the message (its forwards, their
      // forwards, its attachments' sealed copies): found by parent_id, the
      // few rows that have one.
      {25, "protected messages: the records made of each, for shredding",
       R"sql(
CREATE INDEX protected_messages_parent ON protected_messages (parent_id)
  WHERE parent_id <> ''
)sql"},
      // Users and sessions from before share epoch 0: their sessions stay
      // good until the next change of the user's password.
      {26, "users and sessions: the credential epoch a session was opened in",
       R"sql(
ALTER TABLE users ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN epoch BIGINT NOT NULL DEFAULT 0
)sql"},
  };
  return migrations;
}

std::string RenderMigrationSql(std::string_view sql, Dialect dialect) {
  std::string out(sql);
  auto replace = [&](std::string_view from, std::string_view to) {
    for (size_t pos = out.find(from); pos != std::string::npos;
         pos = out.find(from, pos + to.size())) {
      out.replace(pos, from.size(), to);
    }
  };
  if (dialect == Dialect::kSqlite) {
    replace("{blob}", "BLOB");
    replace("{autoid}", "INTEGER PRIMARY KEY AUTOINCREMENT");
    replace("{without_rowid}", " WITHOUT ROWID");
  } else {
    replace("{without_rowid}", "");
    replace("{blob}", "BYTEA");
    replace("{autoid}", "BIGSERIAL PRIMARY KEY");
  }
  return out;
}

}  // namespace sealpost::store
