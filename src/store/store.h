// Store: the one interface to durable state (settings, users, keys, audit,
// protected messages, the queue). Two engines implement it: SQLite (the
// embedded default) and PostgreSQL (several gateway nodes sharing one
// state, SPEC §3); one test suite runs against both (store_engine_test.cc).
// The interface uses only portable types: strings, integers, byte strings.
//
// Thread-safety: every Store implementation is safe to call from any thread.
#ifndef SEALPOST_STORE_STORE_H_
#define SEALPOST_STORE_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"

namespace sealpost::store {

struct AuditRecord {
  int64_t id = 0;      // assigned by the store
  int64_t at = 0;      // unix seconds
  std::string actor;   // "admin", "alice@example.com", "system"
  std::string action;  // "license.acquire", "settings.set", ...
  std::string object;  // message id, setting name, ...
  std::string result;  // "granted", "refused", "ok", "error"
  std::string detail;  // human readable reason; never a secret
  // A reader's key release (license.acquire, granted) from the portal: the
  // device's coarse kind (desktop | mobile | tablet | unknown, from the
  // User-Agent, which itself is not kept) and how the reader signed in
  // (passcode | oidc | org). Empty for everything else.
  std::string device;
  std::string sign_in;
};

// What happened per time bucket, for the admin dashboard: bucket i covers
// [since + i * width, since + (i + 1) * width).
struct ActivityCount {
  std::string key;  // the audit result, the template id, the queue event
  int64_t bucket = 0;
  int64_t count = 0;
};

struct UserRecord {
  std::string email;          // lower-case, primary key
  std::string password_hash;  // Argon2id encoded string
  std::string display_name;
  int64_t created_at = 0;
  bool disabled = false;
};

struct OrgKeyRecord {
  std::string kind;  // "wrap" (AES-256 key-wrapping) or "sign" (Ed25519)
  int version = 0;
  std::string wrapped;  // opaque, wrapped under the master key
  bool is_primary = false;
  int64_t created_at = 0;
};

// A message protected by this organisation (its rights, not its content).
struct ProtectedMessageRecord {
  std::string id;
  std::string owner;  // issuer e-mail
  std::string template_id;
  std::string recipients_json;  // JSON array of addresses
  std::string grants_json;      // concrete grants, JSON
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
  int64_t revoked_at = 0;  // 0: not revoked
  std::string revoked_by;
  std::string branding;  // OME branding identity of its pages; "" default
  // A portal forward: the message it forwards. Revoking or expiring the
  // parent ends the forward too (license/license_service.cc).
  std::string parent_id;
  // The subject, sealed for the owner by the key service
  // (crypto::KeyHierarchy::EncryptMetadata); empty for messages protected
  // before it was kept. Never the subject in clear.
  std::string subject_sealed;
  // The PIN the sender asked for (X-Sealpost-Pin-Required, or the compose
  // page), sealed like the subject; empty: the message needs no PIN.
  std::string pin_sealed;
};

// A page of protected messages, newest first (created_at, then id, both
// descending): the keyset after `before_*` when set.
struct ProtectedMessageQuery {
  std::string owner;  // "" for every owner
  // "" (any), "active", "revoked", "expired", judged at `now` on the
  // record itself (a forward whose original ended still shows active).
  std::string state;
  int64_t now = 0;
  int64_t since = 0;  // created_at >= since when not 0
  int64_t until = 0;  // created_at < until when not 0
  // Case-insensitive part of a recipient address ("" for any).
  std::string recipient;
  // The cursor: the last row of the previous page.
  int64_t before_created_at = 0;
  std::string before_id;
  bool skip_probes = false;  // leave out self-test messages ("probe-" ids)
  int limit = 50;
};

// A protected message's rows as one write: the record, its audit entry and
// the portal copy (the sealed container kept for the web portal; empty:
// none kept; it is encrypted, the content key is wrapped in its license).
struct NewProtectedMessage {
  ProtectedMessageRecord record;
  AuditRecord audit;
  std::string portal_copy;
  // Its terms in the eDiscovery index: keyed hashes (search/blind_index.h),
  // never a word in clear; empty: not indexed.
  std::vector<int64_t> index_terms;
  // The copy was staged with StageBody (and `portal_copy` is empty).
  bool portal_copy_staged = false;
};

// An eDiscovery search of the blind index (docs/compliance.md): messages
// holding every one of `terms`, newest indexed first, narrowed by the
// record's fields. Revoked and expired messages are found too (legal hold).
struct SearchQuery {
  std::vector<int64_t> terms;  // at least one; every one must match
  std::string owner;           // "" for any sender
  std::string recipient;       // case-insensitive part of a recipient
  int64_t after = 0;           // created_at >= after when not 0
  int64_t before = 0;          // created_at < before when not 0
  std::string template_id;     // "" for any
  int limit = 100;
};

// A large body written ahead of the commit that names it (StageBody).
enum class BodyKind { kQueue, kPortal };

// A one-time passcode for the portal (stored hashed, never the code).
struct OtpRecord {
  std::string message_id;
  std::string email;
  std::string code_hash;  // Argon2id encoded
  std::string reference;  // shown in the mail and on the page
  int64_t created_at = 0;
  int64_t expires_at = 0;
  int failures = 0;  // tries taken (TakeOtpTry), the right one included
  bool used = false;
};

// A portal reader's authenticator app (RFC 6238 TOTP): the shared secret
// sealed by the key service (never in clear), and the newest 30-second
// step whose code was accepted, so no code opens twice.
struct SecondFactorRecord {
  std::string email;
  std::string secret_sealed;
  int64_t enrolled_at = 0;  // 0: shown to the reader, not yet confirmed
  int64_t last_step = 0;
};

// An OpenID Connect sign-in begun and not yet finished
// (portal/pending_sign_ins.h), kept where every node finds it.
struct PendingSignInRecord {
  std::string state_hash;  // SHA-256 of the state, hex (the lookup key)
  std::string browser;     // hash of the browser cookie that began it
  std::string data;        // the rest, opaque to the store
  int64_t created_at = 0;  // unix seconds
};

struct SessionRecord {
  std::string token_hash;  // SHA-256 of the bearer token, hex
  std::string email;
  std::string kind;  // "cli", "portal"
  int64_t created_at = 0;
  int64_t expires_at = 0;
};

// ---- Queue (SMTP gateway) records ----
struct QueuedRecipient {
  int64_t id = 0;  // assigned by the store
  std::string address;
  int notify = 0;     // RFC 3461 NOTIFY bits (smtp/envelope.h kNotify*)
  std::string orcpt;  // RFC 3461 ORCPT as received
  std::string state = "queued";  // queued | delivered | bounced
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_reply;  // last SMTP reply or error, for trace/DSN
};

struct QueuedMessage {
  std::string id;
  int64_t received_ms = 0;
  std::string mail_from;          // "" is the null reverse-path
  std::string envelope_json;      // ESMTP parameters, client, TLS of the leg
  std::string header_message_id;  // Message-ID header, for trace
  int64_t size = 0;               // plaintext bytes
  std::string content;            // encrypted; empty once done
  // The content was staged with StageBody (and `content` is empty): the
  // commit names the staged body instead of writing one.
  bool content_staged = false;
  std::string state = "queued";  // queued | done
  std::vector<QueuedRecipient> recipients;
  // The node working on it and until when (unix ms; docs/scaling.md): a
  // message a node accepts is leased to it in the commit that accepts it.
  // "" and 0: not leased.
  std::string lease_node;
  int64_t lease_until_ms = 0;
};

struct QueueEvent {
  int64_t id = 0;
  std::string message_id;
  int64_t at_ms = 0;
  std::string recipient;  // empty for message-level events
  std::string event;      // received | attempt | delivered | deferred |
                          // bounced | dsn | retry
  std::string detail;     // hop, TLS, reply text; never content
};

struct DeliveryUpdate {
  int64_t delivery_id = 0;
  std::string state;  // queued | delivered | bounced
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_reply;
};

// One group commit.
struct QueueBatch {
  std::vector<QueuedMessage> new_messages;  // recipient ids filled in
  std::vector<DeliveryUpdate> updates;
  std::vector<QueueEvent> events;
  // Messages to mark done (content dropped) when none of their deliveries
  // is still queued.
  std::vector<std::string> maybe_done;
  // Protected messages whose wrappers are among new_messages: their rows
  // commit with them (one transaction, one fsync, before SMTP 250).
  std::vector<NewProtectedMessage> protected_messages;
  // What the protection stage decided for these messages (S/MIME or the
  // portal, signed or not): recorded with them, in the same fsync, rather
  // than in a transaction of its own before the 250.
  std::vector<AuditRecord> audit;
  // Leases `lease_node` gives back with this batch (the results of its
  // deliveries are in it): cleared where that node still holds them.
  std::string lease_node;
  std::vector<std::string> release_leases;

