// The SQLite engine of Store: WAL journal, synchronous=FULL (every commit is
// fsynced before it returns), a busy timeout, and one connection behind one
// mutex so there is exactly one writer path. A few read-only connections
// (reader_pool.h, each behind its own mutex) answer the lookups every portal
// request makes (session, user, protected message, portal copy), so that
// they never wait behind a commit's fsync: in WAL mode a reader sees every
// transaction committed before its statement (or its snapshot) began. A
// request may hold one for all its lookups (Store::ReadSnapshot).
//
// Thread-safety: thread-safe; writes and most reads serialise on one mutex,
// the lookups above on their read connection's.
#ifndef SEALPOST_STORE_SQLITE_SQLITE_STORE_H_
#define SEALPOST_STORE_SQLITE_SQLITE_STORE_H_

#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/thread_annotations.h"
#include "store/body_store.h"
#include "store/migrations.h"
#include "store/sqlite/body_files.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/reader_pool.h"
#include "store/sqlite/sqlite_util.h"
#include "store/store.h"

namespace sealpost::store {

class SqliteStore final : public Store, public BodyStore {
 public:
  // Opens the database and applies `migrations` that are not yet applied.
  // The write-ahead log's file is trimmed to this when the log restarts
  // (PRAGMA journal_size_limit).
  static constexpr int64_t kWalSizeLimit = 16 << 20;

  static Result<std::unique_ptr<SqliteStore>> Open(
      const std::string& path, const Clock& clock,
      const std::vector<Migration>& migrations = AllMigrations());
  ~SqliteStore() override;

  std::string_view Engine() const override { return "sqlite"; }
  void BeginReadSnapshot() override { readers_->BeginSnapshot(); }
  void EndReadSnapshot() override { readers_->EndSnapshot(); }
  // Whether this thread holds a read snapshot of this store (tests).
  bool InReadSnapshot() const { return readers_->InSnapshot(); }
  Result<int> SchemaVersion() override;
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

  // Rights management (sqlite_rights.cc).
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
  // Shared sign-in state (sqlite_signin.cc).
  Result<bool> TakeRateLimit(std::string_view key, int limit, int64_t window,
                             int64_t now) override;
  Status ForgetRateEvent(std::string_view key, int64_t at) override;
  Status PutPendingSignIn(const PendingSignInRecord& sign_in, int per_browser,
                          int total, int64_t expired_at) override;
  Result<std::optional<PendingSignInRecord>> TakePendingSignIn(
      std::string_view state_hash) override;

  // Queue (sqlite_queue.cc).
  Status CommitQueueBatch(QueueBatch& batch) override;
  bool StagesBodies(size_t size) const override { return bodies_.Wants(size); }
  Status StageBody(BodyKind kind, std::string_view id,
                   std::string_view body) override;
  Result<std::unique_ptr<BodyWriter>> StartBody(BodyKind kind,
                                                std::string_view id) override;
  Result<std::unique_ptr<BodyReader>> OpenBody(BodyKind kind,
                                               std::string_view id) override;
  void DiscardBody(BodyKind kind, std::string_view id) override {
    bodies_.Remove(kind, id);
  }
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

  // Journal rules (sqlite_journal.cc).
  Status PutJournalRule(const JournalRuleRecord& rule) override;
  Result<std::vector<JournalRuleRecord>> ListJournalRules() override;
  Status DeleteJournalRule(std::string_view id) override;

  // The eDiscovery blind index (sqlite_search.cc).
  Status PutSearchTerms(std::string_view message_id,
                        const std::vector<int64_t>& terms) override;
  Result<std::vector<std::string>> SearchMessages(
      const SearchQuery& query) override;
  Result<int64_t> MergeSearchIndex(int min_docs, int max_docs) override;
  Result<SearchIndexSize> CountSearchIndex() override;
  Result<int64_t> ShredProtectedMessage(std::string_view id,
                                        const AuditRecord& audit) override;

  // S/MIME certificates (sqlite_certs.cc).
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

  // Housekeeping (sqlite_housekeeping.cc).
  Result<int64_t> PruneQueueHistory(int64_t before_ms, int limit) override;
  Result<int64_t> PrunePortalCopies(int64_t now, int64_t created_before,
                                    int limit) override;
  Result<int64_t> ReclaimSpace(int64_t max_pages) override;
  Result<StoreStats> Stats() override;

