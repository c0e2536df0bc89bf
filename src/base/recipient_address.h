// Which recipient addresses the gateway sends mail to, however the mail
// comes in: SMTP RCPT (smtp/gateway_policy.cc) and the portal's reply,
// forward and compose (portal/web.cc) take the same decision here, so that
// an address refused at one door is not taken at the other (was: the
// portal sent to bob%competitor.test@example.com, which RCPT refuses).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_RECIPIENT_ADDRESS_H_
#define SEALPOST_BASE_RECIPIENT_ADDRESS_H_

#include <string>
#include <string_view>
#include <vector>

namespace sealpost {

enum class RecipientRefusal {
  kNone,
  // One of ours by its domain, but the next hop may route it elsewhere by
  // its local part ('@', '%' or '!', HasRoutingLocalPart): unprotected mail
  // out of the organisation past every rule on the real domain, and a
  // relay for anyone. Postfix's defaults follow all three.
  kRoutingLocalPart,
  // ceo@[192.0.2.1]: no rule, journal rule or TLS policy names a domain it
  // has, so it would leave past all of them.
  kAddressLiteral,
};

// Why the gateway would not send to `address`, if it would not.
// `accepted_domains` are the organisation's (smtp.accepted_domains, lower
// case); the domain of `address` is compared without case.
RecipientRefusal CheckRecipientAddress(
    const std::vector<std::string>& accepted_domains, std::string_view address);

// The refusal in words, for an SMTP reply or a page: "no '@', '%' or '!'
// in the local part of an address in our domains"; "" for kNone.
std::string_view RecipientRefusalReason(RecipientRefusal refusal);

}  // namespace sealpost

#endif  // SEALPOST_BASE_RECIPIENT_ADDRESS_H_
