// ForwardingStore: a Store that hands every call to another, for tests that
// need to act between the steps of a caller (a decorator overrides the
// calls it watches: a password reset run inside a sign-in's read of the
// user, another admin's change inside a read of a setting) and check what
// the interleaving leaves.
//
// Thread-safety: as the store it forwards to; a decorator's own state is
// its own to guard.
#ifndef SEALPOST_STORE_FORWARDING_STORE_FOR_TESTING_H_
#define SEALPOST_STORE_FORWARDING_STORE_FOR_TESTING_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/store.h"

namespace sealpost::store::testing {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  std::string_view Engine() const override { return inner_.Engine(); }
  Result<std::unique_ptr<ChangeWatch>> WatchChanges(
      std::function<void(std::string_view what)> on_change) override {
    return inner_.WatchChanges(std::move(on_change));
  }
  Result<int> SchemaVersion() override { return inner_.SchemaVersion(); }
  void BeginReadSnapshot() override { inner_.BeginReadSnapshot(); }
  void EndReadSnapshot() override { inner_.EndReadSnapshot(); }

  // ---- Settings ----
  Result<std::optional<std::string>> GetSetting(std::string_view key) override {
    return inner_.GetSetting(key);
  }
  Status PutSetting(std::string_view key, std::string_view value) override {
    return inner_.PutSetting(key, value);
  }
  Result<bool> PutSettingIf(std::string_view key,
                            std::optional<std::string_view> expected,
                            std::string_view value) override {
    return inner_.PutSettingIf(key, expected, value);
  }
  // ---- Audit ----
  Status AppendAudit(AuditRecord record) override {
    return inner_.AppendAudit(std::move(record));
  }
  Status AppendAudits(const std::vector<AuditRecord>& records) override {
    return inner_.AppendAudits(records);
  }
  Result<std::vector<AuditRecord>> ListAudit(std::string_view object,
                                             int limit) override {
    return inner_.ListAudit(object, limit);
  }
  Result<std::vector<ActivityCount>> CountActivity(Activity activity,
                                                   std::string_view key,
                                                   int64_t since,
                                                   int64_t width) override {
    return inner_.CountActivity(activity, key, since, width);
  }
  // ---- Rights ----
  Status AddOrgKey(const OrgKeyRecord& key) override {
    return inner_.AddOrgKey(key);
  }
  Result<std::vector<OrgKeyRecord>> ListOrgKeys(
      std::string_view kind) override {
    return inner_.ListOrgKeys(kind);
  }
  Status UpdateProtectedMessage(const ProtectedMessageRecord& m) override {
    return inner_.UpdateProtectedMessage(m);
  }
  Status AddProtectedMessage(const NewProtectedMessage& m) override {
    return inner_.AddProtectedMessage(m);
  }
  Result<std::optional<std::string>> GetPortalCopy(
      std::string_view id) override {
    return inner_.GetPortalCopy(id);
  }
  Result<std::optional<ProtectedMessageRecord>> GetProtectedMessage(
      std::string_view id) override {
    return inner_.GetProtectedMessage(id);
  }
  Result<std::vector<ProtectedMessageRecord>> ListProtectedMessages(
      std::string_view owner, int limit) override {
    return inner_.ListProtectedMessages(owner, limit);
  }
  Result<std::vector<ProtectedMessageRecord>> QueryProtectedMessages(
      const ProtectedMessageQuery& query) override {
    return inner_.QueryProtectedMessages(query);
  }
  // ---- Sign-in ----
  Status AddUser(const UserRecord& user) override {
    return inner_.AddUser(user);
  }
  Status SetPassword(std::string_view email,
                     std::string_view password_hash) override {
    return inner_.SetPassword(email, password_hash);
  }
  Status BumpUserEpoch(std::string_view email) override {
    return inner_.BumpUserEpoch(email);
  }
  Result<std::optional<UserRecord>> GetUser(std::string_view email) override {
    return inner_.GetUser(email);
  }
  Result<std::vector<UserRecord>> ListUsers() override {
    return inner_.ListUsers();
  }
  Status DeleteUser(std::string_view email) override {
    return inner_.DeleteUser(email);
  }
  Status PutOtp(const OtpRecord& otp) override { return inner_.PutOtp(otp); }
  Result<std::optional<OtpRecord>> GetOtp(std::string_view message_id,
                                          std::string_view email) override {
    return inner_.GetOtp(message_id, email);
  }
  Result<std::optional<OtpRecord>> TakeOtpTry(std::string_view message_id,
                                              std::string_view email,
                                              int max_tries,
                                              int64_t now) override {
    return inner_.TakeOtpTry(message_id, email, max_tries, now);
  }
  Result<bool> ConsumeOtp(std::string_view message_id, std::string_view email,
                          std::string_view code_hash) override {
    return inner_.ConsumeOtp(message_id, email, code_hash);
  }
  Result<bool> PutSecondFactor(const SecondFactorRecord& f) override {
    return inner_.PutSecondFactor(f);
  }
  Result<std::optional<SecondFactorRecord>> GetSecondFactor(
      std::string_view email) override {
    return inner_.GetSecondFactor(email);
  }
  Result<bool> DeleteSecondFactor(std::string_view email) override {
    return inner_.DeleteSecondFactor(email);
  }
  Result<bool> TakeTotpStep(std::string_view email, int64_t step) override {
    return inner_.TakeTotpStep(email, step);
  }
  Status PutSession(const SessionRecord& session) override {
    return inner_.PutSession(session);
  }
  Result<std::optional<SessionRecord>> GetSession(
      std::string_view token_hash) override {
    return inner_.GetSession(token_hash);
  }
  Status DeleteSession(std::string_view token_hash) override {
    return inner_.DeleteSession(token_hash);
  }
  Status DeleteSessionsOf(std::string_view email) override {
    return inner_.DeleteSessionsOf(email);
  }
  Status PutPinPass(std::string_view session_hash, std::string_view message_id,
                    int64_t until) override {
    return inner_.PutPinPass(session_hash, message_id, until);
  }
  Result<bool> HasPinPass(std::string_view session_hash,
                          std::string_view message_id, int64_t now) override {
    return inner_.HasPinPass(session_hash, message_id, now);
  }
  Result<bool> TakeRateLimit(std::string_view key, int limit, int64_t window,
                             int64_t now) override {
    return inner_.TakeRateLimit(key, limit, window, now);
  }
  Status ForgetRateEvent(std::string_view key, int64_t at) override {
    return inner_.ForgetRateEvent(key, at);
  }
  Status PutPendingSignIn(const PendingSignInRecord& sign_in, int per_browser,
                          int total, int64_t expired_at) override {
    return inner_.PutPendingSignIn(sign_in, per_browser, total, expired_at);
  }
  Result<std::optional<PendingSignInRecord>> TakePendingSignIn(
      std::string_view state_hash) override {
    return inner_.TakePendingSignIn(state_hash);
  }
  // ---- Queue ----
  Status CommitQueueBatch(QueueBatch& batch) override {
    return inner_.CommitQueueBatch(batch);
  }
  bool StagesBodies(size_t size) const override {
    return inner_.StagesBodies(size);
  }
  Status StageBody(BodyKind kind, std::string_view id,
                   std::string_view body) override {
    return inner_.StageBody(kind, id, body);
  }
  Result<std::vector<std::string>> ListDueQueueMessages(int64_t now_ms,
                                                        int limit) override {
    return inner_.ListDueQueueMessages(now_ms, limit);
  }
  Result<std::vector<QueueClaim>> ClaimDueQueueMessages(
      int64_t now_ms, int limit, std::string_view node,
      int64_t lease_until_ms) override {
    return inner_.ClaimDueQueueMessages(now_ms, limit, node, lease_until_ms);
  }
  Result<std::vector<std::string>> RenewQueueLeases(
      std::string_view node, const std::vector<std::string>& ids,
      int64_t lease_until_ms) override {
    return inner_.RenewQueueLeases(node, ids, lease_until_ms);
  }
  Result<int64_t> ReleaseQueueLeases(std::string_view node) override {
    return inner_.ReleaseQueueLeases(node);
  }
  Result<std::vector<NodeQueueDepth>> QueueDepthByNode(
      int64_t now_ms) override {
    return inner_.QueueDepthByNode(now_ms);
  }
  Status PutNodeHeartbeat(const NodeRecord& node) override {
    return inner_.PutNodeHeartbeat(node);
  }
  Result<std::vector<NodeRecord>> ListNodes(int64_t seen_since_ms) override {
    return inner_.ListNodes(seen_since_ms);
  }
  Result<std::optional<QueuedMessage>> GetQueuedMessage(
      std::string_view id, bool with_content) override {
    return inner_.GetQueuedMessage(id, with_content);
  }
  Result<std::vector<QueuedMessage>> ListQueuedMessages(std::string_view state,
                                                        int limit) override {
    return inner_.ListQueuedMessages(state, limit);
  }
  Result<std::vector<QueueEvent>> ListQueueEvents(
      std::string_view message_id) override {
    return inner_.ListQueueEvents(message_id);
  }
  Status RetryQueuedMessage(std::string_view id, int64_t now_ms) override {
    return inner_.RetryQueuedMessage(id, now_ms);
  }
  Result<int64_t> CountQueuedDeliveries() override {
    return inner_.CountQueuedDeliveries();
  }
  Status PutTlsPolicy(const TlsPolicyRecord& policy) override {
    return inner_.PutTlsPolicy(policy);
  }
  Result<std::optional<TlsPolicyRecord>> GetTlsPolicy(
      std::string_view domain) override {
    return inner_.GetTlsPolicy(domain);
  }
  Result<std::vector<TlsPolicyRecord>> ListTlsPolicies() override {
    return inner_.ListTlsPolicies();
  }
  Status DeleteTlsPolicy(std::string_view domain) override {
    return inner_.DeleteTlsPolicy(domain);
  }
  // ---- Journal ----
  Status PutJournalRule(const JournalRuleRecord& rule) override {
    return inner_.PutJournalRule(rule);
  }
  Result<std::vector<JournalRuleRecord>> ListJournalRules() override {
    return inner_.ListJournalRules();
  }
  Status DeleteJournalRule(std::string_view id) override {
    return inner_.DeleteJournalRule(id);
  }
  // ---- Search ----
  Status PutSearchTerms(std::string_view message_id,
                        const std::vector<int64_t>& terms) override {
    return inner_.PutSearchTerms(message_id, terms);
  }
  Result<std::vector<std::string>> SearchMessages(
      const SearchQuery& query) override {
    return inner_.SearchMessages(query);
  }
  Result<int64_t> MergeSearchIndex(int min_docs, int max_docs) override {
    return inner_.MergeSearchIndex(min_docs, max_docs);
  }
  Result<SearchIndexSize> CountSearchIndex() override {
    return inner_.CountSearchIndex();
  }
  Result<int64_t> ShredProtectedMessage(std::string_view id,
                                        const AuditRecord& audit) override {
    return inner_.ShredProtectedMessage(id, audit);
  }
  // ---- S/MIME ----
  Status PutSmimeCert(const SmimeCertRecord& cert) override {
    return inner_.PutSmimeCert(cert);
  }
  Result<std::optional<SmimeCertRecord>> GetSmimeCert(
      std::string_view id) override {
    return inner_.GetSmimeCert(id);
  }
  Result<std::vector<SmimeCertRecord>> ListSmimeCerts(
      std::string_view kind, std::string_view email) override {
    return inner_.ListSmimeCerts(kind, email);
  }
  Status DeleteSmimeCert(std::string_view id) override {
    return inner_.DeleteSmimeCert(id);
  }
  Status RefuseSmimeCert(std::string_view id) override {
    return inner_.RefuseSmimeCert(id);
  }
  Result<bool> IsSmimeCertRefused(std::string_view id) override {
    return inner_.IsSmimeCertRefused(id);
  }
  Result<std::vector<SmimeRefusedRecord>> ListRefusedSmimeCerts() override {
    return inner_.ListRefusedSmimeCerts();
  }
  Result<bool> UnrefuseSmimeCert(std::string_view id) override {
    return inner_.UnrefuseSmimeCert(id);
  }
  Result<CrlAge> PutSmimeCrl(const SmimeCrlRecord& crl) override {
    return inner_.PutSmimeCrl(crl);
  }
  Result<SmimeCrlRecord> DeleteSmimeCrl(std::string_view issuer) override {
    return inner_.DeleteSmimeCrl(issuer);
  }
  Result<std::vector<SmimeCrlRecord>> ListSmimeCrls() override {
    return inner_.ListSmimeCrls();
  }
  // ---- Housekeeping ----
  Result<int64_t> PruneQueueHistory(int64_t before_ms, int limit) override {
    return inner_.PruneQueueHistory(before_ms, limit);
  }
  Result<int64_t> PrunePortalCopies(int64_t now, int64_t created_before,
                                    int limit) override {
    return inner_.PrunePortalCopies(now, created_before, limit);
  }
  Result<int64_t> ReclaimSpace(int64_t max_pages) override {
    return inner_.ReclaimSpace(max_pages);
  }
  Result<StoreStats> Stats() override { return inner_.Stats(); }

 protected:
  // Not owned: must outlive this object.
  Store& inner_;
};

}  // namespace sealpost::store::testing

#endif  // SEALPOST_STORE_FORWARDING_STORE_FOR_TESTING_H_
