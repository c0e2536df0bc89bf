// LicenseService: every protection and every key release goes through here.
// Protect seals a message for a licensed internal sender with a template;
// Acquire checks identity, IRM switches, the license signature and key
// version, revocation, expiry and the rights in the message's grants, and
// only then unwraps the content key. Each decision, granted or refused, is
// an audit record with its reason.
//
// Thread-safety: thread-safe; its state of its own is atomic (a counter and
// the retention) or the thread-safe group commit of key releases' audit
// records.
// Long: the one door to every key release, each call documented where it is
// declared; its definitions are split by concern (license_service.cc,
// key_release.cc, message_changes.cc, ediscovery.cc, key_backup.cc).
#ifndef SEALPOST_LICENSE_LICENSE_SERVICE_H_
#define SEALPOST_LICENSE_LICENSE_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "base/byte_source.h"
#include "base/clock.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "crypto/signature.h"
#include "license/directory.h"
#include "license/irm_config.h"
#include "license/key_service.h"
#include "license/templates.h"
#include "rights/evaluate.h"
#include "rights/rights.h"
#include "sealed/license.h"
#include "sealed/wrapper_seal.h"
#include "store/audit_group_commit.h"
#include "store/store.h"

namespace sealpost::license {

struct ProtectRequest {
  std::string sender;                   // licensed internal user
  std::string template_name;            // id or name
  std::vector<std::string> recipients;  // addresses
  std::string message;                  // the original RFC 5322 bytes
  std::string id_prefix;                // e.g. "probe-" for self-tests
  // Set by the mail flow: policy (a rule, or a licensed sender's choice)
  // already decided; the sender need not be a local user.
  bool authorized_by_policy = false;
  // The caller stores ProtectResult::write with its own commit (the
  // gateway's queue commit before 250): nothing is written here.
  bool defer_write = false;
  // An earlier expiry than the template's (unix seconds; 0: none), e.g.
  // the branding's ExternalMailExpiryInDays for external recipients.
  int64_t expires_at = 0;
  // The OME branding identity of the message's wrapper and portal pages.
  std::string branding;
  // Keep the sealed container in the store: the server's copy, which the
  // web portal shows and eDiscovery exports (docs/compliance.md). The mail
  // flow and the API keep one; a portal attachment sealed on its own for
  // download does not (its parent's copy holds its content).
  bool keep_portal_copy = false;
  // A portal forward: the message forwarded. Revoking or expiring it ends
  // the forward too.
  std::string parent_id;
  // Who wrote a forward (a reader's forward stays the original sender's):
  // kept in the record (ProtectedMessageRecord::writer).
  std::string writer;
  // The subject as the recipients see it (without the sender's-choice
  // keyword): kept in the record sealed for the owner, never in clear.
  std::string subject;
  // `message` without a copy, when the caller keeps the bytes alive for
  // the call (the mail flow's large messages); used instead of `message`
  // when not empty. Last, so that positional initializers keep their
  // meaning.
  std::string_view message_ref;
  // The sender asked for a PIN (X-Sealpost-Pin-Required, the compose
  // page): a 6-digit PIN from the CSPRNG is kept with the record, sealed
  // like the subject; the reader enters it after signing in.
  bool require_pin = false;
  // Its terms in the eDiscovery index (search::Indexer), committed with
  // the record; empty: not indexed.
  std::vector<int64_t> index_terms;
  // Set: the message is read from here instead of `message` (issue 14: a
  // large message through the API, never whole in memory), and the
  // container goes to `container_out` a piece at a time as it is made;
  // ProtectResult::container stays empty. With keep_portal_copy and
  // defer_write, the caller keeps what container_out gets as the portal
  // copy (the mail flow: its body file, store::BodyStore) and says so in
  // write->portal_copy_staged. With keep_portal_copy without defer_write
  // (the API), Protect itself writes the container into the store's body
  // file (kPortal, the message's id) as it is made and commits it with the
  // record, or removes it when anything fails; container_out is then
  // optional (it gets the same pieces), and a store without body files
  // (SQLite in memory) is FAILED_PRECONDITION. Otherwise container_out is
  // required.
  ByteSource* message_source = nullptr;
  std::function<Status(std::string_view)> container_out;
  // With message_source, when set: called with the new message's id
  // before the first container_out (to name the file the container goes
  // to).
  std::function<Status(std::string_view message_id)> container_begin;
  // `expires_at` is (or is bounded by) an expiry the organisation's policy
  // gives this mail, the branding's ExternalMailExpiryInDays: the record's
  // expiry is then the policy's (store::kPolicyExpiry), which its sender
  // may bring forward, never lift or extend. A template's expiry_days is
  // the policy's without it.
  bool expiry_by_policy = false;
};

struct ProtectResult {
  std::string message_id;
  // message.sealed; empty with defer_write and keep_portal_copy, where the
  // one copy is write->portal_copy (a large message is not held twice),
  // and with message_source (the container went to container_out, or to
  // the server's copy's body file: store::BodyStore::OpenBody reads it).
  std::string container;
  sealed::PublishingLicense license;
  // With ProtectRequest::defer_write: the rows for the caller to commit.
  std::optional<store::NewProtectedMessage> write;
};

struct UseLicense {
  std::string message_id;
  SecretBytes content_key;
  rights::Rights rights;
  std::string signing_public_key;  // to verify the container
  // The same key, ready to verify with (the org key version's own).
  std::optional<crypto::Verifier> verifier;
  std::string owner;
  std::string template_name;
  int64_t expires_at = 0;
};

// How a portal reader signed in (LicenseService::Reader::sign_in, and the
// audit records' sign_in): a passcode mailed to the address, an OpenID
// Connect provider's word for it, or an organisation account.
inline constexpr std::string_view kSignInPasscode = "passcode";
inline constexpr std::string_view kSignInProvider = "oidc";
inline constexpr std::string_view kSignInOrg = "org";
// A portal reader's sign-in: a passcode or a provider, which prove a
// mailbox (or a provider's word), never an organisation account or a
// message's sender.
inline bool IsReaderSignIn(std::string_view sign_in) {
  return sign_in == kSignInPasscode || sign_in == kSignInProvider;
}

// Why a license (or transport decryption) was refused: the refusal's
// Status carries it (Status::Reason<Refusal>()) for callers that branch on
// it; RefusalText is what users see.
enum class Refusal {
  kDisabled,              // IRM off, or internal licensing off
  kClientAccessDisabled,  // ClientAccessServerEnabled is False
  kUnknownKey,            // signed with an org key version not held here
  kUnknownMessage,        // no record of the message
  kRevoked,               // the message, or one it forwards, was revoked
  kExpired,               // ... or has expired
  kNoRights,              // the grants give this reader nothing (or no VIEW)
  kPinRequired,           // the sender set a PIN, and none was given
  kWrongPin,              // ... and the one given is not it
  kPinTries,              // ... and the reader used up their tries
  // A passcode or provider sign-in for an organisation account's address:
  // it proved a mailbox (or a provider's word), not the account.
  kOrgSignInRequired,
};
std::string_view RefusalText(Refusal refusal);

// What transport decryption gives back: the original, for the recipients
// the license grants (VIEW); the others keep the protected mail.
struct TransportDecryption {
  std::string message_id;
  std::string original;
  std::vector<std::string> granted;  // lower case, in the order asked
};

// The directory group whose members search protected mail when the IRM
// setting EDiscoverySuperUserEnabled is True (docs/compliance.md).
inline constexpr std::string_view kEDiscoveryManagerGroup =
    "eDiscovery Manager";

// A message released to an eDiscovery manager: its record and the original
// as sent, decrypted from the server's copy.
struct EDiscoveryRelease {
  store::ProtectedMessageRecord record;
  std::string original;
};

struct MessageState {
  store::ProtectedMessageRecord record;
  std::string state;  // "active", "revoked", "expired"
};

struct SelfTestCheck {
  std::string step;  // "Acquiring templates"
  bool pass = false;
  std::string detail;  // what was found, or what to fix
};

// The recipient addresses (lower case) recorded for a protected message;
// empty when the record's list is unreadable.
std::vector<std::string> RecipientsOf(const store::ProtectedMessageRecord& r);

class LicenseService {
 public:
  LicenseService(store::Store& store, KeyService& keys, Directory& directory,
                 TemplateStore& templates, const Clock& clock,
                 std::string issuer)
      : store_(store),
        keys_(keys),
        directory_(directory),
        templates_(templates),
        clock_(clock),
        issuer_(std::move(issuer)) {}

