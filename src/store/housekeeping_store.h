// HousekeepingStore: what keeps the store bounded over time, and its size
// (`sealpost status`); one area of Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_HOUSEKEEPING_STORE_H_
#define SEALPOST_STORE_HOUSEKEEPING_STORE_H_

#include <cstdint>

#include "base/status.h"

namespace sealpost::store {

// What the store holds, for `sealpost status`.
struct StoreStats {
  int64_t file_bytes = 0;  // the database on disk (with its write-ahead log)
  int64_t free_bytes = 0;  // free pages inside it, reused before it grows
  int64_t queued_messages = 0;  // queue bodies waiting for delivery
  int64_t done_messages = 0;    // delivered or bounced: trace only, no body
  int64_t portal_copies = 0;
  int64_t protected_messages = 0;
};

class HousekeepingStore {
 public:
  virtual ~HousekeepingStore() = default;

  // Deletes at most `limit` queue messages that are done and were received
  // before `before_ms`, with their deliveries and trace events, in one
  // transaction; returns how many.
  virtual Result<int64_t> PruneQueueHistory(int64_t before_ms, int limit) = 0;
  // Deletes at most `limit` portal copies, in one transaction, of messages
  // whose expiry has passed at `now` (unix seconds), and, when
  // `created_before` > 0, of messages without an expiry whose copy was made
  // before it (portal.retention_days); returns how many. The records stay.
  virtual Result<int64_t> PrunePortalCopies(int64_t now, int64_t created_before,
                                            int limit) = 0;
  // Gives at most `max_pages` free pages back to the file system, keeping
  // some for reuse (SQLite: PRAGMA incremental_vacuum); returns how many.
  virtual Result<int64_t> ReclaimSpace(int64_t max_pages) = 0;
  virtual Result<StoreStats> Stats() = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_HOUSEKEEPING_STORE_H_
