// JSON form of a mail flow rule, so the store can keep rules as JSON and the
// CLI/API can show and accept them. Field names are stable: renaming one is
// a format change.
//
// Rule object (every field is written; on input only "name" is required):
//   {"id": "r1", "name": "Encrypt external", "priority": 0,
//    "enabled": true, "mode": "enforce" | "audit", "stop_processing": false,
//    "conditions": [Condition...], "exceptions": [Condition...],
//    "actions": [Action...], "comments": ""}
// Condition object: "kind" (ConditionKindName) plus, by kind:
//   sender_address_is, recipient_address_is, sender_domain_is,
//   recipient_domain_is, sender_member_of, subject_contains_words,
//   subject_or_body_contains_words, attachment_name_is:
//                                        "values": ["..."]
//   message_type_is:   "values": ["protected"|"smime_encrypted"|"signed"]
//   sensitivity_is:    "values": ["normal"|"personal"|"private"|
//                                 "confidential"]
//   sender_scope, recipient_scope:
//                      "scope": "in_organization"|"not_in_organization"
//   subject_matches, body_matches:       "pattern": "RE2 syntax"
//   header_matches:    "header": "X-Name", "pattern": "RE2 syntax"
//   attachment_size_over, message_size_over: "bytes": 1048576
//   has_attachment:    (nothing else)
// Action object: "kind" (ActionKindName) plus, by kind:
//   apply_template:    "template": "Encrypt", "branding": "Identity"
//                      (branding optional, omitted when empty)
//   reject:            "text": "...", "enhanced_status": "5.7.1" (optional
//                      on input, default 5.7.1)
//   add_header:        "header": "X-Name", "value": "..."
//   remove_protection, require_tls: (nothing else)
// Input is strict: unknown fields, fields a kind does not use, wrong types,
// unknown names and integers out of range are errors naming the field
// (e.g. `conditions[0].bytes: must be an integer`). Parsing checks shape
// only; call ValidateRule (policy/validate.h) for the content.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_POLICY_RULE_JSON_H_
#define SEALPOST_POLICY_RULE_JSON_H_

#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "base/status.h"
#include "policy/rule.h"

namespace sealpost::policy {

inline constexpr size_t kMaxRuleJsonBytes = size_t{1} << 20;

boost::json::value RuleToJsonValue(const Rule& rule);
// Compact JSON text of RuleToJsonValue.
std::string RuleToJson(const Rule& rule);

Result<Rule> RuleFromJsonValue(const boost::json::value& json);
// Parses JSON text (at most kMaxRuleJsonBytes) and then RuleFromJsonValue.
Result<Rule> RuleFromJson(std::string_view json);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_RULE_JSON_H_
