// GatewayPolicy: what the gateway's SMTP listeners accept from whom, asked
// by the protocol state machine at each MAIL and RCPT (SessionPolicy).
//   Relay (RFC 5321 §3.6.2): any recipient for a client in
//     smtp.client_networks or an authenticated session; anyone else may
//     send only to the accepted domains (never an open relay).
//   Internal senders: a MAIL FROM in an accepted domain is believed only
//     from client_networks or after AUTH. From anywhere else it is forged:
//     550 5.7.1 (ForgedSender::kReject, the default), or taken as mail from
//     outside (kExternal) -- never as the organisation's own.
//   After AUTH, the sender is the login (Postfix's
//     reject_sender_login_mismatch): anything else gets 553 5.7.1.
//   Behind a proxy (XFORWARD), the proxy's client decides whether the
//     sender is internal: Postfix connects from 127.0.0.1 for every
//     message, also for one it took from the internet with a forged MAIL
//     FROM in our domain. Such a sender is internal only if the forwarded
//     ADDR is in client_networks, or PROTO says the client authenticated
//     (RFC 3848 "...A"; Postfix never sends that, see docs/postfix.md), or
//     the proxy's own local submission (no ADDR, SOURCE=LOCAL: Postfix's
//     pickup). Relay stays with the connecting proxy (it applied its own
//     relay rules), and a forged sender is taken as external rather than
//     refused: the proxy has already accepted the message, so a refusal
//     would only become a bounce.
//
// Thread-safety: not thread-safe; one instance per session.
#ifndef SEALPOST_SMTP_GATEWAY_POLICY_H_
#define SEALPOST_SMTP_GATEWAY_POLICY_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/server_protocol.h"

namespace sealpost::smtp {

enum class ForgedSender { kReject, kExternal };

class GatewayPolicy final : public SessionPolicy {
 public:
  // Whether an IP address (as XFORWARD ADDR gives it) is in client_networks.
  using TrustedAddress = std::function<bool(std::string_view)>;

  // `accepted_domains` (lower case) must outlive the policy. Without
  // `trusted_address`, no forwarded client is trusted by its address.
  GatewayPolicy(bool trusted_network,
                const std::vector<std::string>& accepted_domains,
                ForgedSender forged, TrustedAddress trusted_address = nullptr);

  std::optional<Reply> CheckSender(const Envelope& envelope) override;
  std::optional<Reply> CheckRecipient(const Envelope& envelope,
                                      const Recipient& recipient) override;

  // Whether the envelope's sender may count as a member of the
  // organisation (its choices honoured, named as the sender of protected
  // mail): bound to an AUTH login, or from client_networks -- the
  // forwarded client's when a proxy sent XFORWARD, else the connection's.
  bool SenderTrusted(const Envelope& envelope) const;

 private:
  bool InAcceptedDomain(std::string_view address) const;
  bool ForwardedTrusted(const ForwardedClient& client) const;
  // May send to any domain: client_networks (the connecting client: a
  // proxy applied its own relay rules) or AUTH.
  bool RelayAllowed(const Envelope& envelope) const;

  bool trusted_network_;
  TrustedAddress trusted_address_;
  // Not owned (references and pointers below): must outlive this object.
  const std::vector<std::string>& domains_;
  ForgedSender forged_;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_GATEWAY_POLICY_H_
