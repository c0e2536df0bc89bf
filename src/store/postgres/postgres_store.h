// The PostgreSQL engine of Store, for several gateway nodes sharing one
// state (SPEC §3, docs/scaling.md). Every method runs on a connection from a
// small pool; a write of several rows is one transaction (READ COMMITTED),
// committed with the server's synchronous_commit before it returns.
// Migrations are the shared ones (store/migrations.cc, Dialect::kPostgres),
// run at open under a session advisory lock: one node migrates, the others
// wait and then find nothing left to do.
//
// Unlike SqliteStore it keeps no settings cache: another node may change a
// setting at any time. Writes that callers' caches depend on (settings,
// users, org keys, revocations and expiries, ended sessions) notify every
// node in their transaction (pg_listener.h, WatchChanges).
//
// Large bodies (queue contents and portal copies of kLargeBodyBytes or
// more) are kept in chunks apart from their rows and read a chunk at a
// time (BodyStore; postgres_bodies.cc).
//
// Thread-safety: thread-safe; calls run in parallel on up to pool_size
// connections.
#ifndef SEALPOST_STORE_POSTGRES_POSTGRES_STORE_H_
#define SEALPOST_STORE_POSTGRES_POSTGRES_STORE_H_

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "store/body_store.h"
#include "store/migrations.h"
#include "store/postgres/pg_conn.h"
#include "store/store.h"

namespace sealpost::store {

// The size of a large body's chunks (the last may be shorter): a row the
// server stores out of line (TOAST) and a reader holds one of at a time.
inline constexpr size_t kPgBodyChunkBytes = 1 << 20;

class PostgresStore final : public Store, public BodyStore {
 public:
  // Connects, and applies `migrations` that are not yet applied.
  static Result<std::unique_ptr<PostgresStore>> Open(
      const PostgresOptions& options, const Clock& clock,
      const std::vector<Migration>& migrations = AllMigrations());

  std::string_view Engine() const override { return "postgres"; }
  Result<int> SchemaVersion() override;
  Result<std::unique_ptr<ChangeWatch>> WatchChanges(
      std::function<void(std::string_view what)> on_change) override;
  Result<std::optional<std::string>> GetSetting(std::string_view key) override;
  Status PutSetting(std::string_view key, std::string_view value) override;
  Result<bool> PutSettingIf(std::string_view key,
                            std::optional<std::string_view> expected,
                            std::string_view value) override;
  Status AppendAudit(AuditRecord record) override;
  Status AppendAudits(const std::vector<AuditRecord>& records) override;
  Result<std::vector<AuditRecord>> ListAudit(std::string_view object,
                                             int limit) override;
  Result<std::vector<ActivityCount>> CountActivity(Activity activity,
                                                   std::string_view key,
                                                   int64_t since,
                                                   int64_t width) override;
  Status AddUser(const UserRecord& user) override;
  Status SetPassword(std::string_view email,
                     std::string_view password_hash) override;
  Status BumpUserEpoch(std::string_view email) override;
  Result<std::optional<UserRecord>> GetUser(std::string_view email) override;
  Result<std::vector<UserRecord>> ListUsers() override;
  Status DeleteUser(std::string_view email) override;

