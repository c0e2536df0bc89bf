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
//
// Thread-safety: not thread-safe; one instance per session.
#ifndef SEALPOST_SMTP_GATEWAY_POLICY_H_
#define SEALPOST_SMTP_GATEWAY_POLICY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/server_protocol.h"

namespace sealpost::smtp {

enum class ForgedSender { kReject, kExternal };

class GatewayPolicy final : public SessionPolicy {
 public:
  // `accepted_domains` (lower case) must outlive the policy.
  GatewayPolicy(bool trusted_network,
                const std::vector<std::string>& accepted_domains,
                ForgedSender forged);

  std::optional<Reply> CheckSender(const Envelope& envelope) override;
  std::optional<Reply> CheckRecipient(const Envelope& envelope,
                                      const Recipient& recipient) override;

  // Whether the envelope's sender may count as a member of the
  // organisation (its choices honoured, named as the sender of protected
  // mail): from client_networks, or bound to an AUTH login.
  bool SenderTrusted(const Envelope& envelope) const;

 private:
  bool InAcceptedDomain(std::string_view address) const;

  bool trusted_network_;
  // Not owned (references and pointers below): must outlive this object.
  const std::vector<std::string>& domains_;
  ForgedSender forged_;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_GATEWAY_POLICY_H_
