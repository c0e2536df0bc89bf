// Every key release: a use license for a reader (Acquire, in one step or
// in two so that no thread waits for the audit record's commit), and the
// mail flow's transport decryption. Each decision, granted or refused, is an
// audit record; a granted one is durable before the key leaves.
#include <memory>
#include <utility>

#include "base/log.h"
#include "base/string_source.h"
#include "base/strings.h"
#include "license/license_service.h"
#include "sealed/container.h"
#include "sealed/seal.h"
#include "sealed/sealed_reader.h"

namespace sealpost::license {

LicenseService::PendingRelease LicenseService::PrepareRelease(
    std::string_view email_in, std::string_view header_bytes,
    std::string_view client, Reader reader,
    const store::ProtectedMessageRecord* known) {
  std::string email(email_in);
  PendingRelease out;
  auto fail = [&](Status st) {
    out.license = std::move(st);
    return std::move(out);
  };
  // A refusal is recorded too (best effort: Release logs and counts a
  // record it cannot write, and refuses all the same).
  auto refuse = [&](std::string_view object, Refusal why,
                    std::string_view text = {}) {
    if (text.empty()) text = RefusalText(why);
    out.record = store::AuditRecord{
        0,
        clock_.NowUnix(),
        email,
        "license.acquire",
        std::string(object),
        "refused",
        std::string(text) + " (" + std::string(client) + ")"};
    return fail(PermissionDeniedError(std::string(text)).WithReason(why));
  };
  auto irm = CurrentIrm();
  if (!irm.ok()) return fail(irm.status());
  if (!(*irm)->Enabled() || !(*irm)->GetBool("InternalLicensingEnabled")) {
    return refuse("", Refusal::kDisabled);
  }
  auto keys = keys_.Keys();
  if (!keys.ok()) return fail(keys.status());
  auto header = sealed::ParseSealedHeader(header_bytes);
  if (!header.ok()) {
    return fail(InvalidArgumentError("not a valid protected message"));
  }
  const sealed::PublishingLicense& lic = header->license;
  auto verifier = (*keys)->GetVerifier(lic.key_version);
  if (!verifier.ok()) return refuse(lic.message_id, Refusal::kUnknownKey);
  if (!sealed::VerifySealedHeader(*header, *verifier).ok()) {
    return fail(InvalidArgumentError("not a valid protected message"));
  }
  // The caller's record of this request, when it read it already (the
  // portal); otherwise read now. Either way it is read for this request:
  // a revocation or new expiry committed before it counts.
  std::optional<store::ProtectedMessageRecord> record;
  const bool read_by_portal = known != nullptr && known->id == lic.message_id;
  if (read_by_portal) {
    record = *known;
  } else {
    auto read = store_.GetProtectedMessage(lic.message_id);
    if (!read.ok()) return fail(read.status());
    record = std::move(*read);
  }
  if (!record.has_value()) {
    return refuse(lic.message_id, Refusal::kUnknownMessage);
  }
  auto grants = ParsedGrants(record->grants_json);
  if (!grants.ok()) return fail(grants.status());
  auto who = IdentityOf(email, reader.sign_in);
  if (!who.ok()) return fail(who.status());
  if (auto* why = std::get_if<Refusal>(&*who)) {
    return refuse(lic.message_id, *why);
  }
  rights::Decision decision =
      rights::Evaluate(**grants, std::get<rights::Identity>(*who));
  // The issuer keeps full control after revocation and expiry (as RMS).
  std::vector<AskedPin> pins;  // of the message and those it was made of
  if (!decision.is_issuer) {
    auto ended = Ended(*record, &pins);
    if (!ended.ok()) return fail(ended.status());
    if (ended->has_value()) return refuse(lic.message_id, **ended);
  }
  if (decision.rights.empty()) {
    return refuse(lic.message_id, Refusal::kNoRights,
                  rights::DenyReasonText(decision.reason));
  }
  // A message whose sender asked for a PIN opens, for anyone but its
  // owner, only with the PIN: the portal checks its session's pass and
  // names the record it read; a mail client gives the PIN with its request
  // (was: the API gave the key, PIN unasked), for a message made of it (a
  // sealed attachment, a forward) too.
  const bool owner = email == record->owner && !IsReaderSignIn(reader.sign_in);
  if (!pins.empty() && !read_by_portal && !owner) {
    auto pin = CheckPins(pins, email, reader.pin);
    if (!pin.ok()) return fail(pin.status());
    if (pin->has_value()) return refuse(lic.message_id, **pin);
  }
  if (!decision.rights.Has(rights::Right::kView)) {
    return refuse(lic.message_id, Refusal::kNoRights);
  }
  auto key = (*keys)->UnwrapContentKey(lic.wrapped_content_key, lic.message_id);
  if (!key.ok()) return fail(key.status());
  store::AuditRecord granted{0,
                             clock_.NowUnix(),
                             email,
                             "license.acquire",
                             lic.message_id,
                             "granted",
                             "rights=" + rights::FormatRights(decision.rights) +
                                 " (" + std::string(client) + ")"};
  granted.device = reader.device;
  granted.sign_in = reader.sign_in;
  out.record = std::move(granted);
  UseLicense use;
  use.message_id = lic.message_id;
  use.content_key = std::move(*key);
  use.rights = decision.rights;
  use.signing_public_key = verifier->PublicKey();
  use.verifier = *verifier;
  use.owner = record->owner;
  use.template_name = lic.template_name;
  use.expires_at = ExpiryOf(*record);
  out.license = std::move(use);
  return out;
}

Result<std::shared_ptr<const rights::ConcreteGrants>>
LicenseService::ParsedGrants(const std::string& json) {
  {
    MutexLock lock(&grants_mu_);
    if (auto it = grants_.find(json); it != grants_.end()) return it->second;
  }
  SP_ASSIGN_OR_RETURN(rights::ConcreteGrants parsed, GrantsFromJson(json));
  auto shared =
      std::make_shared<const rights::ConcreteGrants>(std::move(parsed));
  MutexLock lock(&grants_mu_);
  if (grants_bytes_ + json.size() > kGrantsCacheBytes) {
    grants_.clear();
    grants_bytes_ = 0;
  }
  if (grants_.emplace(json, shared).second) grants_bytes_ += json.size();
  return shared;
}

namespace {

// What a release gives once its audit record's commit is over: the
// license, or (no record, no key) UNAVAILABLE; a refusal stays a refusal,
// its record written or, when it could not be, logged and counted.
Result<UseLicense> AfterCommit(store::Store& store,
                               LicenseService::PendingRelease& pending,
                               const Status& committed) {
  if (!pending.license.ok()) {
    if (!committed.ok()) {
      log::Error("audit record not written ({} {}): {}", pending.record->action,
                 pending.record->object, committed.ToString());
      store.CountAuditFailures(1);
    }
    return std::move(pending.license);
  }
  if (!committed.ok()) {
    return UnavailableError("the audit record cannot be written: " +
                            committed.message());
  }
  return std::move(pending.license);
}

}  // namespace

void LicenseService::Release(PendingRelease pending,
                             std::function<void(Result<UseLicense>)> done) {
  if (!pending.record.has_value()) {
    done(std::move(pending.license));
    return;
  }
  store::AuditRecord record = *pending.record;
  // Every key release is logged (SPEC §2): no record, no key. Concurrent
  // releases share one commit; nothing waits for it here.
  auto held = std::make_shared<PendingRelease>(std::move(pending));
  releases_.AppendAsync(std::move(record),
                        [this, held, done = std::move(done)](Status committed) {
                          done(AfterCommit(store_, *held, committed));
                        });
}

Result<UseLicense> LicenseService::Acquire(
    std::string_view email, std::string_view header, std::string_view client,
    Reader reader, const store::ProtectedMessageRecord* record) {
  PendingRelease pending =
      PrepareRelease(email, header, client, reader, record);
  if (!pending.record.has_value()) return std::move(pending.license);
  // A refusal's record is best effort; a grant's is the condition of the
  // key. Concurrent releases share one commit; each waits for its own.
  Status committed = pending.license.ok() ? releases_.Append(*pending.record)
                                          : store_.AppendAudit(*pending.record);
  return AfterCommit(store_, pending, committed);
}

Result<UseLicense> LicenseService::AcquireForClient(std::string_view email,
                                                    std::string_view header,
                                                    std::string_view client,
                                                    std::string_view pin) {
  std::string label = "api: " + std::string(client);
  SP_ASSIGN_OR_RETURN(auto irm, CurrentIrm());
  if (!irm->GetBool("ClientAccessServerEnabled")) {
    auto parsed = sealed::ParseSealedHeader(header);
    AuditBestEffort(email, "license.acquire",
                    parsed.ok() ? parsed->license.message_id : "", "refused",
                    std::string(RefusalText(Refusal::kClientAccessDisabled)) +
                        " (" + label + ")");
    return PermissionDeniedError(
               std::string(RefusalText(Refusal::kClientAccessDisabled)))
        .WithReason(Refusal::kClientAccessDisabled);
  }
  return Acquire(email, header, label, Reader{.pin = pin});
}

int64_t LicenseService::ExpiryOf(
    const store::ProtectedMessageRecord& record) const {
  if (record.expires_at != 0) return record.expires_at;
  const int64_t retention = retention_seconds_.load(std::memory_order_acquire);
  if (retention <= 0 || record.created_at <= 0) return 0;
  return record.created_at + retention;
}

Result<std::optional<Refusal>> LicenseService::Ended(
    const store::ProtectedMessageRecord& record, std::vector<AskedPin>* pins) {
  int64_t now = clock_.NowUnix();
  const store::ProtectedMessageRecord* r = &record;
  std::optional<store::ProtectedMessageRecord> parent;
  // A forward of a forward: bounded, so a cycle in bad data cannot hang.
  for (int depth = 0; depth < 16; ++depth) {
    if (pins != nullptr && !r->pin_sealed.empty()) {
      pins->push_back({r->id, r->pin_sealed});
    }
    if (r->revoked_at != 0) return {Refusal::kRevoked};
    if (int64_t expiry = ExpiryOf(*r); expiry != 0 && now >= expiry) {
      return {Refusal::kExpired};
    }
    if (r->parent_id.empty()) return {std::nullopt};
    SP_ASSIGN_OR_RETURN(parent, store_.GetProtectedMessage(r->parent_id));
    // The parent's record is gone: the forward cannot outlive it.
    if (!parent.has_value()) return {Refusal::kRevoked};
    r = &*parent;
  }
  return {Refusal::kRevoked};
}

Result<std::variant<rights::Identity, Refusal>> LicenseService::IdentityOf(
    std::string_view email, std::string_view sign_in) {
  rights::Identity who;
  who.email = std::string(email);
  SP_ASSIGN_OR_RETURN(who.internal, IsInternal(email));
  // A passcode proves a mailbox, a provider its word for an address: never
  // an organisation account, its groups, the org-only grants or an
  // issuer's full control (was: a provider vouching for an employee's
  // address, or a delegate of their mailbox, read as that employee; and,
  // once the account was removed, as its sender).
  who.may_be_issuer = !IsReaderSignIn(sign_in);
  if (who.internal && IsReaderSignIn(sign_in)) {
    return std::variant<rights::Identity, Refusal>(Refusal::kOrgSignInRequired);
  }
  SP_ASSIGN_OR_RETURN(who.groups, directory_.GroupsOf(email));
  return std::variant<rights::Identity, Refusal>(std::move(who));
}

Result<bool> LicenseService::GrantsView(
    const store::ProtectedMessageRecord& record, std::string_view email,
    std::string_view sign_in) {
  SP_ASSIGN_OR_RETURN(auto who, IdentityOf(email, sign_in));
  if (std::holds_alternative<Refusal>(who)) return false;
  SP_ASSIGN_OR_RETURN(auto grants, ParsedGrants(record.grants_json));
  return rights::Evaluate(*grants, std::get<rights::Identity>(who))
      .rights.Has(rights::Right::kView);
}

Result<std::vector<LicenseService::AskedPin>> LicenseService::PinsOf(
    const store::ProtectedMessageRecord& record) {
  std::vector<AskedPin> pins;
  if (record.parent_id.empty()) {  // no walk, no store read
    if (!record.pin_sealed.empty()) {
      pins.push_back({record.id, record.pin_sealed});
    }
    return pins;
  }
  // An ended message opens for no one but its issuer, who needs no PIN:
  // the PINs found before the walk stopped are all there is to ask.
  SP_RETURN_IF_ERROR(Ended(record, &pins).status());
  return pins;
}

Result<bool> LicenseService::AsksPin(
    const store::ProtectedMessageRecord& record) {
  SP_ASSIGN_OR_RETURN(std::vector<AskedPin> pins, PinsOf(record));
  return !pins.empty();
}

Result<std::optional<Refusal>> LicenseService::CheckPin(
    const store::ProtectedMessageRecord& record, std::string_view email,
    std::string_view pin) {
  SP_ASSIGN_OR_RETURN(std::vector<AskedPin> pins, PinsOf(record));
  if (pins.empty()) return {std::nullopt};
  return CheckPins(pins, email, pin);
}

Result<std::optional<Refusal>> LicenseService::CheckPins(
    const std::vector<AskedPin>& pins, std::string_view email,
    std::string_view pin) {
  if (pin.empty()) return {Refusal::kPinRequired};
  const int64_t now = clock_.NowUnix();
  bool right = true;
  std::vector<std::string> counted;
  for (const AskedPin& asked : pins) {
    // Counted before it is compared, so that parallel guesses cannot all
    // pass before one counted; under the portal's name, on every node;
    // by the message that asks, so that new copies bring no new tries.
    std::string key = "pin_per_reader:" + std::string(email) + "\n" + asked.id;
    SP_ASSIGN_OR_RETURN(
        bool allowed,
        store_.TakeRateLimit(key, kPinTries, kPinTriesWindow, now));
    if (!allowed) return {Refusal::kPinTries};
    counted.push_back(std::move(key));
    SP_ASSIGN_OR_RETURN(SecretBytes expected,
                        OpenFromStore(asked.sealed, kPinPurpose, asked.id));
    right = ConstantTimeEquals(expected.InsecureStringView(), pin) && right;
  }
  if (!right) return {Refusal::kWrongPin};
  // A right PIN is given back its try: a mail client opens a message and
  // each of its sealed attachments with it, 5 or more within 15 minutes.
  for (const std::string& key : counted) {
    if (Status forgot = store_.ForgetRateEvent(key, now); !forgot.ok()) {
      log::Warn("license: a right PIN still counts as a try: {}",
                forgot.message());
    }
  }
  return {std::nullopt};
}

namespace {

// The release records of transport decryption: a rule's, and the
// inspection's.
constexpr std::string_view kDecryptAction = "license.transport_decrypt";
constexpr std::string_view kInspectAction = "license.transport_inspect";

std::string DecryptPurpose(std::string_view rule) {
  return "remove protection by rule " + std::string(rule);
}

std::string InspectPurpose(std::string_view queue_id) {
  return "inspection by the mail flow rules of queued message " +
         std::string(queue_id);
}

// What a container that does not open is, whatever its fault: the
// checks below tell nothing more.
Status NotOurs() {
  return InvalidArgumentError("not a message protected by this organisation");
}

// A container of ours lifted into another wrapper of ours: refused before
// its grants are read, anything is decrypted or the release is recorded.
Status NotTheWrappers() {
  return InvalidArgumentError("its container is not the wrapper's");
}

// A failure of a transport release's own machinery (the store, the keys,
// the settings, the directory) while releasing the message `id`, never
// taken for a refusal: one that happens to carry a refusal's code
// (corrupt settings or grants, keys not active) becomes INTERNAL, so that
// the mail is tried again (451) rather than delivered still protected for
// good. Logged with the message's id (its status names no secret): the
// mail may be tried again for days, and the 451 alone says not why.
Status Fault(std::string_view id, Status status) {
  log::Error("transport release of message {} failed, to be tried again: {}",
             id, status.ToString());
  if (!LicenseService::IsTransportRefusal(status)) return status;
  return InternalError(status.message());
}

// `r`, or its error as a Fault of the release of message `id`.
template <typename T>
Result<T> OrFault(std::string_view id, Result<T> r) {
  if (!r.ok()) return Fault(id, r.status());
  return r;
}

}  // namespace

bool LicenseService::IsTransportRefusal(const Status& status) {
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kPermissionDenied:
      return true;
    default:
      return false;
  }
}

