// BodyStore: large message bodies written and read a piece at a time
// (issue 14), apart from the row that names them: SQLite's body files
// beside the database (sqlite/body_files.h), PostgreSQL's chunks of 1 MiB
// in a table of their own that every node reaches (postgres/
// postgres_bodies.cc). The queue encrypts a large message into its body
// as it goes and delivers it from there a slice at a time, so neither its
// ciphertext nor its plaintext is held whole; the portal and the API send
// a large portal copy the same way.
//
// Thread-safety: BodyStore is safe to call from any thread; a BodyWriter
// or BodyReader is used by one thread at a time, and does not outlive its
// store.
#ifndef SEALPOST_STORE_BODY_STORE_H_
#define SEALPOST_STORE_BODY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"
#include "store/queue_store.h"

namespace sealpost::store {

// Bodies of this size or more (a queued message's content, a portal copy)
// are kept apart from their rows, on both engines; smaller ones stay in
// their rows (small mail keeps one fsync per group commit).
inline constexpr size_t kLargeBodyBytes = 256 * 1024;

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

// A body opened for reading: a ByteSource (read from its first byte, and
// again after Restart) whose size is known. A body found damaged (a piece
// missing or cut short) is an error, never short data. SQLite's is the body
// file's FileReader.
using BodyReader = SizedByteSource;

class BodyStore {
 public:
  virtual ~BodyStore() = default;
  // QueueStore::StageBody a piece at a time. ALREADY_EXISTS when the body
  // is stored already.
  virtual Result<std::unique_ptr<BodyWriter>> StartBody(
      BodyKind kind, std::string_view id) = 0;
  // A body kept apart (staged, or committed since); NOT_FOUND when it is
  // not (a small body is in its row).
  virtual Result<std::unique_ptr<BodyReader>> OpenBody(BodyKind kind,
                                                       std::string_view id) = 0;
  // A staged body that no commit will name (the work that staged it
  // failed), removed now rather than at the next start. Never for a body a
  // commit names.
  virtual void DiscardBody(BodyKind kind, std::string_view id) = 0;
};

// The store's BodyStore, or null when it keeps every body in its rows
// (SQLite in memory, for tests).
BodyStore* BodyStoreOf(QueueStore& store);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_BODY_STORE_H_
