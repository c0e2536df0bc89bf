// LicenseService: eDiscovery releases and shredding (docs/compliance.md).
// An eDiscovery manager reads mail they were not sent, so every release is
// checked here (the IRM switch and the group, on every call) and audited
// before any plaintext exists; revocation and expiry do not hide mail from
// them (legal hold), shredding does.
#include <algorithm>

#include "license/license_service.h"
#include "sealed/container.h"
#include "sealed/seal.h"

namespace sealpost::license {
namespace {

constexpr std::string_view kSubjectPurpose = "subject";  // as Subject()

}  // namespace

Status LicenseService::CheckEDiscovery(std::string_view email) {
  auto refuse = [&](std::string_view why) {
    AuditBestEffort(email, "ediscovery.search", "", "refused", why);
    return PermissionDeniedError(std::string(why));
  };
  if (email.empty()) {
    return refuse(
        "eDiscovery needs a signed-in member of the eDiscovery Manager "
        "group; the admin token reads no content");
  }
  SP_ASSIGN_OR_RETURN(IrmConfig irm, LoadIrm());
  if (!irm.GetBool("EDiscoverySuperUserEnabled")) {
    return refuse("eDiscovery is off (EDiscoverySuperUserEnabled is False)");
  }
  SP_ASSIGN_OR_RETURN(auto groups, directory_.GroupsOf(email));
  if (std::find(groups.begin(), groups.end(), kEDiscoveryManagerGroup) ==
      groups.end()) {
    return refuse(std::string(email) + " is not in the " +
                  std::string(kEDiscoveryManagerGroup) + " group");
  }
  return Status::Ok();
}

namespace {

Status NoServerCopy(const store::ProtectedMessageRecord& record) {
  return NotFoundError("the server keeps no copy of " + record.id +
                       " (expired from the portal, or sealed through the API "
                       "before the API kept copies)");
}

}  // namespace

Result<std::string> LicenseService::OpenServerCopy(
    const store::ProtectedMessageRecord& record) {
  SP_ASSIGN_OR_RETURN(auto copy, store_.GetPortalCopy(record.id));
  if (!copy.has_value()) return NoServerCopy(record);
  return OpenCopy(record, *copy);
}

Result<std::string> LicenseService::OpenCopy(
    const store::ProtectedMessageRecord& record, const std::string& copy) {
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  auto header = sealed::ParseSealedHeader(copy);
  if (!header.ok() || header->license.message_id != record.id) {
    return DataLossError("the server copy of " + record.id + " is damaged");
  }
  const sealed::PublishingLicense& lic = header->license;
  SP_ASSIGN_OR_RETURN(crypto::Verifier verifier,
                      keys->GetVerifier(lic.key_version));
  SP_ASSIGN_OR_RETURN(
      SecretBytes key,
      keys->UnwrapContentKey(lic.wrapped_content_key, lic.message_id));
  auto opened = sealed::Open(copy, verifier, key);
  if (!opened.ok()) {
    return DataLossError("the server copy of " + record.id + " is damaged");
  }
  return std::move(opened->message);
}

Result<EDiscoveryRelease> LicenseService::ReleaseForEDiscovery(
    std::string_view email, std::string_view message_id,
    std::string_view purpose) {
  SP_RETURN_IF_ERROR(CheckEDiscovery(email));
  SP_ASSIGN_OR_RETURN(auto record, store_.GetProtectedMessage(message_id));
  if (!record.has_value()) {
    return NotFoundError("no protected message " + std::string(message_id));
  }
  // A forward carries its original's text: once that is shredded, so is
  // the forward for eDiscovery (was: exported).
  SP_ASSIGN_OR_RETURN(bool orphan, OutlivedItsOriginal(*record));
  if (orphan) {
    return NotFoundError("no protected message " + std::string(message_id) +
                         " (the message it was made of was shredded)");
  }
  // The copy first (ciphertext: nothing is released by reading it), so
  // that a message with none records no release (was: "granted", then 404).
  SP_ASSIGN_OR_RETURN(auto copy, store_.GetPortalCopy(record->id));
  if (!copy.has_value()) return NoServerCopy(*record);
  // Every key release is logged (SPEC §2): no record, no content.
  if (Status st = Audit(email, "ediscovery.release", message_id, "granted",
                        std::string(purpose) + " (eDiscovery)");
      !st.ok()) {
    return UnavailableError("the audit record cannot be written: " +
                            st.message());
  }
  SP_ASSIGN_OR_RETURN(std::string original, OpenCopy(*record, *copy));
  return EDiscoveryRelease{std::move(*record), std::move(original)};
}

Result<std::vector<std::string>> LicenseService::SubjectsForEDiscovery(
    std::string_view email,
    const std::vector<store::ProtectedMessageRecord>& records) {
  SP_RETURN_IF_ERROR(CheckEDiscovery(email));
  std::vector<store::AuditRecord> audit;
  for (const auto& r : records) {
    audit.push_back({0, clock_.NowUnix(), std::string(email),
                     "ediscovery.release", r.id, "granted",
                     "subject in search results (eDiscovery)"});
  }
  if (!audit.empty()) {
    if (Status st = store_.AppendAudits(audit); !st.ok()) {
      return UnavailableError("the audit record cannot be written: " +
                              st.message());
    }
  }
  SP_ASSIGN_OR_RETURN(auto keys, keys_.Keys());
  std::vector<std::string> out;
  for (const auto& r : records) {
    std::string subject;
    if (!r.subject_sealed.empty()) {
      auto opened =
          keys->DecryptMetadata(r.subject_sealed, kSubjectPurpose, r.id);
      if (opened.ok()) subject = std::move(*opened);
    }
    out.push_back(std::move(subject));
  }
  return out;
}

Result<std::string> LicenseService::OpenForIndexing(
    std::string_view message_id) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetProtectedMessage(message_id));
  if (!record.has_value()) {
    return NotFoundError("no protected message " + std::string(message_id));
  }
  return OpenServerCopy(*record);
}

Result<int64_t> LicenseService::Shred(std::string_view message_id,
                                      std::string_view by) {
  SP_ASSIGN_OR_RETURN(
      int64_t made_of,
      store_.ShredProtectedMessage(
          message_id, {0, clock_.NowUnix(), std::string(by), "message.shred",
                       std::string(message_id), "ok",
                       "record, server copy and index terms destroyed"}));
  // Cached pages and decisions about it go everywhere (other nodes: the
  // store's change notice).
  generation_.fetch_add(1, std::memory_order_acq_rel);
  return made_of;
}

Result<bool> LicenseService::OutlivedItsOriginal(
    const store::ProtectedMessageRecord& record) {
  std::string parent = record.parent_id;
  // A forward of a forward: bounded, as Ended's walk.
  for (int depth = 0; depth < 16 && !parent.empty(); ++depth) {
    SP_ASSIGN_OR_RETURN(auto up, store_.GetProtectedMessage(parent));
    if (!up.has_value()) return true;
    parent = std::move(up->parent_id);
  }
  return !parent.empty();  // deeper than a chain of forwards goes
}

}  // namespace sealpost::license