Result<TransportDecryption> LicenseService::TransportDecrypt(
    std::string_view container, std::string_view wrapper_id,
    std::string_view rule, const std::vector<std::string>& recipients) {
  return ReleaseInTransport(container, wrapper_id, recipients, kDecryptAction,
                            DecryptPurpose(rule));
}

Result<TransportDecryption> LicenseService::TransportDecryptStreamed(
    const std::function<Result<size_t>(size_t, std::string*)>& read,
    std::string_view wrapper_id, std::string_view rule,
    const std::vector<std::string>& recipients,
    const std::function<Status(std::string_view)>& plain,
    const std::function<Status()>& plain_done) {
  return ReleaseInTransportStreamed(read, wrapper_id, recipients, plain,
                                    plain_done, kDecryptAction,
                                    DecryptPurpose(rule));
}

Result<TransportDecryption> LicenseService::TransportInspect(
    std::string_view container, std::string_view wrapper_id,
    std::string_view queue_id, const std::vector<std::string>& recipients) {
  return ReleaseInTransport(container, wrapper_id, recipients, kInspectAction,
                            InspectPurpose(queue_id));
}

Result<TransportDecryption> LicenseService::TransportInspectStreamed(
    const std::function<Result<size_t>(size_t, std::string*)>& read,
    std::string_view wrapper_id, std::string_view queue_id,
    const std::vector<std::string>& recipients,
    const std::function<Status(std::string_view)>& plain,
    const std::function<Status()>& plain_done) {
  return ReleaseInTransportStreamed(read, wrapper_id, recipients, plain,
                                    plain_done, kInspectAction,
                                    InspectPurpose(queue_id));
}