  Result<IrmConfig> LoadIrm();
  // The same without a copy, for what reads it on every request (a key
  // release, the portal's visitor): the stored text is read on every call,
  // so a change counts at once, and parsed again only when it changed.
  Result<std::shared_ptr<const IrmConfig>> CurrentIrm();
  // Writes the whole configuration as given, whatever is stored: for a
  // caller that set every property it cares about (tests). A change of
  // some properties is UpdateIrm.
  Status SaveIrm(const IrmConfig& config);
  // Changes the stored configuration with `edit` (store::UpdateSetting:
  // it may run more than once, each time on the configuration stored
  // then; an error stops the change), so that two admins' changes at
  // once both hold; the configuration as saved.
  Result<IrmConfig> UpdateIrm(const std::function<Status(IrmConfig&)>& edit);

  Result<ProtectResult> Protect(const ProtectRequest& request);

  // `header` is the container's header (or the whole container). A refusal
  // is PERMISSION_DENIED with a Refusal reason; its message is the text
  // shown to the user.
  // `reader` is how the reader came (portal: device kind and sign-in
  // method), kept with the audit record of a key release.
  struct Reader {
    std::string_view device;   // desktop | mobile | tablet | unknown
    std::string_view sign_in;  // kSignInPasscode | kSignInProvider | kSignInOrg
    // The PIN a mail client's user typed (`sealpost open --pin`) for a
    // message whose sender asked for one; 5 wrong tries per reader and
    // message per 15 minutes, as in the portal.
    std::string_view pin;
  };
  // `record`, when the caller has just read the message's record for this
  // request, saves reading it again (used only if it is that message's).
  Result<UseLicense> Acquire(
      std::string_view email, std::string_view header, std::string_view client,
      Reader reader = {},
      const store::ProtectedMessageRecord* record = nullptr);