  // Filled in by a successful commit (several nodes on one queue):
  // updates not applied because their delivery was no longer queued
  // (another node had concluded it: a duplicate when this one delivered
  // too), and leases in `release_leases` that another node held by then.
  std::vector<int64_t> stale_updates;
  std::vector<std::string> lost_leases;
};

// A message claimed by ClaimDueQueueMessages, and the node whose lease on
// it had expired ("" when nobody held it: new, deferred or given back).
struct QueueClaim {
  std::string id;
  std::string previous_node;
  friend bool operator==(const QueueClaim&, const QueueClaim&) = default;
};

// A gateway node's heartbeat (several nodes on one store; `sealpost
// status`).
struct NodeRecord {
  std::string node_id;
  std::string hostname;
  std::string version;
  int64_t started_ms = 0;
  int64_t seen_ms = 0;  // the last heartbeat
};

// Queued work per node: messages whose lease `node` holds at the time
// asked ("" for messages nobody holds: waiting for a retry or a claim),
// and their queued deliveries.
struct NodeQueueDepth {
  std::string node;
  int64_t messages = 0;
  int64_t deliveries = 0;
};

// An S/MIME certificate on file (smime/certificate_directory.h): a
// person's certificate (kind "user"), a CA certificate that may complete a
// chain but is trusted for nothing ("chain"), or a trusted CA ("anchor").
struct SmimeCertRecord {
  std::string id;    // SHA-256 of the DER, lower-case hex
  std::string kind;  // user | chain | anchor
  std::string der;
  std::vector<std::string> emails;  // lower-case, from subjectAltName
  std::string subject;
  std::string issuer;
  std::string serial;  // hex
  int64_t not_before = 0;
  int64_t not_after = 0;
  // The private key (PKCS#8) wrapped under the master key; empty: none.
  std::string wrapped_key;
  std::string source;  // "import"
  int64_t created_at = 0;
};

// A certificate revocation list, one per issuer (the newest kept).
struct SmimeCrlRecord {
  std::string issuer;  // the CRL issuer's name, as text
  std::string der;
  int64_t this_update = 0;
  int64_t next_update = 0;  // 0: none given
  int64_t created_at = 0;
};

struct TlsPolicyRecord {
  std::string domain;   // lower-case recipient domain
  std::string policy;   // may | encrypt | verify
  std::string ca_file;  // PEM bundle for verify; empty: system store
  int64_t updated_at = 0;
};

// A journal rule (New-JournalRule): which accepted messages get an envelope
// journal report, and where it goes (docs/compliance.md).
struct JournalRuleRecord {
  std::string id;
  std::string name;
  std::string scope;            // Global | Internal | External
  std::string recipient;        // lower-case; empty: every message
  std::string journal_address;  // lower-case; where reports go
  bool enabled = true;
  int64_t created_at = 0;
};

// What the store holds, for `sealpost status`.
struct StoreStats {
  int64_t file_bytes = 0;  // the database on disk (with its write-ahead log)
  int64_t free_bytes = 0;  // free pages inside it, reused before it grows
  int64_t queued_messages = 0;  // queue bodies waiting for delivery
  int64_t done_messages = 0;    // delivered or bounced: trace only, no body
  int64_t portal_copies = 0;
  int64_t protected_messages = 0;
};

// A subscription to other nodes' changes (Store::WatchChanges); ends when
// destroyed.
class ChangeWatch {
 public:
  virtual ~ChangeWatch() = default;
};

// What WatchChanges reports: the table that changed ("settings:rules" for a
// setting), or kEverything after a lost connection (changes may have been
// missed).
inline constexpr std::string_view kEverything = "*";

class Store {
 public:
  virtual ~Store() = default;

