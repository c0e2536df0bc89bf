#include "license/license_service.h"

#include "base/enum_names.h"

#include <boost/json.hpp>

#include <algorithm>

#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "sealed/container.h"
#include "sealed/seal.h"
#include "store/body_store.h"
#include "store/update_setting.h"

namespace sealpost::license {
namespace {

namespace json = boost::json;

constexpr std::string_view kIrmKey = "irm";
// The associated-data purpose of a sealed subject (EncryptMetadata).
constexpr std::string_view kSubjectPurpose = "subject";
constexpr int kPinDigits = 6;

std::string RightsText(rights::Rights r) { return rights::FormatRights(r); }

// The server's copy of a streamed protection that commits its own rows
// (ProtectRequest::message_source with keep_portal_copy, without
// defer_write: the API's spooled protect): the container goes into the
// store's body file as it is made, never whole in memory, and the file is
// removed again unless the commit that names it succeeded.
class StagedCopy {
 public:
  explicit StagedCopy(store::BodyStore& bodies) : bodies_(bodies) {}
  StagedCopy(const StagedCopy&) = delete;
  StagedCopy& operator=(const StagedCopy&) = delete;
  // A writer let go before Finish leaves nothing (BodyWriter); a finished
  // body that no commit names is discarded here.
  ~StagedCopy() {
    if (finished_ && !committed_) {
      bodies_.DiscardBody(store::BodyKind::kPortal, id_);
    }
  }
  Status Start(std::string_view id) {
    id_ = std::string(id);
    SP_ASSIGN_OR_RETURN(writer_,
                        bodies_.StartBody(store::BodyKind::kPortal, id_));
    return Status::Ok();
  }
  Status Append(std::string_view bytes) { return writer_->Append(bytes); }
  Status Finish() {
    SP_RETURN_IF_ERROR(writer_->Finish());
    writer_.reset();
    finished_ = true;
    return Status::Ok();
  }
  void Committed() { committed_ = true; }

 private:
  store::BodyStore& bodies_;
  std::string id_;
  std::unique_ptr<store::BodyWriter> writer_;
  bool finished_ = false;
  bool committed_ = false;
};

// Protect's container for `license`: sealed from the request's message in
// memory; or, with message_source, a piece at a time into container_out
// and `copy` (each when there is one), and then only its header is
// returned (what ParseSealedHeader reads).
Result<std::string> SealContainer(const ProtectRequest& request,
                                  const sealed::PublishingLicense& license,
                                  const crypto::KeyHierarchy& keys,
                                  StagedCopy* copy) {
  if (request.message_source == nullptr) {
    return sealed::SealWithKeys(
        license, keys,
        request.message_ref.empty() ? request.message : request.message_ref);
  }
  if (request.container_begin) {
    SP_RETURN_IF_ERROR(request.container_begin(license.message_id));
  }
  if (copy != nullptr) SP_RETURN_IF_ERROR(copy->Start(license.message_id));
  auto out = [&](std::string_view bytes) -> Status {
    if (copy != nullptr) SP_RETURN_IF_ERROR(copy->Append(bytes));
    return request.container_out ? request.container_out(bytes) : Status::Ok();
  };
  SP_ASSIGN_OR_RETURN(std::string header,
                      sealed::SealWithKeysStreamed(
                          license, keys, *request.message_source, out));
  if (copy != nullptr) SP_RETURN_IF_ERROR(copy->Finish());
  return header;
}

}  // namespace

Status LicenseService::Audit(std::string_view actor, std::string_view action,
                             std::string_view object, std::string_view result,
                             std::string_view detail) {
  return releases_.Append({0, clock_.NowUnix(), std::string(actor),
                           std::string(action), std::string(object),
                           std::string(result), std::string(detail)});
}

void LicenseService::AuditBestEffort(std::string_view actor,
                                     std::string_view action,
                                     std::string_view object,
                                     std::string_view result,
                                     std::string_view detail) {
  store_.AppendAuditBestEffort({0, clock_.NowUnix(), std::string(actor),
                                std::string(action), std::string(object),
                                std::string(result), std::string(detail)});
}

Result<IrmConfig> LicenseService::LoadIrm() {
  SP_ASSIGN_OR_RETURN(std::shared_ptr<const IrmConfig> irm, CurrentIrm());
  return *irm;
}

Result<std::shared_ptr<const IrmConfig>> LicenseService::CurrentIrm() {
  SP_ASSIGN_OR_RETURN(auto text, store_.GetSetting(kIrmKey));
  // Read on every key release: parsed again only when the stored text
  // changed (the text is read each time, so a change counts at once).
  {
    MutexLock lock(&irm_mu_);
    if (irm_parsed_ != nullptr && irm_text_ == text) return irm_parsed_;
  }
  std::shared_ptr<const IrmConfig> parsed;
  if (text.has_value()) {
    SP_ASSIGN_OR_RETURN(IrmConfig config, IrmConfig::FromJson(*text));
    parsed = std::make_shared<const IrmConfig>(std::move(config));
  } else {
    parsed = std::make_shared<const IrmConfig>();
  }
  MutexLock lock(&irm_mu_);
  irm_text_ = std::move(text);
  irm_parsed_ = parsed;
  return parsed;
}

Status LicenseService::SaveIrm(const IrmConfig& config) {
  Status st = store_.PutSetting(kIrmKey, config.ToJson());
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return st;
}

Result<IrmConfig> LicenseService::UpdateIrm(
    const std::function<Status(IrmConfig&)>& edit) {
  IrmConfig saved;
  Status st = store::UpdateSetting(
      store_, kIrmKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        saved = IrmConfig();
        if (text.has_value()) {
          SP_ASSIGN_OR_RETURN(saved, IrmConfig::FromJson(*text));
        }
        SP_RETURN_IF_ERROR(edit(saved));
        return saved.ToJson();
      });
  generation_.fetch_add(1, std::memory_order_acq_rel);
  SP_RETURN_IF_ERROR(st);
  return saved;
}