  // Acquire in two steps, so that no thread waits while the release's
  // audit record is committed (the portal's first open, key_release.cc).
  // PrepareRelease makes every check Acquire makes and unwraps the key; it
  // gives the license (or the refusal, or an error) and the audit record
  // to write first. Release commits that record with concurrent releases'
  // and then calls `done` exactly once, from the commit's thread, with
  // what Acquire would have returned: the license only once its record is
  // durable (UNAVAILABLE, the key dropped, when it cannot be written); a
  // refusal whatever becomes of its record (best effort, as in Acquire).
  struct PendingRelease {
    Result<UseLicense> license = InternalError("not prepared");
    std::optional<store::AuditRecord> record;  // none: nothing to record
  };
  PendingRelease PrepareRelease(
      std::string_view email, std::string_view header, std::string_view client,
      Reader reader, const store::ProtectedMessageRecord* record = nullptr);
  void Release(PendingRelease pending,
               std::function<void(Result<UseLicense>)> done);
  // Acquire for a mail client over the API (`sealpost open`), refused while
  // the IRM setting ClientAccessServerEnabled is False; the portal and
  // transport decryption do not go through here. `client` is what the
  // caller says it is: it only labels the audit record.
  Result<UseLicense> AcquireForClient(std::string_view email,
                                      std::string_view header,
                                      std::string_view client,
                                      std::string_view pin = {});