 private:
  SqliteStore(sqlite3* db, const std::string& path, const Clock& clock)
      : db_(db), stmts_(db), bodies_(path), clock_(clock) {}
  // Opens the read-only connections (after the migrations).
  Status OpenReaders(const std::string& path);
  // Removes the body files no row names (body_files.h), at open.
  Status SweepBodyFiles() SP_EXCLUDES(mu_);
  // Removes the files of a transaction that rolled back, or the bodies
  // one dropped once it has committed.
  void Discard(const internal::BodyFileChanges& changes, bool committed)
      SP_REQUIRES(mu_);
  Status Migrate(const std::vector<Migration>& migrations) SP_EXCLUDES(mu_);
  // One statement through the cache; several (a migration) parsed once.
  Status Exec(std::string_view sql) SP_REQUIRES(mu_);
  // Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; ROLLBACK when it fails.
  Status InTransaction(const std::function<Status()>& fn) SP_REQUIRES(mu_);
  // The same for a caller that does not hold mu_: takes it for the run.
  Status WriteTransaction(const std::function<Status()>& fn) SP_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    return InTransaction(fn);
  }
  // InTransaction for a write that may write or drop body files, which `fn`
  // notes in the changes it is given: after a commit the dropped files go,
  // after a rollback the written ones.
  Status InTransactionWithFiles(
      const std::function<Status(internal::BodyFileChanges*)>& fn)
      SP_REQUIRES(mu_);
  // One audit row (AppendAudit, and inside other writes' transactions).
  Status InsertAudit(const AuditRecord& r) SP_REQUIRES(mu_);
  // A protected message's rows, inside the caller's transaction; NOT_FOUND
  // for one made of a message that is not there (shredded). A large
  // portal copy goes to a body file (noted in `changes`).
  Status InsertProtectedMessage(const NewProtectedMessage& m,
                                internal::BodyFileChanges* changes)
      SP_REQUIRES(mu_);
  // The index terms of a message protected inside the caller's
  // transaction; and a message's removed (sqlite_search.cc).
  Status InsertSearchTerms(std::string_view message_id,
                           const std::vector<int64_t>& terms) SP_REQUIRES(mu_);
  Status DeleteSearchTerms(std::string_view message_id) SP_REQUIRES(mu_);
  // CommitQueueBatch's rows, inside its transaction.
  Status WriteQueueBatch(QueueBatch& batch, internal::BodyFileChanges* changes)
      SP_REQUIRES(mu_);
  // `use(stmt)` on one statement of the writer connection (taking mu_),
  // `values` bound to ?1, ?2, ... in order (Stmt::BindAll). The helpers
  // below are its common uses.
  template <typename Use, typename... Values>
  auto WithStmt(std::string_view sql, Use use, const Values&... values)
      SP_EXCLUDES(mu_) {
    MutexLock lock(&mu_);
    internal::Stmt s(stmts_, sql);
    s.BindAll(values...);
    return use(s);
  }
  // One statement.
  template <typename... Values>
  Status Run(std::string_view sql, const Values&... values) SP_EXCLUDES(mu_) {
    return WithStmt(
        sql, [](internal::Stmt& s) { return s.Run(); }, values...);
  }
  // The same for a statement that must change a row: NotFound(`missing`)
  // when it changes none.
  template <typename... Values>
  Status RunOrNotFound(std::string_view missing, std::string_view sql,
                       const Values&... values) SP_EXCLUDES(mu_) {
    return WithStmt(
        sql, [&](internal::Stmt& s) { return s.RunOrNotFound(missing); },
        values...);
  }
  // The same for a conditional change: true when it changed one row.
  template <typename... Values>
  Result<bool> RunChangedOne(std::string_view sql, const Values&... values)
      SP_EXCLUDES(mu_) {
    return WithStmt(
        sql,
        [this](internal::Stmt& s) SP_REQUIRES(mu_) -> Result<bool> {
          SP_RETURN_IF_ERROR(s.Run());
          return sqlite3_changes(db_) == 1;
        },
        values...);
  }
  // Every row of one query on the writer connection, each read by
  // `read(stmt)`; `what` names the query in an error.
  template <typename Read, typename... Values>
  auto SelectAll(std::string_view what, std::string_view sql, Read read,
                 const Values&... values) SP_EXCLUDES(mu_) {
    return WithStmt(
        sql, [&](internal::Stmt& s) { return s.All(what, read); }, values...);
  }
  // The first row of one query, if there is one.
  template <typename Read, typename... Values>
  auto SelectFirst(std::string_view what, std::string_view sql, Read read,
                   const Values&... values) SP_EXCLUDES(mu_) {
    return WithStmt(
        sql, [&](internal::Stmt& s) { return s.First(what, read); }, values...);
  }
  // The row a write that touches at most one row gives with RETURNING.
  template <typename Read, typename... Values>
  auto RunReturning(std::string_view what, std::string_view sql, Read read,
                    const Values&... values) SP_EXCLUDES(mu_) {
    return WithStmt(
        sql, [&](internal::Stmt& s) { return s.Returning(what, read); },
        values...);
  }
  // The single integer a query such as "PRAGMA page_count" returns.
  Result<int64_t> QueryInt(std::string_view sql) SP_REQUIRES(mu_);
  // Runs each of `sqls` (its one parameter the id) for each of `ids`, all
  // in one transaction.
  Status DeleteEach(const std::vector<std::string>& ids,
                    std::initializer_list<std::string_view> sqls)
      SP_REQUIRES(mu_);

  Mutex mu_;
  sqlite3* db_ SP_GUARDED_BY(mu_);
  internal::StmtCache stmts_ SP_GUARDED_BY(mu_);
  // WAL checkpoints off the commit path (checkpointer.h); null for an
  // in-memory database.
  std::unique_ptr<internal::Checkpointer> checkpointer_ SP_GUARDED_BY(mu_);
  // The read-only connections (reader_pool.h; never held together with
  // mu_); set once by Open.
  std::unique_ptr<internal::ReaderPool> readers_;
  // Large queue bodies and portal copies (body_files.h); immutable, and
  // written outside mu_ (a file per body, each written once).
  const internal::BodyFiles bodies_;
  // Settings read so far: rules, templates, branding and the IRM
  // configuration are read for every message, and must not wait behind a
  // queue commit's fsync. Only this process writes the database, and
  // PutSetting writes through (filled and changed while holding mu_ too).
  mutable Mutex settings_mu_;
  std::unordered_map<std::string, std::optional<std::string>> settings_
      SP_GUARDED_BY(settings_mu_);
  // The journal rules, read for every accepted message like the settings
  // above (nullopt: not read yet; written through).
  std::optional<std::vector<JournalRuleRecord>> journal_rules_
      SP_GUARDED_BY(settings_mu_);
  // Not owned (references and pointers below): must outlive this object.
  const Clock& clock_;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SQLITE_SQLITE_STORE_H_
