// The per-recipient plan that rule evaluation produces (policy/evaluate.h)
// and sender choice refines (policy/sender_choice.h): for each recipient one
// treatment, whether delivery needs TLS and which headers to add; plus which
// rules fired and what Audit-mode rules would have done. GroupByTreatment
// splits the recipients into one outgoing message per group.
//
// Precedence per recipient: Reject > Protect > RemoveProtection > Deliver.
// Between two Protect treatments (or two Rejects) the first, i.e. the rule
// with the lower priority number, wins.
//
// Thread-safety: plain value types; distinct objects may be used from any
// thread, and a const object may be shared.
#ifndef SEALPOST_POLICY_PLAN_H_
#define SEALPOST_POLICY_PLAN_H_

#include <string>
#include <string_view>
#include <vector>

#include "policy/message_facts.h"
#include "policy/rule.h"

namespace sealpost::policy {

struct Treatment {
  enum class Kind { kDeliver, kProtect, kRemoveProtection, kReject };
  Kind kind = Kind::kDeliver;
  std::string template_name;    // kProtect
  std::string branding;         // kProtect; empty: the default identity
  std::string reject_text;      // kReject
  std::string enhanced_status;  // kReject, e.g. "5.7.1"
  // Who decided: a rule id, "sender" for the sender's own choice, empty for
  // the default (deliver).
  std::string decided_by;

  friend bool operator==(const Treatment&, const Treatment&) = default;
};

std::string_view TreatmentKindName(Treatment::Kind kind);
// "deliver", `protect "Encrypt"`, `reject 5.7.1 "text"`, ...
std::string DescribeTreatment(const Treatment& t);

struct RecipientPlan {
  std::string address;
  bool internal = false;
  Treatment treatment;
  bool require_tls = false;
  // S/MIME or a DSN, whatever the treatment but Reject (docs/smime.md).
  bool require_smime = false;
  bool sign = false;  // the sender's S/MIME signature (docs/smime.md)
  std::vector<Header> added_headers;  // in rule order, no exact duplicates
  std::vector<std::string> rules;     // ids of the Enforce rules that fired

  friend bool operator==(const RecipientPlan&, const RecipientPlan&) = default;
};

// What an Audit-mode rule would have done to one recipient.
struct AuditEntry {
  std::string rule_id;
  std::string rule_name;
  std::string recipient;
  Action action;
  std::string description;  // DescribeAction(action)

  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

struct Plan {
  std::vector<RecipientPlan> recipients;  // in MessageFacts order
  std::vector<std::string> fired_rules;   // Enforce rules, evaluation order
  std::vector<AuditEntry> audit;
  // Rules that could not be evaluated (e.g. a pattern that does not
  // compile). Non-empty means the plan is incomplete: the caller must defer
  // the message (4xx), never deliver it on this plan (SPEC §2 "No silent
  // downgrade").
  std::vector<std::string> errors;

  friend bool operator==(const Plan&, const Plan&) = default;
};

// Recipients that can share one outgoing message.
struct RecipientGroup {
  Treatment treatment;  // decided_by is that of the group's first recipient
  bool require_tls = false;
  bool require_smime = false;
  bool sign = false;
  std::vector<Header> added_headers;
  // For kProtect groups every recipient has this flag (internal ones get
  // the sealed message, external ones the portal wrapper); for other kinds,
  // true when all the group's recipients are internal.
  bool internal = false;
  std::vector<std::string> addresses;

  friend bool operator==(const RecipientGroup&,
                         const RecipientGroup&) = default;
};

// Groups recipients with the same treatment (ignoring decided_by), TLS
// requirement and added headers; Protect groups are further split into
// internal and external recipients. Groups are ordered by their first
// recipient; addresses keep plan order.
std::vector<RecipientGroup> GroupByTreatment(const Plan& plan);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_PLAN_H_