  // Transport decryption for a mail flow rule's "remove protection": only
  // for a container that travels in the mail and whose license this
  // organisation signed, only when TransportDecryptionSetting is not
  // Disabled, never for a revoked or expired message, and only for the
  // `recipients` whose identity the grants give VIEW. Only the container
  // of the wrapper it travels in (`wrapper_id`, its verified seal's id):
  // another is refused (INVALID_ARGUMENT "its container is not the
  // wrapper's") before its grants are read or the release is recorded.
  // Audited ("license.transport_decrypt"); refused (UNAVAILABLE) when the
  // audit record cannot be written.
  Result<TransportDecryption> TransportDecrypt(
      std::string_view container, std::string_view wrapper_id,
      std::string_view rule, const std::vector<std::string>& recipients);
  // TransportDecrypt for a container read a slice at a time, its
  // plaintext given to `plain` as it is decrypted (issue 14: a large
  // wrapper in its spool file), as TransportInspectStreamed does it. An
  // error of `read`, `plain` or `plain_done` is returned as it is, and may
  // carry a refusal's code: see IsTransportRefusal.
  Result<TransportDecryption> TransportDecryptStreamed(
      const std::function<Result<size_t>(size_t, std::string*)>& read,
      std::string_view wrapper_id, std::string_view rule,
      const std::vector<std::string>& recipients,
      const std::function<Status(std::string_view)>& plain,
      const std::function<Status()>& plain_done = nullptr);
  // Whether `status`, an error of a transport release (TransportDecrypt,
  // TransportInspect, their Streamed forms), is a refusal, after which the
  // mail goes on still protected: TransportDecryptionSetting Disabled or
  // rights management off, revoked, expired (FAILED_PRECONDITION); not a
  // container of ours, no record of it, not the wrapper's
  // (INVALID_ARGUMENT); nobody granted (PERMISSION_DENIED); or no
  // container in the mail at all (mime's NOT_FOUND, INVALID_ARGUMENT).
  // Anything else is a failure to try again later (451): the record not
  // written (UNAVAILABLE), and the release's own faults (the store, the
  // keys, the settings, the directory), which never carry a refusal's code.
  // Not so the errors of the caller's own steps in a Streamed form (its
  // `read`, `plain`, `plain_done`): returned as they are, they may carry a
  // refusal's code (queue::SpoolFile gives FAILED_PRECONDITION, a file
  // NOT_FOUND), so a caller tells its own errors apart first, as
  // protect's ReleaseSpooledWrapper does with its `spool` status.
  static bool IsTransportRefusal(const Status& status);
  // Transport decryption for inspection (TransportDecryptionSetting
  // Optional or Mandatory, docs/compliance.md): the same checks as
  // TransportDecrypt (the wrapper's own container only), for the mail flow
  // rules to read the content of the message queued as `queue_id` on
  // behalf of the `recipients` granted VIEW. The plaintext stays in memory
  // (TransportInspectStreamed: a large one goes where its caller says) and the
  // mail is delivered still protected. Audited ("license.transport_inspect");
  // refused (UNAVAILABLE) when the audit record cannot be written.
  Result<TransportDecryption> TransportInspect(
      std::string_view container, std::string_view wrapper_id,
      std::string_view queue_id, const std::vector<std::string>& recipients);
  // TransportInspect for a container read a slice at a time by `read`
  // (as ByteSource::Read; issue 14: a large wrapper in its spool file),
  // whose plaintext goes to `plain` as it is decrypted, never whole in
  // memory (TransportDecryption::original stays empty). The same checks
  // in the same order (TransportInspect is built on it): the license
  // verified and its id matched to `wrapper_id`, the message's record, its
  // end and the grants checked before any plaintext is made; the record written
  // only once the whole container authenticated and `plain_done` (if any:
  // the caller finishes what `plain` wrote, so that little can fail after
  // the record) succeeded. What `plain` was given is to be dropped on any
  // error. An error of `read`, `plain` or `plain_done` is returned as it is,
  // and may carry a refusal's code: see IsTransportRefusal.
  Result<TransportDecryption> TransportInspectStreamed(
      const std::function<Result<size_t>(size_t, std::string*)>& read,
      std::string_view wrapper_id, std::string_view queue_id,
      const std::vector<std::string>& recipients,
      const std::function<Status(std::string_view)>& plain,
      const std::function<Status()>& plain_done = nullptr);

  // The seal of a wrapper mail (sealed/wrapper_seal.h) with the header
  // fields `header` and the body `body`: the parameters to append to its
  // X-Sealpost-Protected value.
  Result<std::string> SealWrapper(std::string_view message_id,
                                  std::string_view template_name,
                                  std::string_view header,
                                  std::string_view body);
  // The same for a body given as its canonical digest
  // (sealed::CanonicalBodyHasher), made a slice at a time.
  Result<std::string> SealWrapperDigest(std::string_view message_id,
                                        std::string_view template_name,
                                        std::string_view header,
                                        std::string_view body_digest);
  // The marker of a wrapper this organisation built whose signed fields and
  // body are unchanged; INVALID_ARGUMENT for anything else (no seal, a seal
  // by another key, a changed Subject or body).
  Result<sealed::ProtectedMarker> VerifyWrapper(std::string_view header_value,
                                                std::string_view header,
                                                std::string_view body);
  // VerifyWrapper with the body given by its digest (sealed::
  // CanonicalBodyHasher), which `body_digest` computes only once the marker
  // names a key of ours: for a body read from a spool a slice at a time
  // (issue 14). An error of `body_digest` is returned as it is.
  Result<sealed::ProtectedMarker> VerifyWrapperDigest(
      std::string_view header_value, std::string_view header,
      const std::function<Result<std::string>()>& body_digest);

