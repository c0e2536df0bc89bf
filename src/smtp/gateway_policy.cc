#include "smtp/gateway_policy.h"

#include <algorithm>

#include "base/strings.h"

namespace sealpost::smtp {

GatewayPolicy::GatewayPolicy(bool trusted_network,
                             const std::vector<std::string>& accepted_domains,
                             ForgedSender forged)
    : trusted_network_(trusted_network),
      domains_(accepted_domains),
      forged_(forged) {}

bool GatewayPolicy::InAcceptedDomain(std::string_view address) const {
  const std::string domain = DomainOf(address);
  return !domain.empty() &&
         std::find(domains_.begin(), domains_.end(), domain) != domains_.end();
}

bool GatewayPolicy::SenderTrusted(const Envelope& envelope) const {
  return trusted_network_ || !envelope.auth_user.empty();
}

std::optional<Reply> GatewayPolicy::CheckSender(const Envelope& envelope) {
  if (!envelope.auth_user.empty()) {
    // The null sender stays allowed (RFC 3834 auto-replies); it names no
    // one, so it is never taken as a member of the organisation.
    if (envelope.mail_from.empty() ||
        AsciiLower(envelope.mail_from) == envelope.auth_user) {
      return std::nullopt;
    }
    // RFC 3463 X.7.1; the wording is Postfix's.
    return Reply::Make(
        553, "5.7.1",
        "Sender address rejected: not owned by user " + envelope.auth_user);
  }
  if (trusted_network_ || forged_ == ForgedSender::kExternal ||
      !InAcceptedDomain(envelope.mail_from)) {
    return std::nullopt;
  }
  return Reply::Make(550, "5.7.1",
                     "Sender address rejected: mail from this domain must be "
                     "sent from our network or with authentication");
}

std::optional<Reply> GatewayPolicy::CheckRecipient(const Envelope& envelope,
                                                   const Recipient& r) {
  if (SenderTrusted(envelope)) return std::nullopt;
  // RFC 5321 §4.5.1: "Postmaster" must always be accepted.
  if (DomainOf(r.address).empty() || InAcceptedDomain(r.address)) {
    return std::nullopt;
  }
  return Reply::Make(554, "5.7.1", "Relay access denied");
}

}  // namespace sealpost::smtp