Result<bool> LicenseService::IsInternal(std::string_view email) {
  return directory_.UserExists(email);
}

std::vector<std::string> RecipientsOf(const store::ProtectedMessageRecord& r) {
  std::vector<std::string> out;
  boost::system::error_code ec;
  json::value v = json::parse(r.recipients_json, ec);
  if (ec || !v.is_array()) return out;
  for (const json::value& a : v.as_array()) {
    if (a.is_string()) out.push_back(AsciiLower(std::string(a.as_string())));
  }
  return out;
}

std::string_view RefusalText(Refusal refusal) {
  static constexpr NameTable<Refusal, 11> kTexts = {{
      {Refusal::kDisabled, "rights management is disabled"},
      {Refusal::kClientAccessDisabled,
       "licenses for mail clients are turned off "
       "(ClientAccessServerEnabled)"},
      {Refusal::kUnknownKey, "unknown key version"},
      {Refusal::kUnknownMessage, "unknown message"},
      {Refusal::kRevoked, "revoked"},
      {Refusal::kExpired, "expired"},
      {Refusal::kNoRights, "no right to view"},
      {Refusal::kPinRequired,
       "its sender asked for a PIN: give it (sealpost open --pin), or read "
       "it in the web portal"},
      {Refusal::kWrongPin, "that PIN isn't right: ask the sender for it"},
      {Refusal::kPinTries,
       "too many PIN attempts: wait 15 minutes and try again"},
      {Refusal::kOrgSignInRequired,
       "the address has an organisation account: sign in with it"},
  }};
  return NameOf(kTexts, refusal, "refused");
}