  // The owner or an admin (`by` = "admin") may revoke. NOT_FOUND when the
  // message is not there, shredded before or during the call.
  Status Revoke(std::string_view message_id, std::string_view by,
                bool is_admin);
  // Sets the expiry (unix seconds; 0: never); the owner or an admin. The
  // owner changes neither an admin's expiry nor the end the retention gave
  // a message, and brings the policy's (store::kPolicyExpiry) forward only
  // (FAILED_PRECONDITION). NOT_FOUND as Revoke.
  Status SetExpiry(std::string_view message_id, int64_t expires_at,
                   std::string_view by, bool is_admin);
  Result<MessageState> GetState(std::string_view message_id);
  // The subject kept with a protected message (ProtectRequest::subject),
  // decrypted; nullopt for a message protected before subjects were kept.
  // For the owner's pages and for a reader already holding a use license:
  // the caller checks which.
  Result<std::optional<std::string>> Subject(
      const store::ProtectedMessageRecord& record);
  // The PIN of a message protected with ProtectRequest::require_pin;
  // nullopt when it needs none. For its owner's page and the PIN check.
  Result<std::optional<std::string>> Pin(
      const store::ProtectedMessageRecord& record);
  // A PIN's wrong tries, per reader and message, in the portal and from
  // mail clients: 5 per 15 minutes, like a passcode's.
  static constexpr int kPinTries = 5;
  static constexpr int64_t kPinTriesWindow = 900;
  // Whether `record` or a message it was made of (a forward's original,
  // at any depth) asks for a PIN: what the portal asks before it reads, as
  // a mail client is asked (was: a forward's recipient read the original
  // in the portal, never asked).
  Result<bool> AsksPin(const store::ProtectedMessageRecord& record);
  // The portal's PIN page: nothing when `pin` is the PIN of `record` and
  // of each message it was made of that asks one (AsksPin);
  // Refusal::kPinTries or kWrongPin otherwise, each try counted as a mail
  // client's (CheckPins: the same 5, in the store, on every node).
  Result<std::optional<Refusal>> CheckPin(
      const store::ProtectedMessageRecord& record, std::string_view email,
      std::string_view pin);
  // Whether `record`'s grants give `email`, signed in by `sign_in`, the
  // right to view it (revocation, expiry and PIN aside): who may try its
  // PIN at all.
  Result<bool> GrantsView(const store::ProtectedMessageRecord& record,
                          std::string_view email, std::string_view sign_in);
  // Small secrets kept in the store for someone (a reader's authenticator
  // secret): sealed by the key service (KeyHierarchy::EncryptMetadata)
  // with associated data `purpose`, NUL, `id`, so a sealed value moved to
  // another row or field does not open. Open gives one generic error.
  Result<std::string> SealForStore(const SecretBytes& secret,
                                   std::string_view purpose,
                                   std::string_view id);
  Result<SecretBytes> OpenFromStore(std::string_view sealed,
                                    std::string_view purpose,
                                    std::string_view id);

  // How many parsed grants ParsedGrants keeps (tests).
  size_t grants_cached() SP_EXCLUDES(grants_mu_) {
    MutexLock lock(&grants_mu_);
    return grants_.size();
  }

  // portal.retention_days, org-wide: a message without an expiry of its
  // own expires this many seconds after it was protected (0: never), as
  // its portal copy is deleted then (queue housekeeping). Set at start.
  void SetRetention(int64_t seconds) {
    retention_seconds_.store(seconds, std::memory_order_release);
  }
  // When `record` stops opening by its own expiry or the retention (unix
  // seconds; 0: never). A forward also ends with its parent (Ended).
  int64_t ExpiryOf(const store::ProtectedMessageRecord& record) const;

