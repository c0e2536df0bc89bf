#include "rights/evaluate.h"

#include "base/enum_names.h"
#include "base/strings.h"

#include <algorithm>

namespace sealpost::rights {
namespace {

// Adds `rights` for `p`, merging with an existing grant for the same
// principal so a license never lists a principal twice.
void Merge(std::vector<Grant>& grants, const Principal& p, Rights rights) {
  for (Grant& g : grants) {
    if (g.principal == p) {
      g.rights |= rights;
      return;
    }
  }
  grants.push_back({p, rights});
}

bool Matches(const Principal& p, const Identity& who,
             const std::string& email) {
  switch (p.kind()) {
    case PrincipalKind::kUser:
      return !email.empty() && p.value() == email;
    case PrincipalKind::kGroup:
      return std::any_of(
          who.groups.begin(), who.groups.end(),
          [&](const std::string& g) { return AsciiLower(g) == p.value(); });
    case PrincipalKind::kDomain:
      return !email.empty() && EmailDomain(email) == p.value();
    case PrincipalKind::kAllInOrg:
      return who.internal;
    case PrincipalKind::kRecipients:
      // Never in ConcreteGrants; ExpandTemplate replaced it.
      return false;
  }
  return false;
}

}  // namespace

std::string_view DenyReasonText(DenyReason reason) {
  static constexpr NameTable<DenyReason, 3> kNames = {{
      {DenyReason::kNone, ""},
      {DenyReason::kNotARecipient, "not a recipient"},
      {DenyReason::kOrgOnly, "org-only"},
  }};
  return NameOf(kNames, reason, "");
}

ConcreteGrants ExpandTemplate(const Template& t,
                              const MessageContext& message) {
  ConcreteGrants out;
  out.template_id = t.id;
  out.issuer = AsciiLower(message.issuer);
  out.org_only = t.org_only;
  out.extend_to_forwardees = t.extend_to_forwardees;
  for (const Grant& g : t.grants) {
    if (g.principal.kind() == PrincipalKind::kRecipients) {
      for (const std::string& r : message.recipients) {
        if (r.empty()) continue;
        Merge(out.grants, Principal::User(r), g.rights);
      }
      // Forwardees of an Encrypt message get what the recipients got.
      if (t.extend_to_forwardees) out.forwardee_rights |= g.rights;
    } else {
      Merge(out.grants, g.principal, g.rights);
    }
  }
  return out;
}

Decision Evaluate(const ConcreteGrants& grants, const Identity& who) {
  const std::string email = AsciiLower(who.email);
  Decision d;
  if (who.may_be_issuer && !email.empty() && email == grants.issuer) {
    // ome-inventory §4.1: the RMS issuer always holds Full Control.
    d.rights = Rights::All();
    d.is_issuer = true;
    return d;
  }
  if (grants.org_only && !who.internal) {
    d.reason = DenyReason::kOrgOnly;
    return d;
  }
  for (const Grant& g : grants.grants) {
    if (Matches(g.principal, who, email)) d.rights |= g.rights;
  }
  if (d.rights.empty()) d.reason = DenyReason::kNotARecipient;
  return d;
}

Decision Evaluate(const Template& t, const Identity& who,
                  const MessageContext& message) {
  return Evaluate(ExpandTemplate(t, message), who);
}

Status AddForwardees(ConcreteGrants& grants, const Identity& forwarder,
                     std::span<const std::string> new_recipients) {
  Decision d = Evaluate(grants, forwarder);
  if (!d.rights.Has(Right::kForward)) {
    return PermissionDeniedError("forwarding is not allowed for " +
                                 AsciiLower(forwarder.email));
  }
  if (!grants.extend_to_forwardees || grants.forwardee_rights.empty()) {
    return FailedPreconditionError(
        "this protection does not extend to new recipients");
  }
  for (const std::string& r : new_recipients) {
    if (r.empty()) continue;
    Principal p = Principal::User(r);
    bool present =
        std::any_of(grants.grants.begin(), grants.grants.end(),
                    [&](const Grant& g) { return g.principal == p; });
    if (!present) grants.grants.push_back({p, grants.forwardee_rights});
  }
  return Status::Ok();
}

}  // namespace sealpost::rights