  // "sqlite" or "postgres".
  virtual std::string_view Engine() const = 0;

  // Calls `on_change` (on a thread of the store's, promptly: within a
  // second) whenever any node commits a change that a cache may depend on:
  // a setting, a user, an org key, a revocation or new expiry, a session
  // ended. nullptr when only this process writes the store (SQLite): its
  // own changes already reach its caches directly.
  virtual Result<std::unique_ptr<ChangeWatch>> WatchChanges(
      std::function<void(std::string_view what)> on_change) {
    (void)on_change;
    return std::unique_ptr<ChangeWatch>();
  }
  // Highest migration applied.
  virtual Result<int> SchemaVersion() = 0;

  // Settings: small named JSON documents (IRM configuration, branding, ...).
  virtual Result<std::optional<std::string>> GetSetting(
      std::string_view key) = 0;
  virtual Status PutSetting(std::string_view key, std::string_view value) = 0;

  virtual Status AppendAudit(AuditRecord record) = 0;
  // For records that are not a condition of what they record (a refusal, a
  // change already made): a failure is logged and counted in
  // `audit_failures` (sealpost_audit_write_failures_total), not returned.
  // A key release uses AppendAudit and is refused when it fails.
  void AppendAuditBestEffort(AuditRecord record);
  // Counts `n` audit records that could not be written (for callers that
  // batch records themselves).
  void CountAuditFailures(uint64_t n);
  // Where AppendAuditBestEffort counts failures; set once at start-up.
  void SetAuditFailureCounter(Counter* counter) {
    audit_failures_.store(counter, std::memory_order_release);
  }
  // Several records in one transaction (the portal's batched view log).
  virtual Status AppendAudits(const std::vector<AuditRecord>& records) = 0;
  // Newest first; `object` filters when not empty.
  virtual Result<std::vector<AuditRecord>> ListAudit(std::string_view object,
                                                     int limit) = 0;
  // Where every audit record written is counted, by action and result, as
  // sealpost_audit_records_total{action,result} (the admin dashboard's
  // numbers, from /metrics); set once at start-up, null to stop.
  void SetAuditMetrics(MetricsRegistry* metrics) {
    audit_metrics_.store(metrics, std::memory_order_release);
  }