  // Changes whenever a decision already made may no longer hold (a
  // revocation, a new expiry, the IRM settings, any change to users,
  // groups or license assignments): callers that cache a use license drop
  // it when this moves. Both counters only grow, so their sum moves too.
  uint64_t RightsGeneration() const {
    return generation_.load(std::memory_order_acquire) +
           directory_.Generation();
  }
  // Moves RightsGeneration: another node changed something a decision may
  // depend on (server/shared_changes.h).
  void DropCachedDecisions() {
    generation_.fetch_add(1, std::memory_order_acq_rel);
  }

  // ---- eDiscovery and shredding (ediscovery.cc, docs/compliance.md) ----
  // OK when `email` may search protected mail: EDiscoverySuperUserEnabled
  // is True and they are in kEDiscoveryManagerGroup. PERMISSION_DENIED
  // otherwise (the refusal audited, best effort).
  Status CheckEDiscovery(std::string_view email);
  // The original of a message, from the server's copy, for an eDiscovery
  // manager: revoked and expired messages too (legal hold). Each release
  // is an "ediscovery.release" audit record written first: no record, no
  // content (UNAVAILABLE). NOT_FOUND when the message or its copy is gone,
  // or it outlived its original (OutlivedItsOriginal).
  Result<EDiscoveryRelease> ReleaseForEDiscovery(std::string_view email,
                                                 std::string_view message_id,
                                                 std::string_view purpose);
  // The subjects of a search's results for an eDiscovery manager ("" where
  // none was kept): one "ediscovery.release" record per message, all
  // written in one transaction before any subject is opened.
  Result<std::vector<std::string>> SubjectsForEDiscovery(
      std::string_view email,
      const std::vector<store::ProtectedMessageRecord>& records);
  // The original of a message for the server's own indexing (`sealpost
  // search reindex`): nobody sees it; the caller keeps only keyed hashes.
  // NOT_FOUND when no server copy is kept.
  Result<std::string> OpenForIndexing(std::string_view message_id);
  // `sealpost message shred`: the record (so no key service ever unwraps
  // its content key again), the server copy, passcodes and index terms
  // deleted with a "message.shred" audit record in one transaction, and
  // so are those of every record made of it (its portal forwards, theirs,
  // its attachments' sealed copies); returns how many those were.
  Result<int64_t> Shred(std::string_view message_id, std::string_view by);
  // A record made of another whose original, or one before it, is gone
  // (shredded, before shredding took the records made of it): eDiscovery
  // neither finds nor exports it.
  Result<bool> OutlivedItsOriginal(const store::ProtectedMessageRecord& record);

  // Test-IRMConfiguration: every step, in order.
  std::vector<SelfTestCheck> SelfTest(std::string_view sender,
                                      std::string_view recipient);