Result<TransportDecryption> LicenseService::ReleaseInTransportStreamed(
    const std::function<Result<size_t>(size_t, std::string*)>& read,
    std::string_view wrapper_id, const std::vector<std::string>& recipients,
    const std::function<Status(std::string_view)>& plain,
    const std::function<Status()>& plain_done, std::string_view action,
    std::string_view purpose) {
  SP_RETURN_IF_ERROR(CheckTransportDecryption(wrapper_id));
  SP_ASSIGN_OR_RETURN(auto keys, OrFault(wrapper_id, keys_.Keys()));
  TransportDecryption out;
  sealed::StreamedOpen open;
  // The license's signature verified with the org key it names before
  // anything is unwrapped.
  open.verifier = [&](const sealed::PublishingLicense& license,
                      std::string_view) -> Result<crypto::Verifier> {
    auto verifier = keys->GetVerifier(license.key_version);
    if (!verifier.ok()) return NotOurs();
    return verifier;
  };
  open.content_key =
      [&](const sealed::PublishingLicense& license) -> Result<SecretBytes> {
    if (license.message_id != wrapper_id) return NotTheWrappers();
    auto content_key =
        keys->UnwrapContentKey(license.wrapped_content_key, license.message_id);
    if (!content_key.ok()) return NotOurs();
    SP_ASSIGN_OR_RETURN(out, GrantInTransport(license.message_id, recipients));
    return content_key;
  };
  open.plaintext = plain;
  if (Status st = sealed::OpenStreamed(read, open); !st.ok()) {
    return sealed::IsContainerFault(st) ? NotOurs() : st;
  }
  // The caller's plaintext made whole before the record: what fails after
  // it is as little as can be.
  if (plain_done) SP_RETURN_IF_ERROR(plain_done());
  SP_RETURN_IF_ERROR(AuditInTransport(out, action, purpose));
  return out;
}