  // ---- Activity counts (the admin dashboard; each uses an index) ----
  // Audit records of `action` at or after `since`, per result and bucket.
  virtual Result<std::vector<ActivityCount>> CountAuditActivity(
      std::string_view action, int64_t since, int64_t width) = 0;
  // Protected messages created at or after `since`, per template id and
  // bucket.
  virtual Result<std::vector<ActivityCount>> CountProtectedActivity(
      int64_t since, int64_t width) = 0;
  // Queue trace events named `event` (deferred, bounced, ...) at or after
  // `since` (unix seconds), per bucket (key: the event).
  virtual Result<std::vector<ActivityCount>> CountQueueActivity(
      std::string_view event, int64_t since, int64_t width) = 0;

  virtual Status PutUser(const UserRecord& user) = 0;
  virtual Result<std::optional<UserRecord>> GetUser(std::string_view email) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Status DeleteUser(std::string_view email) = 0;

  // ---- Rights management: org keys, protected messages, sessions ----
  // Adds a key version and makes it the primary of its kind, atomically.
  virtual Status AddOrgKey(const OrgKeyRecord& key) = 0;
  virtual Result<std::vector<OrgKeyRecord>> ListOrgKeys(
      std::string_view kind) = 0;
  virtual Status PutProtectedMessage(const ProtectedMessageRecord& m) = 0;
  // A new protected message, its audit record and portal copy in one
  // transaction. (The gateway's go with its queue commit instead:
  // QueueBatch::protected_messages.)
  virtual Status AddProtectedMessage(const NewProtectedMessage& m) = 0;
  // The sealed container kept for the portal; nullopt when none was kept.
  virtual Result<std::optional<std::string>> GetPortalCopy(
      std::string_view id) = 0;
  // One passcode per (message, address): a new one replaces the old.
  virtual Status PutOtp(const OtpRecord& otp) = 0;
  virtual Result<std::optional<OtpRecord>> GetOtp(std::string_view message_id,
                                                  std::string_view email) = 0;
  // Takes one try at the passcode of (message, address), atomically: only
  // a live code (unused, unexpired at `now`) with fewer than `max_tries`
  // tries taken; the record after the count, or nullopt when there is no
  // such code. Counting before checking the code means parallel guesses
  // cannot check more than `max_tries` codes between them.
  virtual Result<std::optional<OtpRecord>> TakeOtpTry(
      std::string_view message_id, std::string_view email, int max_tries,
      int64_t now) = 0;
  // Marks the passcode with `code_hash` used; false when it already was
  // (or was replaced), so one code opens one session.
  virtual Result<bool> ConsumeOtp(std::string_view message_id,
                                  std::string_view email,
                                  std::string_view code_hash) = 0;
  virtual Result<std::optional<ProtectedMessageRecord>> GetProtectedMessage(
      std::string_view id) = 0;
  // Second factors (portal readers): one per address. Put writes the
  // record unless the address has a confirmed one (enrolled_at > 0: only
  // DeleteSecondFactor, an admin's reset, removes that); false then.
  virtual Result<bool> PutSecondFactor(const SecondFactorRecord& f) = 0;
  virtual Result<std::optional<SecondFactorRecord>> GetSecondFactor(
      std::string_view email) = 0;
  // True when there was one to remove.
  virtual Result<bool> DeleteSecondFactor(std::string_view email) = 0;
  // Records `step` as used, atomically, only when it is newer than the
  // last one used: false when it is not (a replayed code), or there is no
  // second factor for the address.
  virtual Result<bool> TakeTotpStep(std::string_view email, int64_t step) = 0;
  // Newest first; `owner` filters when not empty.
  virtual Result<std::vector<ProtectedMessageRecord>> ListProtectedMessages(
      std::string_view owner, int limit) = 0;
  virtual Result<std::vector<ProtectedMessageRecord>> QueryProtectedMessages(
      const ProtectedMessageQuery& query) = 0;
  virtual Status PutSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> GetSession(
      std::string_view token_hash) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  // Every session of an address, of every kind (a removed user).
  // DeleteSession and DeleteSessionsOf also drop the sessions' PIN passes.
  virtual Status DeleteSessionsOf(std::string_view email) = 0;
  // PIN passes (a sender's PIN for one message, docs/portal.md): the
  // session with `session_hash` has entered the PIN of `message_id`; good
  // until `until` (the session's expiry), shared by the nodes. Passes that
  // have expired go as new ones arrive.
  virtual Status PutPinPass(std::string_view session_hash,
                            std::string_view message_id, int64_t until) = 0;
  // True when the session has a pass for the message at `now` and the
  // session itself still exists then (signed out, expired or removed: no).
  virtual Result<bool> HasPinPass(std::string_view session_hash,
                                  std::string_view message_id, int64_t now) = 0;

