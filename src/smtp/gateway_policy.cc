#include "smtp/gateway_policy.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "base/recipient_address.h"
#include "base/strings.h"

namespace sealpost::smtp {

GatewayPolicy::GatewayPolicy(bool trusted_network,
                             const std::vector<std::string>& accepted_domains,
                             ForgedSender forged,
                             TrustedAddress trusted_address)
    : trusted_network_(trusted_network),
      trusted_address_(std::move(trusted_address)),
      domains_(accepted_domains),
      forged_(forged) {}

bool GatewayPolicy::InAcceptedDomain(std::string_view address) const {
  const std::string domain = DomainOf(address);
  return !domain.empty() &&
         std::find(domains_.begin(), domains_.end(), domain) != domains_.end();
}

namespace {

// RFC 3848 (and RFC 6531 for UTF8): the transmission types of a client
// that authenticated.
bool AuthenticatedProto(std::string_view proto) {
  static constexpr std::string_view kTypes[] = {
      "esmtpa",    "esmtpsa",    "lmtpa",     "lmtpsa",
      "utf8smtpa", "utf8smtpsa", "utf8lmtpa", "utf8lmtpsa"};
  const std::string p = AsciiLower(proto);
  return std::find(std::begin(kTypes), std::end(kTypes), p) != std::end(kTypes);
}

}  // namespace

bool GatewayPolicy::ForwardedTrusted(const ForwardedClient& client) const {
  if (AuthenticatedProto(client.proto)) return true;
  if (client.addr.empty()) {
    // Postfix's pickup (sendmail on the proxy host) forwards no ADDR and
    // SOURCE=LOCAL: as trusted as the proxy. Any other client the proxy
    // could not name is not trusted.
    return trusted_network_ && client.source == "LOCAL" && client.name.empty();
  }
  return trusted_address_ && trusted_address_(client.addr);
}

bool GatewayPolicy::SenderTrusted(const Envelope& envelope) const {
  if (!envelope.auth_user.empty()) return true;
  if (!envelope.forwarded.empty()) return ForwardedTrusted(envelope.forwarded);
  return trusted_network_;
}

bool GatewayPolicy::RelayAllowed(const Envelope& envelope) const {
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
  // Refused whoever sends it (base/recipient_address.h; the portal makes
  // the same decision). For a routing local part in our domains, Postfix's
  // reject_unauth_destination makes the same decision for its relay.
  const RecipientRefusal refusal = CheckRecipientAddress(domains_, r.address);
  if (refusal != RecipientRefusal::kNone) {
    // RFC 3463: X.1.3 bad mailbox address syntax, X.1.2 bad system address.
    return Reply::Make(
        553, refusal == RecipientRefusal::kRoutingLocalPart ? "5.1.3" : "5.1.2",
        "Recipient address rejected: " +
            std::string(RecipientRefusalReason(refusal)));
  }
  if (RelayAllowed(envelope)) return std::nullopt;
  // RFC 5321 §4.5.1: "Postmaster" must always be accepted.
  if (DomainOf(r.address).empty() || InAcceptedDomain(r.address)) {
    return std::nullopt;
  }
  return Reply::Make(554, "5.7.1", "Relay access denied");
}

}  // namespace sealpost::smtp
