// Journal rules' matching (New-JournalRule semantics, docs/compliance.md):
// which accepted messages a rule journals. Pure: the caller says which
// addresses are the organisation's (smtp.accepted_domains).
//
// Thread-safety: pure functions, safe to call concurrently.
#ifndef SEALPOST_POLICY_JOURNAL_RULE_H_
#define SEALPOST_POLICY_JOURNAL_RULE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::policy {

// The store setting that holds JournalingReportNdrTo: the address that
// gets the non-delivery reports of journal reports (plain text, may be
// empty: such reports bounce to nobody, never to the journaled sender).
inline constexpr std::string_view kJournalNdrToSetting = "journal_ndr_to";

// The message's parties as journaling sees them.
struct JournalEnvelope {
  std::string sender;  // lower-case; "" for a bounce
  bool sender_internal = false;
  // Lower-case envelope recipients (Bcc included) and whether each is ours.
  std::vector<std::pair<std::string, bool>> recipients;
};

// "Global", "Internal" or "External" for any case of those words;
// INVALID_ARGUMENT otherwise.
Result<std::string> CanonicalJournalScope(std::string_view scope);

// Internal: the sender and every recipient are the organisation's;
// External: some party is not (a bounce's empty sender counts as outside);
// Global: every message. A non-empty `recipient` further restricts the
// rule to messages from or to that address (case-insensitive).
bool JournalRuleMatches(std::string_view scope, std::string_view recipient,
                        const JournalEnvelope& envelope);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_JOURNAL_RULE_H_