  // ---- Portal sign-in state shared by the nodes ----
  // (portal/rate_limit.h, portal/pending_sign_ins.h; used when several
  // nodes share the store, so that a load balancer needs no sticky
  // sessions.)
  // Records an event for `key` at `now` (unix seconds) unless `limit`
  // events of the key are later than now - window; false, nothing
  // recorded, when they are. Atomic across nodes: parallel calls never
  // record more than `limit`. Events older than kRateEventsKept (any key)
  // are dropped on the way, so windows are at most that long.
  static constexpr int64_t kRateEventsKept = 86'400;
  virtual Result<bool> TakeRateLimit(std::string_view key, int limit,
                                     int64_t window, int64_t now) = 0;
  // Takes back one event of `key` recorded at `at` (a try that turned out
  // right: the directory counts a password try as a failure before checking
  // it, so that parallel guesses cannot all pass, and forgives it on
  // success). No event there: nothing happens.
  virtual Status ForgetRateEvent(std::string_view key, int64_t at) = 0;
  // Keeps `sign_in` (replacing one with the same state), first dropping
  // those created at or before `expired_at`, then the browser's oldest so
  // that it keeps at most `per_browser`, then the oldest of all so that at
  // most `total` are kept.
  virtual Status PutPendingSignIn(const PendingSignInRecord& sign_in,
                                  int per_browser, int total,
                                  int64_t expired_at) = 0;
  // The sign-in with this state hash, removed: a state is used once.
  virtual Result<std::optional<PendingSignInRecord>> TakePendingSignIn(
      std::string_view state_hash) = 0;