Result<ProtectResult> LicenseService::Protect(const ProtectRequest& request) {
  SP_ASSIGN_OR_RETURN(IrmConfig irm, LoadIrm());
  if (!irm.Enabled() || !irm.GetBool("InternalLicensingEnabled")) {
    return FailedPreconditionError(
        std::string(RefusalText(Refusal::kDisabled)) +
        " (AzureRMSLicensingEnabled and InternalLicensingEnabled must be "
        "True)");
  }
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  SP_ASSIGN_OR_RETURN(std::string sender, NormalizeEmail(request.sender));
  SP_ASSIGN_OR_RETURN(bool exists, directory_.UserExists(sender));
  if (!exists && !request.authorized_by_policy) {
    return PermissionDeniedError(sender +
                                 " is not a user of this "
                                 "organisation");
  }
  SP_ASSIGN_OR_RETURN(bool licensed, directory_.IsLicensed(sender));
  if (!licensed && !request.authorized_by_policy) {
    AuditBestEffort(sender, "protect", "", "refused", "sender has no license");
    return PermissionDeniedError(
        sender +
        " has no license to protect mail (sealpost license assign "
        "--user " +
        sender + ")");
  }
  SP_ASSIGN_OR_RETURN(rights::Template tmpl,
                      templates_.Find(request.template_name));
  if (tmpl.archived) {
    return FailedPreconditionError("template '" + tmpl.name +
                                   "' is archived: it opens old content but "
                                   "cannot protect new mail");
  }
  if (request.recipients.empty()) {
    return InvalidArgumentError("at least one recipient is required");
  }
  std::vector<std::string> recipients;
  for (const auto& r : request.recipients) {
    SP_ASSIGN_OR_RETURN(std::string addr, NormalizeEmail(r));
    recipients.push_back(addr);
  }
  int64_t now = clock_.NowUnix();
  // Hex, so that an id never starts with '-' (a command line would take it
  // for an option) and reads the same everywhere; 128 random bits.
  std::string id =
      request.id_prefix + HexEncode(crypto::RandomBytes(16).InsecureBytes());
  rights::ConcreteGrants grants =
      rights::ExpandTemplate(tmpl, {sender, recipients});

  sealed::PublishingLicense license;
  license.issuer = issuer_;
  license.message_id = id;
  license.owner = sender;
  license.template_name = tmpl.name;
  for (const auto& g : grants.grants) {
    sealed::Grant sg{g.principal.ToString(), {}};
    for (rights::Right r : g.rights.List()) {
      sg.rights.emplace_back(rights::RightName(r));
    }
    license.grants.push_back(std::move(sg));
  }
  license.issued_at = now;
  license.expiry =
      tmpl.expiry_days > 0 ? now + int64_t{tmpl.expiry_days} * 86400 : 0;
  // The template's expiry is the policy's, as the branding's: the admin's,
  // not the sender's to lift (Microsoft Purview's rule too).
  const bool by_policy = license.expiry != 0 ||
                         (request.expiry_by_policy && request.expires_at > 0);
  if (request.expires_at > 0 &&
      (license.expiry == 0 || request.expires_at < license.expiry)) {
    license.expiry = request.expires_at;
  }
  // A streamed protection that commits its own rows keeps its server copy
  // in the store's body file (the gateway's, with defer_write, goes where
  // its caller puts what container_out gets).
  std::optional<StagedCopy> copy;
  if (request.message_source != nullptr && request.keep_portal_copy &&
      !request.defer_write) {
    store::BodyStore* bodies = store::BodyStoreOf(store_);
    if (bodies == nullptr) {
      return FailedPreconditionError(
          "a streamed protection keeps its server copy in the store's body "
          "files, and this store has none (a database in memory)");
    }
    copy.emplace(*bodies);
  } else if (request.message_source != nullptr && !request.container_out) {
    return InternalError("a streamed protection needs container_out");
  }
  // Streamed: `container` holds only the header, to read the license.
  SP_ASSIGN_OR_RETURN(
      std::string container,
      SealContainer(request, license, *keys, copy ? &*copy : nullptr));
  SP_ASSIGN_OR_RETURN(auto header, sealed::ParseSealedHeader(container));
  if (request.message_source != nullptr) container.clear();

  json::array rcpts;
  for (const auto& r : recipients) rcpts.emplace_back(r);
  store::ProtectedMessageRecord record{id,
                                       sender,
                                       tmpl.id,
                                       json::serialize(rcpts),
                                       GrantsToJson(grants),
                                       now,
                                       license.expiry,
                                       0,
                                       "",
                                       request.branding,
                                       request.parent_id,
                                       ""};
  record.writer = AsciiLower(request.writer);
  if (by_policy) record.expiry_by = std::string(store::kPolicyExpiry);
  SP_ASSIGN_OR_RETURN(
      record.subject_sealed,
      keys->EncryptMetadata(request.subject, kSubjectPurpose, id));
  if (request.require_pin) {
    SP_ASSIGN_OR_RETURN(record.pin_sealed,
                        keys->EncryptMetadata(crypto::RandomDigits(kPinDigits),
                                              kPinPurpose, id));
  }
  store::NewProtectedMessage write{std::move(record),
                                   {0, now, sender, "protect", id, "ok",
                                    "template=" + tmpl.name + " recipients=" +
                                        std::to_string(recipients.size())},
                                   std::string()};
  write.index_terms = request.index_terms;
  if (request.defer_write) {
    if (request.keep_portal_copy) {
      write.portal_copy = std::move(container);
      container.clear();
    }
    return ProtectResult{id, std::move(container), header.license,
                         std::move(write)};
  }
  // The copy is the container itself, moved in for the commit and back
  // out after it (not held twice); a streamed one is in its body file.
  const bool in_row = request.keep_portal_copy && !copy.has_value();
  if (in_row) write.portal_copy = std::move(container);
  write.portal_copy_staged = copy.has_value();
  Status committed = store_.AddProtectedMessage(write);
  if (in_row) container = std::move(write.portal_copy);
  SP_RETURN_IF_ERROR(committed);
  if (copy.has_value()) copy->Committed();
  return ProtectResult{id, std::move(container), header.license};
}