Status LicenseService::CheckTransportDecryption(std::string_view id) {
  SP_ASSIGN_OR_RETURN(auto irm, OrFault(id, CurrentIrm()));
  if (!irm->Enabled())
    return FailedPreconditionError(std::string(RefusalText(Refusal::kDisabled)))
        .WithReason(Refusal::kDisabled);
  if (irm->GetText("TransportDecryptionSetting") == "Disabled") {
    return FailedPreconditionError(
        "TransportDecryptionSetting is Disabled: protection cannot be "
        "removed in transport");
  }
  return Status::Ok();
}

Result<TransportDecryption> LicenseService::GrantInTransport(
    const std::string& id, const std::vector<std::string>& recipients) {
  SP_ASSIGN_OR_RETURN(auto record, OrFault(id, store_.GetProtectedMessage(id)));
  if (!record.has_value()) return NotOurs();
  SP_ASSIGN_OR_RETURN(auto ended, OrFault(id, Ended(*record)));
  if (ended.has_value()) {
    return FailedPreconditionError(std::string(RefusalText(*ended)))
        .WithReason(*ended);
  }
  SP_ASSIGN_OR_RETURN(auto grants,
                      OrFault(id, ParsedGrants(record->grants_json)));
  TransportDecryption out{id, {}, {}};
  for (const auto& r : recipients) {
    rights::Identity who;
    who.email = AsciiLower(r);
    SP_ASSIGN_OR_RETURN(who.groups,
                        OrFault(id, directory_.GroupsOf(who.email)));
    SP_ASSIGN_OR_RETURN(who.internal, OrFault(id, IsInternal(who.email)));
    if (rights::Evaluate(*grants, who).rights.Has(rights::Right::kView)) {
      out.granted.push_back(who.email);
    }
  }
  if (out.granted.empty()) {
    return PermissionDeniedError("no recipient is granted this message");
  }
  return out;
}

