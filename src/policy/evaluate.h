// Rule evaluation: mail flow rules + message facts → per-recipient Plan.
//
// Semantics (Exchange transport rules, ome-inventory §6):
// - Enabled rules run in ascending priority (ties keep the given order).
// - A rule applies to a recipient when every condition holds and no
//   exception holds. Sender, content and size conditions are decided once
//   per message; recipient conditions (address, domain, scope) per
//   recipient, so a rule with recipient conditions acts on the matching
//   recipients only.
// - Fail closed on an incomplete files' list (MessageFacts::
//   attachments_incomplete): attachment-name and attachment-size-over
//   hold as conditions and do not apply as exceptions, since the file
//   they look for may be one not read.
// - Enforce rules change the recipients' RecipientPlan and are listed in
//   Plan::fired_rules; Audit rules add one AuditEntry per recipient and
//   action and change nothing (their stop_processing is ignored too).
// - stop_processing: later rules skip the recipients this rule applied to.
// - Actions: apply_template gives Protect unless the recipient is already
//   rejected or protected (the earlier rule wins); reject gives Reject (the
//   first reject's text wins); remove_protection gives RemoveProtection only
//   to a recipient still at Deliver and only when the message is protected
//   and either our organisation protected it or its template is Encrypt
//   (MessageFacts::protected_template "Encrypt"/"encrypt"); require_tls and
//   add_header accumulate.
//
// Thread-safety: RuleSet is immutable after Compile; Evaluate may run on
// many threads at once (RE2 matching is thread-safe).
#ifndef SEALPOST_POLICY_EVALUATE_H_
#define SEALPOST_POLICY_EVALUATE_H_

#include <memory>
#include <vector>

#include "base/status.h"
#include "policy/message_facts.h"
#include "policy/plan.h"
#include "policy/rule.h"

namespace sealpost::policy {

// Rules with their patterns compiled once, for the mail path.
class RuleSet {
 public:
  // Sorts by priority and compiles every pattern and word list; fails with
  // the first rule that does not compile (message names the rule and field).
  // It does not check templates or limits: see ValidateRules.
  static Result<RuleSet> Compile(std::vector<Rule> rules);

  Plan Evaluate(const MessageFacts& facts) const;

  // In evaluation order.
  const std::vector<Rule>& rules() const;

  struct Compiled;  // one rule with its compiled matchers (evaluate.cc)

 private:
  explicit RuleSet(std::shared_ptr<const std::vector<Compiled>> compiled);
  std::shared_ptr<const std::vector<Compiled>> compiled_;
  std::vector<Rule> rules_;
};

// Compiles and evaluates in one go. A rule that does not compile is skipped
// and reported in Plan::errors (the caller must then defer the message).
Plan Evaluate(const std::vector<Rule>& rules, const MessageFacts& facts);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_EVALUATE_H_