  // Rights management (postgres_rights.cc).
  Status AddOrgKey(const OrgKeyRecord& key) override;
  Result<std::vector<OrgKeyRecord>> ListOrgKeys(std::string_view kind) override;
  Status UpdateProtectedMessage(const ProtectedMessageRecord& m) override;
  Status AddProtectedMessage(const NewProtectedMessage& m) override;
  Result<std::optional<std::string>> GetPortalCopy(
      std::string_view id) override;
  Status PutOtp(const OtpRecord& otp) override;
  Result<std::optional<OtpRecord>> GetOtp(std::string_view message_id,
                                          std::string_view email) override;
  Result<std::optional<OtpRecord>> TakeOtpTry(std::string_view message_id,
                                              std::string_view email,
                                              int max_tries,
                                              int64_t now) override;
  Result<bool> ConsumeOtp(std::string_view message_id, std::string_view email,
                          std::string_view code_hash) override;
  Result<std::optional<ProtectedMessageRecord>> GetProtectedMessage(
      std::string_view id) override;
  Result<bool> PutSecondFactor(const SecondFactorRecord& f) override;
  Result<std::optional<SecondFactorRecord>> GetSecondFactor(
      std::string_view email) override;
  Result<bool> DeleteSecondFactor(std::string_view email) override;
  Result<bool> TakeTotpStep(std::string_view email, int64_t step) override;
  Result<std::vector<ProtectedMessageRecord>> ListProtectedMessages(
      std::string_view owner, int limit) override;
  Result<std::vector<ProtectedMessageRecord>> QueryProtectedMessages(
      const ProtectedMessageQuery& query) override;
  Status PutSession(const SessionRecord& session) override;
  Result<std::optional<SessionRecord>> GetSession(
      std::string_view token_hash) override;
  Status DeleteSession(std::string_view token_hash) override;
  Status DeleteSessionsOf(std::string_view email) override;
  Status PutPinPass(std::string_view session_hash, std::string_view message_id,
                    int64_t until) override;
  Result<bool> HasPinPass(std::string_view session_hash,
                          std::string_view message_id, int64_t now) override;
  // Shared sign-in state (postgres_signin.cc).
  Result<bool> TakeRateLimit(std::string_view key, int limit, int64_t window,
                             int64_t now) override;
  Status ForgetRateEvent(std::string_view key, int64_t at) override;
  Status PutPendingSignIn(const PendingSignInRecord& sign_in, int per_browser,
                          int total, int64_t expired_at) override;
  Result<std::optional<PendingSignInRecord>> TakePendingSignIn(
      std::string_view state_hash) override;

  // Queue (postgres_queue.cc).
  Status CommitQueueBatch(QueueBatch& batch) override;
  // Large bodies in chunks (postgres_bodies.cc), where every node reaches
  // them.
  bool StagesBodies(size_t size) const override {
    return size >= kLargeBodyBytes;
  }
  Status StageBody(BodyKind kind, std::string_view id,
                   std::string_view body) override;
  Result<std::unique_ptr<BodyWriter>> StartBody(BodyKind kind,
                                                std::string_view id) override;
  Result<std::unique_ptr<BodyReader>> OpenBody(BodyKind kind,
                                               std::string_view id) override;
  void DiscardBody(BodyKind kind, std::string_view id) override;
  Result<std::vector<std::string>> ListDueQueueMessages(int64_t now_ms,
                                                        int limit) override;
  Result<std::vector<QueueClaim>> ClaimDueQueueMessages(
      int64_t now_ms, int limit, std::string_view node,
      int64_t lease_until_ms) override;
  Result<std::vector<std::string>> RenewQueueLeases(
      std::string_view node, const std::vector<std::string>& ids,
      int64_t lease_until_ms) override;
  Result<int64_t> ReleaseQueueLeases(std::string_view node) override;
  Result<std::vector<NodeQueueDepth>> QueueDepthByNode(int64_t now_ms) override;
  Status PutNodeHeartbeat(const NodeRecord& node) override;
  Result<std::vector<NodeRecord>> ListNodes(int64_t seen_since_ms) override;
  Result<std::optional<QueuedMessage>> GetQueuedMessage(
      std::string_view id, bool with_content) override;
  Result<std::vector<QueuedMessage>> ListQueuedMessages(std::string_view state,
                                                        int limit) override;
  Result<std::vector<QueueEvent>> ListQueueEvents(
      std::string_view message_id) override;
  Status RetryQueuedMessage(std::string_view id, int64_t now_ms) override;
  Result<int64_t> CountQueuedDeliveries() override;
  Status PutTlsPolicy(const TlsPolicyRecord& policy) override;
  Result<std::optional<TlsPolicyRecord>> GetTlsPolicy(
      std::string_view domain) override;
  Result<std::vector<TlsPolicyRecord>> ListTlsPolicies() override;
  Status DeleteTlsPolicy(std::string_view domain) override;

