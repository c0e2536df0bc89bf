// Rights evaluation: which rights a signed-in identity holds on a message.
//
// At protect time a template is expanded into ConcreteGrants for the message
// (ExpandTemplate): "recipients" becomes one user grant per recipient, and
// the issuer, scope and forwarding marker are copied from the template. The
// licensing layer stores ConcreteGrants in the publishing license and calls
// Evaluate when someone asks for a use license. Expiry and revocation are the
// licensing layer's business; this file only answers "who gets what".
//
// Rules (SPEC.md §4 "Rights (exact)", ome-inventory §4.1):
//  - the issuer always holds every right, OWNER included;
//  - an org-only policy opens for internal identities only;
//  - otherwise the rights are the union of every grant whose principal
//    matches the identity (user address, group membership, email domain,
//    all-in-org for internal identities).
//
// Thread-safety: value types and pure functions.
#ifndef SEALPOST_RIGHTS_EVALUATE_H_
#define SEALPOST_RIGHTS_EVALUATE_H_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "rights/principal.h"
#include "rights/rights.h"
#include "rights/template.h"

namespace sealpost::rights {

// Who is asking, as established by sign-in (portal, OTP, client).
struct Identity {
  std::string email;
  std::vector<std::string> groups;  // group names, any case
  // True for users of the organisation (an accepted domain, signed in as an
  // organisation account); false for external recipients, OTP and social
  // sign-ins.
  bool internal = false;
  // False for passcode and provider sign-ins: a mailbox, or a provider's
  // word, is not the sender, so the issuer's Full Control does not follow
  // the address (an account removed, its mailbox read by someone else).
  bool may_be_issuer = true;
};

// The message a template is applied to.
struct MessageContext {
  std::string issuer;                   // the sender's address
  std::vector<std::string> recipients;  // envelope recipients
};

// The grants a protected message carries: no kRecipients principal remains.
struct ConcreteGrants {
  std::string template_id;
  std::string issuer;  // lower-cased
  std::vector<Grant> grants;
  bool org_only = false;
  // Encrypt: forwarding from the portal or a client may add the new
  // recipients (AddForwardees) with forwardee_rights.
  bool extend_to_forwardees = false;
  Rights forwardee_rights;

  friend bool operator==(const ConcreteGrants&,
                         const ConcreteGrants&) = default;
};

enum class DenyReason {
  kNone,           // rights were granted
  kNotARecipient,  // no grant matches the identity
  kOrgOnly,        // org-only policy and the identity is external
};

// "not a recipient", "org-only"; "" for kNone. The CLI and portal print it.
std::string_view DenyReasonText(DenyReason reason);

struct Decision {
  Rights rights;
  DenyReason reason = DenyReason::kNone;  // set exactly when rights is empty
  bool is_issuer = false;
  friend bool operator==(const Decision&, const Decision&) = default;
};

// Expands `t` for one message. Recipients are lower-cased and de-duplicated;
// a recipient matched by several grants keeps one grant with their union, in
// first-seen order.
ConcreteGrants ExpandTemplate(const Template& t, const MessageContext& message);

// The rights `who` holds under `grants`.
Decision Evaluate(const ConcreteGrants& grants, const Identity& who);
// Shorthand for Evaluate(ExpandTemplate(t, message), who).
Decision Evaluate(const Template& t, const Identity& who,
                  const MessageContext& message);

// Forwarding from the portal or a client: `forwarder` must hold FORWARD
// (PermissionDenied otherwise) and the policy must extend to forwardees
// (FailedPrecondition otherwise: Do Not Forward, or an org-only template,
// whose grants already cover everyone who may open it). Adds a user grant
// with forwardee_rights for each new address not already granted; existing
// grants are left as they are.
Status AddForwardees(ConcreteGrants& grants, const Identity& forwarder,
                     std::span<const std::string> new_recipients);

}  // namespace sealpost::rights

#endif  // SEALPOST_RIGHTS_EVALUATE_H_