Result<std::string> LicenseService::SealWrapper(std::string_view message_id,
                                                std::string_view template_name,
                                                std::string_view header,
                                                std::string_view body) {
  sealed::CanonicalBodyHasher hasher;
  hasher.Update(body);
  return SealWrapperDigest(message_id, template_name, header, hasher.Finish());
}

Result<std::string> LicenseService::SealWrapperDigest(
    std::string_view message_id, std::string_view template_name,
    std::string_view header, std::string_view body_digest) {
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  uint32_t version = keys->primary_version();
  SP_ASSIGN_OR_RETURN(crypto::Signer signer, keys->GetSigner(version));
  SP_ASSIGN_OR_RETURN(std::string signature,
                      signer.Sign(sealed::WrapperSealInputWithDigest(
                          message_id, template_name, header, body_digest)));
  return sealed::FormatSealParams(version, signature);
}

Result<sealed::ProtectedMarker> LicenseService::VerifyWrapper(
    std::string_view header_value, std::string_view header,
    std::string_view body) {
  return VerifyWrapperDigest(header_value, header,
                             [body]() -> Result<std::string> {
                               sealed::CanonicalBodyHasher hasher;
                               hasher.Update(body);
                               return hasher.Finish();
                             });
}

Result<sealed::ProtectedMarker> LicenseService::VerifyWrapperDigest(
    std::string_view header_value, std::string_view header,
    const std::function<Result<std::string>()>& body_digest) {
  sealed::ProtectedMarker marker = sealed::ParseProtectedHeader(header_value);
  auto not_ours = [] {
    return InvalidArgumentError("not a wrapper sealed by this organisation");
  };
  if (marker.id.empty() || marker.seal.empty() || marker.key_version == 0) {
    return not_ours();
  }
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  auto verifier = keys->GetVerifier(marker.key_version);
  if (!verifier.ok()) return not_ours();
  SP_ASSIGN_OR_RETURN(std::string digest, body_digest());
  if (!verifier
           ->Verify(marker.seal,
                    sealed::WrapperSealInputWithDigest(
                        marker.id, marker.template_name, header, digest))
           .ok()) {
    return not_ours();
  }
  return marker;
}

Result<std::optional<std::string>> LicenseService::Subject(
    const store::ProtectedMessageRecord& record) {
  if (record.subject_sealed.empty()) return std::optional<std::string>();
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  SP_ASSIGN_OR_RETURN(
      std::string subject,
      keys->DecryptMetadata(record.subject_sealed, kSubjectPurpose, record.id));
  return std::optional<std::string>(std::move(subject));
}

Result<std::optional<std::string>> LicenseService::Pin(
    const store::ProtectedMessageRecord& record) {
  if (record.pin_sealed.empty()) return std::optional<std::string>();
  SP_ASSIGN_OR_RETURN(SecretBytes pin,
                      OpenFromStore(record.pin_sealed, kPinPurpose, record.id));
  return std::optional<std::string>(std::string(pin.InsecureStringView()));
}

Result<std::string> LicenseService::SealForStore(const SecretBytes& secret,
                                                 std::string_view purpose,
                                                 std::string_view id) {
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  return keys->EncryptMetadata(secret.InsecureStringView(), purpose, id);
}