  // S/MIME certificates (postgres_certs.cc).
  Status PutSmimeCert(const SmimeCertRecord& cert) override;
  Result<std::optional<SmimeCertRecord>> GetSmimeCert(
      std::string_view id) override;
  Result<std::vector<SmimeCertRecord>> ListSmimeCerts(
      std::string_view kind, std::string_view email) override;
  Status DeleteSmimeCert(std::string_view id) override;
  Status RefuseSmimeCert(std::string_view id) override;
  Result<bool> IsSmimeCertRefused(std::string_view id) override;
  Result<std::vector<SmimeRefusedRecord>> ListRefusedSmimeCerts() override;
  Result<bool> UnrefuseSmimeCert(std::string_view id) override;
  Result<CrlAge> PutSmimeCrl(const SmimeCrlRecord& crl) override;
  Result<SmimeCrlRecord> DeleteSmimeCrl(std::string_view issuer) override;
  Result<std::vector<SmimeCrlRecord>> ListSmimeCrls() override;

  // Journal rules (postgres_journal.cc).
  Status PutJournalRule(const JournalRuleRecord& rule) override;
  Result<std::vector<JournalRuleRecord>> ListJournalRules() override;
  Status DeleteJournalRule(std::string_view id) override;

  // The eDiscovery blind index (postgres_search.cc).
  Status PutSearchTerms(std::string_view message_id,
                        const std::vector<int64_t>& terms) override;
  Result<std::vector<std::string>> SearchMessages(
      const SearchQuery& query) override;
  Result<int64_t> MergeSearchIndex(int min_docs, int max_docs) override;
  Result<SearchIndexSize> CountSearchIndex() override;
  Result<int64_t> ShredProtectedMessage(std::string_view id,
                                        const AuditRecord& audit) override;

  // Housekeeping (postgres_housekeeping.cc). ReclaimSpace gives nothing
  // back to the file system (PostgreSQL's autovacuum reuses dead rows'
  // space): it removes staged bodies no commit named within an hour
  // (postgres_bodies.cc).
  Result<int64_t> PruneQueueHistory(int64_t before_ms, int limit) override;
  Result<int64_t> PrunePortalCopies(int64_t now, int64_t created_before,
                                    int limit) override;
  Result<int64_t> ReclaimSpace(int64_t max_pages) override;
  Result<StoreStats> Stats() override;

