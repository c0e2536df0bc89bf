#include "protect/smime_treatment.h"

#include "base/log.h"
#include "smime/enveloped_mail.h"

namespace sealpost::protect {

Result<SmimeGroupPlan> PlanSmimeGroup(
    smime::CertificateDirectory& certs, std::string_view original,
    const std::vector<std::string>& addresses, std::string_view sender,
    bool required, const std::optional<std::string>& subject) {
  SmimeGroupPlan plan;
  SP_ASSIGN_OR_RETURN(std::vector<smime::Lookup> lookups,
                      certs.ForRecipients(addresses));
  std::string sender_der;
  if (!sender.empty()) {
    SP_ASSIGN_OR_RETURN(auto own, certs.ForRecipients({std::string(sender)}));
    if (own.front().certificate) sender_der = own.front().certificate->der;
  }
  auto leave = [&](const std::string& address, std::string reason) {
    (required ? plan.refused : plan.portal)
        .push_back({address, std::move(reason)});
  };
  for (size_t i = 0; i < addresses.size(); ++i) {
    const std::string& address = addresses[i];
    const smime::Lookup& l = lookups[i];
    if (!l.certificate) {
      leave(address, l.reason);
      continue;
    }
    std::vector<std::string> recipients = {l.certificate->der};
    if (!sender_der.empty() && sender_der != l.certificate->der) {
      recipients.push_back(sender_der);
    }
    auto mail = smime::EncryptMail(original, recipients, subject);
    if (!mail.ok()) {
      log::Warn("s/mime: encryption for {} failed: {}", address,
                mail.status().message());
      leave(address, "S/MIME encryption failed");
      continue;
    }
    plan.copies.push_back({address, l.certificate->id, std::move(*mail)});
  }
  return plan;
}

}  // namespace sealpost::protect
