#include "policy/journal_rule.h"

#include <algorithm>

#include "base/strings.h"

namespace sealpost::policy {

Result<std::string> CanonicalJournalScope(std::string_view scope) {
  for (std::string_view s : {"Global", "Internal", "External"}) {
    if (AsciiLower(scope) == AsciiLower(s)) return std::string(s);
  }
  return InvalidArgumentError(
      "scope must be Global, Internal or External, not '" + std::string(scope) +
      "'");
}

bool JournalRuleMatches(std::string_view scope, std::string_view recipient,
                        const JournalEnvelope& envelope) {
  if (!recipient.empty()) {
    std::string r = AsciiLower(recipient);
    bool involved =
        envelope.sender == r ||
        std::any_of(envelope.recipients.begin(), envelope.recipients.end(),
                    [&](const auto& p) { return p.first == r; });
    if (!involved) return false;
  }
  bool all_internal =
      envelope.sender_internal &&
      std::all_of(envelope.recipients.begin(), envelope.recipients.end(),
                  [](const auto& p) { return p.second; });
  if (scope == "Internal") return all_internal;
  if (scope == "External") return !all_internal;
  return scope == "Global";
}

}  // namespace sealpost::policy
