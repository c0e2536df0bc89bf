// Internal to the store engines: the eDiscovery blind index's layout and
// the logic both engines share (docs/compliance.md, "Layout").
//
// A protected message's commit adds one row: search_docs (its id and its
// sorted term hashes, 8 bytes each, big-endian) and marks it pending
// (search_pending). A merge, off the mail path, folds pending messages in
// large batches: a search_batches row (the batch's first and last doc)
// and its search_segments, per term one row of the batch's docs holding
// it as a delta-varint list. Segments are keyed (batch, term), so a merge
// appends to the end of the table instead of touching a page per term,
// and a term's lookup is one probe per batch. A query reads a term's
// segments and the pending tail, so a message is searchable as soon as it
// commits. Doc ids only grow (AUTOINCREMENT, BIGSERIAL), never reused.
//
// The engines supply the statements (SearchTables); the functions below
// run inside the engine's transaction (writes) or connection (reads).
//
// Thread-safety: free functions; a SearchTables is used by one thread.
#ifndef SEALPOST_STORE_SEARCH_INDEX_H_
#define SEALPOST_STORE_SEARCH_INDEX_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/search_store.h"

namespace sealpost::store::internal {

// search_docs.terms: 8 bytes each, big-endian.
std::string EncodeSearchTerms(const std::vector<int64_t>& terms);
std::vector<int64_t> DecodeSearchTerms(std::string_view blob);
// Sorted, each once.
std::vector<int64_t> UniqueSearchTerms(std::vector<int64_t> terms);
// A segment's docs (ascending): the first, then the gaps, as varints.
std::string EncodeDocList(const std::vector<int64_t>& ascending);
std::vector<int64_t> DecodeDocList(std::string_view blob);

struct IndexedDoc {
  int64_t doc = 0;
  std::string terms;  // EncodeSearchTerms of its sorted terms
};

struct SearchSegment {
  int64_t batch = 0;  // the batch's first doc; with `term`, the key
  int64_t term = 0;
  std::string docs;  // EncodeDocList
};

// One engine's statements over the index's tables.
class SearchTables {
 public:
  virtual ~SearchTables() = default;
  // Serializes merges with each other and with removals (PostgreSQL: a
  // transaction-scoped advisory lock; SQLite's writer is single already).
  virtual Status LockMerges() = 0;
  virtual Result<std::optional<IndexedDoc>> FindDoc(
      std::string_view message_id) = 0;
  // Adds the doc and marks it pending; returns its id.
  virtual Result<int64_t> AddDoc(std::string_view message_id,
                                 std::string_view terms) = 0;
  // Deletes the doc and its pending mark; true when it was pending.
  virtual Result<bool> DropDoc(int64_t doc) = 0;
  // The pending docs, oldest first; at most `limit` (0: all).
  virtual Result<std::vector<IndexedDoc>> PendingDocs(int limit) = 0;
  // How many docs are pending, counting no further than `limit`.
  virtual Result<int64_t> CountPending(int limit) = 0;
  virtual Status Unpend(const std::vector<int64_t>& docs) = 0;
  // Inserts a merged batch: its row and its segments.
  virtual Status AddBatch(int64_t batch, int64_t last_doc,
                          const std::vector<SearchSegment>& segments) = 0;
  // The segments of `term` in the batches whose range holds `doc`.
  virtual Result<std::vector<SearchSegment>> SegmentsAround(int64_t term,
                                                            int64_t doc) = 0;
  // Rewrites a segment's docs; empty `docs` deletes it.
  virtual Status ReplaceSegment(const SearchSegment& segment) = 0;
  // The doc lists of every segment of `term`.
  virtual Result<std::vector<std::string>> SegmentDocs(int64_t term) = 0;
  // Of `docs` (newest first), those whose record passes the query's
  // filters: (doc, message id), newest first.
  virtual Result<std::vector<std::pair<int64_t, std::string>>> Filter(
      const std::vector<int64_t>& docs, const SearchQuery& query) = 0;
};

// Replaces a message's terms (none: removes them). Unchanged terms write
// nothing, so a reindex of an indexed message costs one read.
Status PutSearchDoc(SearchTables& t, std::string_view message_id,
                    const std::vector<int64_t>& terms);
// Adds the terms of a message protected in this transaction (it has no
// doc yet: no lookup on the protection commit).
Status AddNewSearchDoc(SearchTables& t, std::string_view message_id,
                       const std::vector<int64_t>& terms);
// Removes a message's doc and every posting of it (shredding).
Status RemoveSearchDoc(SearchTables& t, std::string_view message_id);
// Folds up to `max_docs` pending docs into segments when at least
// `min_docs` are pending; returns how many were folded.
Result<int64_t> MergeSearchDocs(SearchTables& t, int min_docs, int max_docs);
// Message ids matching every term of `query` and its filters, newest
// indexed first.
Result<std::vector<std::string>> SearchDocs(SearchTables& t,
                                            const SearchQuery& query);

// The audit records of a shred of `id` (SearchStore::ShredProtectedMessage)
// that took `family`, its id and the ids of those made of it: `audit` for
// it, saying how many went with it, and one naming each other one.
std::vector<AuditRecord> ShredAudits(std::string_view id,
                                     const std::vector<std::string>& family,
                                     const AuditRecord& audit);

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SEARCH_INDEX_H_
