// Checks a mail flow rule before it is stored or used, so that a bad pattern,
// an unknown template or a nonsensical field is refused with a reason naming
// the field (e.g. `conditions[1].pattern: invalid pattern: missing ): (a`)
// instead of misbehaving in the mail flow.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_POLICY_VALIDATE_H_
#define SEALPOST_POLICY_VALIDATE_H_

#include <string>
#include <vector>

#include "base/status.h"
#include "policy/rule.h"

namespace sealpost::policy {

inline constexpr size_t kMaxRuleIdLength = 64;
inline constexpr size_t kMaxConditionsPerRule = 64;  // also exceptions
inline constexpr size_t kMaxActionsPerRule = 16;
inline constexpr size_t kMaxValuesPerCondition = 1000;
inline constexpr size_t kMaxWordLength = 128;   // ome-inventory §6.1
inline constexpr size_t kMaxValueLength = 320;  // an e-mail address (RFC 5321)
inline constexpr size_t kMaxPatternLength = 1024;
inline constexpr size_t kMaxRejectTextLength = 256;
inline constexpr size_t kMaxHeaderNameLength = 76;
inline constexpr size_t kMaxHeaderValueLength = 998;  // RFC 5322 §2.1.1
inline constexpr size_t kMaxCommentsLength = 1024;

// Checks one rule. `known_templates`: the template names an apply_template
// action may use (matched case-insensitively). Refuses: an empty or
// whitespace-only name or one longer than kMaxRuleNameLength; an id that is
// too long or has characters outside [A-Za-z0-9._-]; a negative priority;
// unknown enum values (condition/action kind, scope, mode, message type,
// sensitivity); empty lists and empty list entries; addresses without '@';
// patterns RE2 refuses (its error text included); negative sizes; no
// actions; apply_template with an unknown template, or together with
// remove_protection, or twice; reject without text or with a text that is not
// printable ASCII or a status that is not 5.x.y; header names that are not
// RFC 5322 field names or start with the reserved "X-Sealpost-"; header
// values with CR/LF; lengths beyond the kMax* limits.
Status ValidateRule(const Rule& rule,
                    const std::vector<std::string>& known_templates);

// ValidateRule for each (errors prefixed with `rules[i] ("name")`), plus: at
// most kMaxRules, every id non-empty and unique, names unique ignoring case.
Status ValidateRules(const std::vector<Rule>& rules,
                     const std::vector<std::string>& known_templates);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_VALIDATE_H_