  // ---- Queue (SMTP gateway) ----
  // Accepted mail and its per-recipient deliveries (queue/ owns the
  // semantics; docs/gateway.md). Content is stored encrypted by the caller.
  // Times are unix milliseconds. CommitQueueBatch is the only writer of
  // queue state: one transaction (one fsync) for a whole batch of
  // acceptances, delivery results, events and DSNs (group commit). The
  // bodies in the batch (new_messages[].content,
  // protected_messages[].portal_copy) are consumed: each is emptied once
  // written, so that a large message is not held again beside the engine's
  // own pages of it until the commit.
  virtual Status CommitQueueBatch(QueueBatch& batch) = 0;
  // Large bodies ahead of their commit (issue 14): when StagesBodies()
  // says so for a body of `size` bytes, StageBody writes it durably now
  // (SQLite: a file beside the database, sqlite/body_files.h) so that the
  // caller can give its memory back before the commit; the commit then
  // names it (QueuedMessage::content_staged,
  // NewProtectedMessage::portal_copy_staged). A staged body no commit
  // names is removed at the next start. PostgreSQL keeps every body in its
  // rows: StagesBodies() is false and StageBody UNIMPLEMENTED.
  virtual bool StagesBodies(size_t size) const = 0;
  virtual Status StageBody(BodyKind kind, std::string_view id,
                           std::string_view body) = 0;
  // Ids of messages with a queued delivery due at `now_ms`, oldest first.
  virtual Result<std::vector<std::string>> ListDueQueueMessages(int64_t now_ms,
                                                                int limit) = 0;
  // Several nodes on one queue (docs/scaling.md): claims at most `limit`
  // queued messages with a delivery due at `now_ms` whose lease has expired
  // at `now_ms` (0: never leased), leasing them to `node` until
  // `lease_until_ms`; oldest received first. While a lease holds no node
  // (its own included) claims the message again; a node that dies leaves
  // leases that expire, and another node takes the work. PostgreSQL claims
  // with FOR UPDATE SKIP LOCKED, so nodes claiming at once never wait on or
  // get each other's rows.
  virtual Result<std::vector<QueueClaim>> ClaimDueQueueMessages(
      int64_t now_ms, int limit, std::string_view node,
      int64_t lease_until_ms) = 0;
  // Extends `node`'s leases on `ids` to `lease_until_ms`; returns the ids
  // it still held (the others were taken over after their lease expired,
  // or are done).
  virtual Result<std::vector<std::string>> RenewQueueLeases(
      std::string_view node, const std::vector<std::string>& ids,
      int64_t lease_until_ms) = 0;
  // Gives back every lease `node` holds (a node stopping, or starting after
  // a crash of its earlier run); returns how many.
  virtual Result<int64_t> ReleaseQueueLeases(std::string_view node) = 0;
  // Queued work per lease holder at `now_ms`, by node id ("" first).
  virtual Result<std::vector<NodeQueueDepth>> QueueDepthByNode(
      int64_t now_ms) = 0;
  // Records a node's heartbeat (inserted or replaced by node id).
  virtual Status PutNodeHeartbeat(const NodeRecord& node) = 0;
  // Nodes whose last heartbeat is at or after `seen_since_ms`, by id.
  virtual Result<std::vector<NodeRecord>> ListNodes(int64_t seen_since_ms) = 0;
  virtual Result<std::optional<QueuedMessage>> GetQueuedMessage(
      std::string_view id, bool with_content) = 0;
  // Newest first, without content; `state` ("queued", "done") filters when
  // not empty.
  virtual Result<std::vector<QueuedMessage>> ListQueuedMessages(
      std::string_view state, int limit) = 0;
  virtual Result<std::vector<QueueEvent>> ListQueueEvents(
      std::string_view message_id) = 0;
  // Makes the queued deliveries of a message due now; NotFound when it has
  // none.
  virtual Status RetryQueuedMessage(std::string_view id, int64_t now_ms) = 0;
  // Number of deliveries still queued.
  virtual Result<int64_t> CountQueuedDeliveries() = 0;
  virtual Status PutTlsPolicy(const TlsPolicyRecord& policy) = 0;
  virtual Result<std::optional<TlsPolicyRecord>> GetTlsPolicy(
      std::string_view domain) = 0;
  virtual Result<std::vector<TlsPolicyRecord>> ListTlsPolicies() = 0;
  virtual Status DeleteTlsPolicy(std::string_view domain) = 0;