Result<SecretBytes> LicenseService::OpenFromStore(std::string_view sealed,
                                                  std::string_view purpose,
                                                  std::string_view id) {
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  SP_ASSIGN_OR_RETURN(std::string plain,
                      keys->DecryptMetadata(sealed, purpose, id));
  SecretBytes out = SecretBytes::FromStringInsecure(plain);
  std::fill(plain.begin(), plain.end(), '\0');
  return out;
}

Result<MessageState> LicenseService::GetState(std::string_view message_id) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetProtectedMessage(message_id));
  if (!record.has_value()) {
    return NotFoundError("no protected message " + std::string(message_id));
  }
  // The same answer a license request gets: a forward ends with its parent.
  SP_ASSIGN_OR_RETURN(std::optional<Refusal> ended, Ended(*record));
  return MessageState{
      *record, ended.has_value() ? std::string(RefusalText(*ended)) : "active"};
}

std::vector<SelfTestCheck> LicenseService::SelfTest(
    std::string_view sender, std::string_view recipient) {
  std::vector<SelfTestCheck> checks;
  auto add = [&](std::string step, bool pass, std::string detail) {
    checks.push_back({std::move(step), pass, std::move(detail)});
    return pass;
  };

  if (!add("Checking rights management is activated", keys_.active(),
           keys_.active() ? "active, org key version " +
                                std::to_string(keys_.primary_version())
                          : "not active: run `sealpost rms activate`")) {
    return checks;
  }
  auto irm = LoadIrm();
  if (!add("Loading IRM configuration", irm.ok(),
           irm.ok() ? "loaded" : irm.status().message())) {
    return checks;
  }
  bool master = irm->Enabled();
  bool internal = irm->GetBool("InternalLicensingEnabled");
  if (!add("Verifying IRM is enabled", master && internal,
           !master     ? "AzureRMSLicensingEnabled is False: run `sealpost irm "
                         "set --AzureRMSLicensingEnabled True`"
           : !internal ? "InternalLicensingEnabled is False: run `sealpost "
                         "irm set --InternalLicensingEnabled True`"
                       : "AzureRMSLicensingEnabled and "
                         "InternalLicensingEnabled are True")) {
    return checks;
  }
  auto list = templates_.List();
  std::string names;
  if (list.ok()) {
    for (const auto& t : *list) {
      if (t.archived) continue;
      names += (names.empty() ? "" : ", ") + t.name;
    }
  }
  if (!add("Acquiring templates", list.ok() && !names.empty(),
           list.ok() ? (names.empty() ? "no usable template: un-archive one "
                                        "with `sealpost template set`"
                                      : "Templates available: " + names)
                     : list.status().message())) {
    return checks;
  }
  auto licensed = directory_.IsLicensed(sender);
  if (!add("Checking the sender is licensed", licensed.ok() && *licensed,
           licensed.ok() && *licensed
               ? std::string(sender) + " holds a license"
               : std::string(sender) +
                     " has no license: run `sealpost license assign --user " +
                     std::string(sender) + "`")) {
    return checks;
  }
  std::string probe = "Subject: Sealpost IRM self-test\r\n\r\n" +
                      crypto::RandomToken(48) + "\r\n";
  auto sealed = Protect({std::string(sender),
                         "Encrypt",
                         {std::string(recipient)},
                         probe,
                         "probe-"});
  if (!add("Verifying encryption", sealed.ok(),
           sealed.ok()
               ? "protected a probe message (" + sealed->message_id + ")"
               : sealed.status().message())) {
    return checks;
  }
  auto lic = Acquire(recipient, sealed->container, "irm test");
  if (!lic.ok()) {
    add("Acquiring a license as the recipient", false,
        std::string(recipient) + " was refused: " + lic.status().message());
    return checks;
  }
  add("Acquiring a license as the recipient", true,
      "granted " + RightsText(lic->rights));
  auto verifier = crypto::Verifier::FromPublicKey(lic->signing_public_key);
  bool same = false;
  if (verifier.ok()) {
    auto opened = sealed::Open(sealed->container, *verifier, lic->content_key);
    same = opened.ok() && opened->message == probe;
  }
  add("Verifying decryption", same,
      same ? "decrypted bytes match the probe"
           : "decrypted bytes differ from the probe");
  return checks;
}

}  // namespace sealpost::license
