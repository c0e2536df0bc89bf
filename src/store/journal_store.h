// JournalStore: the journal rules (journal reports; docs/compliance.md),
// one area of Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_JOURNAL_STORE_H_
#define SEALPOST_STORE_JOURNAL_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::store {

// A journal rule (New-JournalRule): which accepted messages get an envelope
// journal report, and where it goes (docs/compliance.md).
struct JournalRuleRecord {
  std::string id;
  std::string name;
  std::string scope;            // Global | Internal | External
  std::string recipient;        // lower-case; empty: every message
  std::string journal_address;  // lower-case; where reports go
  bool enabled = true;
  int64_t created_at = 0;
};

class JournalStore {
 public:
  virtual ~JournalStore() = default;

  // Inserts or replaces the rule with this id. ALREADY_EXISTS when another
  // rule has the same name (case-insensitive).
  virtual Status PutJournalRule(const JournalRuleRecord& rule) = 0;
  // Oldest first. Read for every accepted message: engines cache the list.
  virtual Result<std::vector<JournalRuleRecord>> ListJournalRules() = 0;
  // NOT_FOUND when there is no such rule.
  virtual Status DeleteJournalRule(std::string_view id) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_JOURNAL_STORE_H_
