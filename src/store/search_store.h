// SearchStore: the eDiscovery blind index (docs/compliance.md) and the
// shredding of a protected message; one area of Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_SEARCH_STORE_H_
#define SEALPOST_STORE_SEARCH_STORE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/audit_store.h"

namespace sealpost::store {

// An eDiscovery search of the blind index (docs/compliance.md): messages
// holding every one of `terms`, newest indexed first, narrowed by the
// record's fields. Revoked and expired messages are found too (legal hold).
struct SearchQuery {
  std::vector<int64_t> terms;  // at least one; every one must match
  std::string owner;           // "" for any sender
  std::string recipient;       // case-insensitive part of a recipient
  int64_t after = 0;           // created_at >= after when not 0
  int64_t before = 0;          // created_at < before when not 0
  std::string template_id;     // "" for any
  int limit = 100;
};

class SearchStore {
 public:
  virtual ~SearchStore() = default;

  // Replaces the index terms of a protected message (`sealpost search
  // reindex`); empty `terms` removes them.
  virtual Status PutSearchTerms(std::string_view message_id,
                                const std::vector<int64_t>& terms) = 0;
  // Ids of the messages that match, newest indexed first. A message is
  // found as soon as its protection commits (merged or not).
  virtual Result<std::vector<std::string>> SearchMessages(
      const SearchQuery& query) = 0;
  // Folds up to `max_docs` messages not merged yet into the per-term
  // segments, in one transaction, when at least `min_docs` wait (the
  // index merger, search/index_merger.h); returns how many.
  virtual Result<int64_t> MergeSearchIndex(int min_docs, int max_docs) = 0;
  // How many messages the index holds, and how many of them wait for a
  // merge (queries read those one by one).
  struct SearchIndexSize {
    int64_t messages = 0;
    int64_t pending = 0;
  };
  virtual Result<SearchIndexSize> CountSearchIndex() = 0;
  // `sealpost message shred`: the message and every record made of it
  // (whose parent_id chain leads to it: its portal forwards, theirs, its
  // attachments' sealed copies) are deleted, each one's record, portal
  // copy, passcodes, PIN passes and index terms, with `audit` written for
  // the message and a copy naming each other one, in one transaction;
  // returns how many were made of it. NOT_FOUND when there is no such
  // message.
  virtual Result<int64_t> ShredProtectedMessage(std::string_view id,
                                                const AuditRecord& audit) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SEARCH_STORE_H_
