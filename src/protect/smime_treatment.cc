#include "protect/smime_treatment.h"

#include "base/log.h"
#include "crypto/smime_cms.h"
#include "smime/enveloped_mail.h"
#include "smime/signed_mail.h"
#include "smime/streamed_mail.h"

namespace sealpost::protect {
namespace {

// One recipient's copy: `split.entity` signed when there is a signer,
// else the original's entity (split.Parts(), not copied), encrypted; with
// OWATripleWrapSignedEncryptedMail, the encrypted entity signed again (RFC
// 2634 §1.1: sign, encrypt, sign), so that a relay can check who sent it
// without decrypting.
Result<std::string> EncryptCopy(const smime::EntitySplit& split,
                                const std::vector<std::string>& recipients,
                                const smime::SigningIdentity* signer,
                                const smime::SmimeOptions& options) {
  if (signer == nullptr) {
    return smime::EncryptEntity(split.outer_fields, split.Parts(), recipients,
                                options.cipher);
  }
  if (!options.triple_wrap) {
    const std::string_view signed_entity[] = {split.entity};
    return smime::EncryptEntity(split.outer_fields, signed_entity, recipients,
                                options.cipher);
  }
  SP_ASSIGN_OR_RETURN(
      std::string encrypted,
      smime::EncryptToEntity(split.entity, recipients, options.cipher));
  SP_ASSIGN_OR_RETURN(std::string outer,
                      smime::SignEntity(encrypted, *signer,
                                        smime::NewSignedBoundary(), options));
  return split.outer_fields + "MIME-Version: 1.0\r\n" + outer;
}

}  // namespace

namespace {

// Who gets a copy, and encrypted to which certificates: the recipient's
// and the sender's own (when on file and not the same); the others are
// left to the portal or refused.
struct Target {
  std::string address;
  std::string certificate_id;
  std::vector<std::string> recipients;  // DER
};

Result<std::vector<Target>> TargetsOf(
    smime::CertificateDirectory& certs,
    const std::vector<std::string>& addresses, std::string_view sender,
    const std::function<void(const std::string&, std::string)>& leave) {
  SP_ASSIGN_OR_RETURN(std::vector<smime::Lookup> lookups,
                      certs.ForRecipients(addresses));
  std::string sender_der;
  if (!sender.empty()) {
    SP_ASSIGN_OR_RETURN(auto own, certs.ForRecipients({std::string(sender)}));
    if (own.front().certificate) sender_der = own.front().certificate->der;
  }
  std::vector<Target> targets;
  for (size_t i = 0; i < addresses.size(); ++i) {
    const smime::Lookup& l = lookups[i];
    if (!l.certificate) {
      leave(addresses[i], l.reason);
      continue;
    }
    Target t{addresses[i], l.certificate->id, {l.certificate->der}};
    if (!sender_der.empty() && sender_der != l.certificate->der) {
      t.recipients.push_back(sender_der);
    }
    targets.push_back(std::move(t));
  }
  return targets;
}

}  // namespace

Result<SmimeGroupPlan> PlanSmimeGroup(smime::CertificateDirectory& certs,
                                      std::string_view original,
                                      const std::vector<std::string>& addresses,
                                      std::string_view sender, bool required,
                                      const std::optional<std::string>& subject,
                                      const smime::SigningIdentity* signer,
                                      const smime::SmimeOptions& options) {
  SmimeGroupPlan plan;
  // Joined only to be signed; otherwise encrypted from `original` itself.
  smime::EntitySplit split =
      smime::SplitEntity(original, subject, /*join=*/signer != nullptr);
  if (signer != nullptr) {
    SP_ASSIGN_OR_RETURN(split.entity,
                        smime::SignEntity(split.entity, *signer,
                                          smime::NewSignedBoundary(), options));
  }
  auto leave = [&](const std::string& address, std::string reason) {
    (required ? plan.refused : plan.portal)
        .push_back({address, std::move(reason)});
  };
  SP_ASSIGN_OR_RETURN(std::vector<Target> targets,
                      TargetsOf(certs, addresses, sender, leave));
  for (Target& t : targets) {
    auto mail = EncryptCopy(split, t.recipients, signer, options);
    if (!mail.ok()) {
      log::Warn("s/mime: encryption for {} failed: {}", t.address,
                mail.status().message());
      leave(t.address, "S/MIME encryption failed");
      continue;
    }
    plan.copies.push_back({t.address, t.certificate_id, std::move(*mail), {}});
  }
  return plan;
}

Result<SmimeGroupPlan> PlanSmimeGroupStream(
    smime::CertificateDirectory& certs,
    const std::function<Result<std::unique_ptr<ByteSource>>()>& open_entity,
    std::string_view prefix, const std::vector<std::string>& addresses,
    std::string_view sender, bool required,
    const smime::SigningIdentity* signer, const smime::SmimeOptions& options) {
  SmimeGroupPlan plan;
  auto leave = [&](const std::string& address, std::string reason) {
    (required ? plan.refused : plan.portal)
        .push_back({address, std::move(reason)});
  };
  SP_ASSIGN_OR_RETURN(std::vector<Target> targets,
                      TargetsOf(certs, addresses, sender, leave));
  if (targets.empty()) return plan;
  // One boundary and one reading of the entity, which signs it and decides
  // how it is signed (smime::PresignEntity): every copy carries that one
  // signature, as SignEntity's for PlanSmimeGroup.
  smime::PresignedEntity signed_once;
  if (signer != nullptr) {
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> entity, open_entity());
    SP_ASSIGN_OR_RETURN(
        signed_once, smime::PresignEntity(*entity, *signer,
                                          smime::NewSignedBoundary(), options));
  }
  for (Target& t : targets) {
    SP_ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> entity, open_entity());
    if (signer != nullptr) {
      SP_ASSIGN_OR_RETURN(entity, smime::PresignedEntityStream(
                                      std::move(entity), signed_once.signature,
                                      signed_once.form.boundary,
                                      signed_once.form.clear, options));
    }
    auto mail = smime::EncryptedMailStream(
        std::move(entity), t.recipients, signer, options, std::string(prefix));
    if (!mail.ok()) {
      log::Warn("s/mime: encryption for {} failed: {}", t.address,
                mail.status().message());
      leave(t.address, "S/MIME encryption failed");
      continue;
    }
    plan.copies.push_back(
        {t.address, t.certificate_id, std::string(), std::move(*mail)});
  }
  return plan;
}

Result<std::string> SignMail(std::string_view original,
                             const smime::SigningIdentity& signer,
                             const std::optional<std::string>& subject,
                             const smime::SmimeOptions& options) {
  smime::EntitySplit split = smime::SplitEntity(original, subject);
  SP_ASSIGN_OR_RETURN(std::string entity,
                      smime::SignEntity(split.entity, signer,
                                        smime::NewSignedBoundary(), options));
  return split.outer_fields + "MIME-Version: 1.0\r\n" + entity;
}

}  // namespace sealpost::protect