Status LicenseService::AuditInTransport(const TransportDecryption& release,
                                        std::string_view action,
                                        std::string_view purpose) {
  std::string list;
  for (const auto& g : release.granted) list += (list.empty() ? "" : ",") + g;
  if (Status st = Audit("system", action, release.message_id, "granted",
                        std::string(purpose) + " for " + list);
      !st.ok()) {
    return UnavailableError("the audit record cannot be written: " +
                            st.message());
  }
  return Status::Ok();
}

Result<TransportDecryption> LicenseService::ReleaseInTransport(
    std::string_view container, std::string_view wrapper_id,
    const std::vector<std::string>& recipients, std::string_view action,
    std::string_view purpose) {
  // The streamed release's body over the container in memory: every check
  // (the license, the wrapper's id, the record, its end, the grants)
  // before anything is decrypted, as for a large wrapper.
  StringSource source(container);
  std::string original;
  SP_ASSIGN_OR_RETURN(TransportDecryption out,
                      ReleaseInTransportStreamed(
                          sealed::ReadOf(source), wrapper_id, recipients,
                          [&](std::string_view slice) {
                            // Reserved once the checks passed: a refused
                            // release allocates nothing.
                            if (original.empty() && !slice.empty()) {
                              original.reserve(container.size());
                            }
                            original.append(slice);
                            return Status::Ok();
                          },
                          nullptr, action, purpose));
  out.original = std::move(original);
  return out;
}

}  // namespace sealpost::license