  // ---- Journal rules (journal reports; docs/compliance.md) ----
  // Inserts or replaces the rule with this id. ALREADY_EXISTS when another
  // rule has the same name (case-insensitive).
  virtual Status PutJournalRule(const JournalRuleRecord& rule) = 0;
  // Oldest first. Read for every accepted message: engines cache the list.
  virtual Result<std::vector<JournalRuleRecord>> ListJournalRules() = 0;
  // NOT_FOUND when there is no such rule.
  virtual Status DeleteJournalRule(std::string_view id) = 0;

  // ---- eDiscovery: the blind index (docs/compliance.md) ----
  // Replaces the index terms of a protected message (`sealpost search
  // reindex`); empty `terms` removes them.
  virtual Status PutSearchTerms(std::string_view message_id,
                                const std::vector<int64_t>& terms) = 0;
  // Ids of the messages that match, newest indexed first.
  virtual Result<std::vector<std::string>> SearchMessages(
      const SearchQuery& query) = 0;
  // How many messages the index holds, and their postings.
  struct SearchIndexSize {
    int64_t messages = 0;
    int64_t postings = 0;
  };
  virtual Result<SearchIndexSize> CountSearchIndex() = 0;
  // `sealpost message shred`: the message's record, portal copy, passcodes
  // and index terms are deleted and `audit` written, in one transaction.
  // NOT_FOUND when there is no such message.
  virtual Status ShredProtectedMessage(std::string_view id,
                                       const AuditRecord& audit) = 0;

  // ---- S/MIME certificates on file (smime/) ----
  // Inserts or replaces the certificate with this id, with its emails.
  virtual Status PutSmimeCert(const SmimeCertRecord& cert) = 0;
  virtual Result<std::optional<SmimeCertRecord>> GetSmimeCert(
      std::string_view id) = 0;
  // Oldest first; `kind` and `email` (lower-case) filter when not empty.
  virtual Result<std::vector<SmimeCertRecord>> ListSmimeCerts(
      std::string_view kind, std::string_view email) = 0;
  // NOT_FOUND when there is no such certificate.
  virtual Status DeleteSmimeCert(std::string_view id) = 0;
  // Keeps the CRL unless one of the same issuer at least as new is on file.
  virtual Status PutSmimeCrl(const SmimeCrlRecord& crl) = 0;
  virtual Result<std::vector<SmimeCrlRecord>> ListSmimeCrls() = 0;

  // ---- Housekeeping (the queue's scheduler calls these at a low rate) ----
  // Deletes at most `limit` queue messages that are done and were received
  // before `before_ms`, with their deliveries and trace events, in one
  // transaction; returns how many.
  virtual Result<int64_t> PruneQueueHistory(int64_t before_ms, int limit) = 0;
  // Deletes at most `limit` portal copies, in one transaction, of messages
  // whose expiry has passed at `now` (unix seconds), and, when
  // `created_before` > 0, of messages without an expiry whose copy was made
  // before it (portal.retention_days); returns how many. The records stay.
  virtual Result<int64_t> PrunePortalCopies(int64_t now, int64_t created_before,
                                            int limit) = 0;
  // Gives at most `max_pages` free pages back to the file system, keeping
  // some for reuse (SQLite: PRAGMA incremental_vacuum); returns how many.
  virtual Result<int64_t> ReclaimSpace(int64_t max_pages) = 0;
  virtual Result<StoreStats> Stats() = 0;

 protected:
  // Engines call this for each audit record once its transaction committed.
  void CountAudited(const AuditRecord& record);

 private:
  std::atomic<Counter*> audit_failures_{nullptr};
  std::atomic<MetricsRegistry*> audit_metrics_{nullptr};
};

// Opens (creating if needed) the SQLite store at `path` and runs pending
// migrations.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                               const Clock& clock);

struct PostgresOptions {
  // A libpq URI (postgresql://host/db?sslmode=verify-full) or key=value
  // conninfo string.
  std::string url;
  // Overrides a password in `url` when not empty (read from a file or
  // SEALPOST_STORE_PASSWORD by the caller: never in the config file).
  std::string password;
  int pool_size = 8;  // connections kept open to the server
};

// Connects to PostgreSQL and runs pending migrations (under an advisory
// lock, so several nodes starting together migrate once).
Result<std::unique_ptr<Store>> OpenPostgresStore(const PostgresOptions& options,
                                                 const Clock& clock);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_STORE_H_