 private:
  using Conn = internal::PgConn;
  PostgresStore(const PostgresOptions& options, const Clock& clock)
      : pool_(options.url, options.password, options.pool_size),
        url_(options.url),
        password_(options.password),
        clock_(clock) {}
  Status Migrate(const std::vector<Migration>& migrations);
  // Runs `fn` on a pooled connection.
  Status With(const std::function<Status(Conn&)>& fn);
  // One statement on a pooled connection.
  Status Run(std::string_view sql, internal::PgParams params);
  // The same for a statement that must touch a row: NotFound(`missing`)
  // when it touches none.
  Status RunOrNotFound(std::string_view sql, internal::PgParams params,
                       std::string_view missing);
  // The same, giving the number of rows it touched.
  Result<int64_t> RunCountingRows(std::string_view sql,
                                  internal::PgParams params);
  // The same for a conditional change: true when it touched one row.
  Result<bool> RunChangedOne(std::string_view sql, internal::PgParams params);
  // The integer one query such as COUNT(*) gives, on a pooled connection.
  Result<int64_t> SelectInt(std::string_view sql,
                            internal::PgParams params = {});
  // Runs `fn` inside BEGIN ... COMMIT; ROLLBACK when it fails. A
  // transaction that lost a race (PgRace: a deadlock or serialization
  // failure, which PostgreSQL rolled back whole) runs again from BEGIN, a
  // few times, so `fn` must set rather than accumulate what it reports.
  Status InTransaction(const std::function<Status(Conn&)>& fn);
  // The same for a `fn` that gives a value (a Result): the value of the
  // run that committed.
  template <typename Fn>
  auto InTransactionValue(const Fn& fn)
      -> std::invoke_result_t<const Fn&, Conn&> {
    std::optional<std::invoke_result_t<const Fn&, Conn&>> out;
    SP_RETURN_IF_ERROR(InTransaction([&](Conn& c) -> Status {
      out.emplace(fn(c));
      return out->status();
    }));
    return std::move(*out);
  }
  // Runs one query on a pooled connection and hands its result to `read`.
  Status Select(std::string_view sql, internal::PgParams params,
                const std::function<void(const internal::PgResult&)>& read);
  // A reader of query results: one of a whole row (record_rows.h), or one
  // that takes the result and the row number. RowOf is what it reads.
  template <typename Read>
  static constexpr bool kReadsPgRow =
      std::is_invocable_v<Read, const internal::PgRow&>;
  template <typename Read>
  using RowOf = typename std::conditional_t<
      kReadsPgRow<Read>, std::invoke_result<Read, const internal::PgRow&>,
      std::invoke_result<Read, const internal::PgResult&, int>>::type;
  // Row `i` of `r`, read by `read`.
  template <typename Read>
  static RowOf<Read> ReadRow(const Read& read, const internal::PgResult& r,
                             int i) {
    if constexpr (kReadsPgRow<Read>) {
      return read(internal::PgRow{r, i});
    } else {
      return read(r, i);
    }
  }
  // The first `most` rows of one query's result (every row when `most` is
  // negative), each read by ReadRow.
  template <typename Read>
  auto SelectRows(std::string_view sql, internal::PgParams params, Read read,
                  int most) -> Result<std::vector<RowOf<Read>>> {
    std::vector<RowOf<Read>> out;
    SP_RETURN_IF_ERROR(
        Select(sql, std::move(params), [&](const internal::PgResult& r) {
          const int n = most < 0 ? r.rows() : std::min(r.rows(), most);
          for (int i = 0; i < n; ++i) out.push_back(ReadRow(read, r, i));
        }));
    return out;
  }
  // Every row of one query's result.
  template <typename Read>
  auto SelectAll(std::string_view sql, internal::PgParams params, Read read) {
    return SelectRows(sql, std::move(params), read, -1);
  }
  // The first row of one query's result, if there is one.
  template <typename Read>
  auto SelectFirst(std::string_view sql, internal::PgParams params, Read read)
      -> Result<std::optional<RowOf<Read>>> {
    SP_ASSIGN_OR_RETURN(auto rows, SelectRows(sql, std::move(params), read, 1));
    if (rows.empty()) return std::optional<RowOf<Read>>();
    return std::optional<RowOf<Read>>(std::move(rows.front()));
  }
  // The advisory lock a shred takes (pg_advisory_xact_lock) and a record
  // made of another waits for (shared) before it reads that one is there:
  // "sp-shred" in ASCII.
  static constexpr int64_t kShredLock = 0x73702d7368726564;
  Status InsertAudit(Conn& c, const AuditRecord& r);
  // A protected message's rows, inside the caller's transaction; NOT_FOUND
  // for one made of a message that is not there (shredded).
  Status InsertProtectedMessage(Conn& c, const NewProtectedMessage& m);
  // The index terms of a message protected inside the caller's
  // transaction; and a message's removed (postgres_search.cc).
  Status InsertSearchTerms(Conn& c, std::string_view message_id,
                           const std::vector<int64_t>& terms);
  Status DeleteSearchTerms(Conn& c, std::string_view message_id);
  Status WriteQueueBatch(Conn& c, QueueBatch& batch);
  // Large bodies inside the caller's transaction (postgres_bodies.cc): one
  // written whole, in chunks; a staged one checked (FAILED_PRECONDITION
  // when it is not there, finished) and locked until the commit; one read
  // whole (DATA_LOSS when damaged); one dropped with its chunks.
  Status WriteBody(Conn& c, BodyKind kind, std::string_view id,
                   std::string_view body);
  Status ExpectStagedBody(Conn& c, BodyKind kind, std::string_view id);
  Result<std::string> ReadBody(Conn& c, BodyKind kind, std::string_view id);
  Status DropBody(Conn& c, BodyKind kind, std::string_view id);
  // One statement and a notification of `what` to every node, committed
  // together.
  Status RunAndNotify(std::string_view what, std::string_view sql,
                      internal::PgParams params);

  internal::PgPool pool_;
  const std::string url_;
  const std::string password_;
  // Not owned (references and pointers below): must outlive this object.
  const Clock& clock_;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_POSTGRES_POSTGRES_STORE_H_
