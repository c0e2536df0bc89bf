// BodyStore: large message bodies written and read a piece at a time
// (issue 14), for an engine that keeps them outside its rows: SQLite's
// body files (sqlite/body_files.h). The queue encrypts a large message
// into its file as it goes and delivers it from there a slice at a time,
// so neither its ciphertext nor its plaintext is held whole. PostgreSQL
// keeps every body in its rows (BodyStoreOf is null for it).
//
// Thread-safety: BodyStore is safe to call from any thread; a BodyWriter
// or a body opened for reading is used by one thread at a time.
#ifndef SEALPOST_STORE_BODY_STORE_H_
#define SEALPOST_STORE_BODY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/files.h"
#include "base/status.h"
#include "store/queue_store.h"

namespace sealpost::store {

// A staged body being written (BodyStore::StartBody). Destroyed before
// Finish() returned OK, it leaves nothing behind.
class BodyWriter {
 public:
  virtual ~BodyWriter() = default;
  // RESOURCE_EXHAUSTED when the disk is full.
  virtual Status Append(std::string_view bytes) = 0;
  // Makes the body durable under its id: QueueStore::StageBody's promise
  // (the commit that names it keeps it) from here.
  virtual Status Finish() = 0;
};

class BodyStore {
 public:
  virtual ~BodyStore() = default;
  // QueueStore::StageBody a piece at a time. ALREADY_EXISTS when the body
  // has a file already.
  virtual Result<std::unique_ptr<BodyWriter>> StartBody(
      BodyKind kind, std::string_view id) = 0;
  // A body kept in a file (staged, or committed since), read from its first
  // byte and again after Restart(), its size known; NOT_FOUND when it has
  // none (a small body is in its row).
  virtual Result<std::unique_ptr<FileReader>> OpenBody(BodyKind kind,
                                                       std::string_view id) = 0;
  // A staged body that no commit will name (the work that staged it
  // failed), removed now rather than at the next start. Never for a body a
  // commit names.
  virtual void DiscardBody(BodyKind kind, std::string_view id) = 0;
};

// The store's BodyStore, or null when it keeps every body in its rows.
BodyStore* BodyStoreOf(QueueStore& store);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_BODY_STORE_H_