 private:
  // The associated-data purpose of a sealed PIN (EncryptMetadata).
  static constexpr std::string_view kPinPurpose = "pin";
  // A key release's record, committed with concurrent releases' records
  // (AuditGroupCommit): the release is refused when it fails.
  Status Audit(std::string_view actor, std::string_view action,
               std::string_view object, std::string_view result,
               std::string_view detail);
  // Every other record (refusals, revocations): logged and counted when it
  // cannot be written.
  void AuditBestEffort(std::string_view actor, std::string_view action,
                       std::string_view object, std::string_view result,
                       std::string_view detail);
  Result<bool> IsInternal(std::string_view email);
  // TransportDecrypt and TransportInspect: ReleaseInTransportStreamed
  // over the container in memory (one release body: every check before
  // anything is decrypted), the plaintext gathered into `original`.
  Result<TransportDecryption> ReleaseInTransport(
      std::string_view container, std::string_view wrapper_id,
      const std::vector<std::string>& recipients, std::string_view action,
      std::string_view purpose);
  // TransportInspectStreamed and TransportDecryptStreamed: the release,
  // audited as `action` with "<purpose> for <granted recipients>" once the
  // whole container authenticated. The errors of `read`, `plain` and
  // `plain_done` are returned as they are (they may carry a refusal's
  // code: the caller tells them apart); the release's own faults never
  // carry one.
  Result<TransportDecryption> ReleaseInTransportStreamed(
      const std::function<Result<size_t>(size_t, std::string*)>& read,
      std::string_view wrapper_id, const std::vector<std::string>& recipients,
      const std::function<Status(std::string_view)>& plain,
      const std::function<Status()>& plain_done, std::string_view action,
      std::string_view purpose);
  // ReleaseInTransportStreamed's steps: whether transport
  // decryption is allowed at all; then, for the message `id` whose
  // license verified, its record, its end and the `recipients` its grants
  // give VIEW; then the release's record (UNAVAILABLE when not written).
  // Their faults are logged with the message's id (`id`: the wrapper's).
  Status CheckTransportDecryption(std::string_view id);
  Result<TransportDecryption> GrantInTransport(
      const std::string& id, const std::vector<std::string>& recipients);
  Status AuditInTransport(const TransportDecryption& release,
                          std::string_view action, std::string_view purpose);
  // A message's stored grants, parsed: every key release evaluates them
  // (the page, then its body's frame; transport decryption, for each
  // message a rule or the inspection opens), and parsing the JSON cost more
  // than the rest of the checks. Kept by their text, so changed grants are
  // parsed anew; at most kGrantsCacheBytes of text, all dropped when full.
  Result<std::shared_ptr<const rights::ConcreteGrants>> ParsedGrants(
      const std::string& json);
  static constexpr size_t kGrantsCacheBytes = 4 << 20;
  // Why `record` (or a message it forwards) may no longer be opened:
  // Refusal::kRevoked, Refusal::kExpired, or nothing. On the same walk,
  // *pins (when given) gets the id and sealed PIN of `record` and of each
  // message it was made of (a sealed attachment's message, a forward's
  // original) that asks for a PIN; complete when nothing is returned.
  struct AskedPin {
    std::string id;
    std::string sealed;
  };
  Result<std::optional<Refusal>> Ended(
      const store::ProtectedMessageRecord& record,
      std::vector<AskedPin>* pins = nullptr);
  // The PINs `record` asks for, its own and those of the messages it was
  // made of (Ended's walk; none for an original without one): AsksPin and
  // CheckPin.
  Result<std::vector<AskedPin>> PinsOf(
      const store::ProtectedMessageRecord& record);
  // Refusal::kPinRequired, kPinTries or kWrongPin unless `pin` is the PIN
  // of every one of `pins` (each try counted against `email` and the
  // message that asks, before it is compared).
  Result<std::optional<Refusal>> CheckPins(const std::vector<AskedPin>& pins,
                                           std::string_view email,
                                           std::string_view pin);
  // Who `email` is to the grants, signed in by `sign_in`; kOrgSignInRequired
  // for a passcode or provider sign-in of an organisation account.
  Result<std::variant<rights::Identity, Refusal>> IdentityOf(
      std::string_view email, std::string_view sign_in);
  // The server copy of `record`, verified and decrypted (no checks of who
  // asks: the callers make them).
  Result<std::string> OpenServerCopy(
      const store::ProtectedMessageRecord& record);
  // `copy` (record's server copy, read already), verified and decrypted.
  Result<std::string> OpenCopy(const store::ProtectedMessageRecord& record,
                               const std::string& copy);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  KeyService& keys_;
  Directory& directory_;
  TemplateStore& templates_;
  const Clock& clock_;
  const std::string issuer_;
  store::AuditGroupCommit releases_{store_};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int64_t> retention_seconds_{0};
  // CurrentIrm's last parse and the stored text it came from.
  Mutex irm_mu_;
  std::optional<std::string> irm_text_ SP_GUARDED_BY(irm_mu_);
  std::shared_ptr<const IrmConfig> irm_parsed_ SP_GUARDED_BY(irm_mu_);
  // ParsedGrants' parses by their text, and the text's bytes in all.
  Mutex grants_mu_;
  std::unordered_map<std::string, std::shared_ptr<const rights::ConcreteGrants>>
      grants_ SP_GUARDED_BY(grants_mu_);
  size_t grants_bytes_ SP_GUARDED_BY(grants_mu_) = 0;
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_LICENSE_SERVICE_H_
