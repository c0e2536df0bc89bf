// The read-only connections of SqliteStore: a few, so that lookups on
// several threads (the I/O threads making first opens, the handler pool) do
// not queue behind one connection, and so that a thread may hold one for a
// read snapshot: a request's lookups (session, user, record, portal copy,
// PIN pass) inside one read transaction (BEGIN ... COMMIT) instead of one
// each. In WAL mode every read transaction takes a read lock on the shared
// memory (fcntl) and, when anything committed since the connection's last
// one, drops the connection's page cache (its pages are read again with
// pread): one per request instead of one per lookup.
//
// A snapshot begins at its first lookup (BEGIN is deferred), so it sees
// every transaction committed before that lookup, and so before the request
// began; a commit made while it is held is seen by the next request.
//
// Connection 0 is opened with the pool, every other at its first use (the
// CLI's commands and a quiet server need one or two; each has its own page
// cache). One that fails to open is tried again at its next use; its
// lookups go to another.
//
// Thread-safety: thread-safe. Each connection is behind its own mutex; a
// lookup holds one for its statement (ReaderLease), a snapshot for its
// scope (BeginSnapshot .. EndSnapshot on one thread). Connection 0 never
// holds a snapshot, so a lookup that finds every connection busy waits
// only for a statement, never for another thread's request.
#ifndef SEALPOST_STORE_SQLITE_READER_POOL_H_
#define SEALPOST_STORE_SQLITE_READER_POOL_H_

#include <sqlite3.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "store/sqlite/sqlite_util.h"

namespace sealpost::store::internal {

class ReaderPool;

// One read-only connection and its prepared statements.
class Reader {
 public:
  Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

 private:
  friend class ReaderPool;
  friend class ReaderLease;
  Mutex mu_;
  sqlite3* db_ SP_GUARDED_BY(mu_) = nullptr;
  std::unique_ptr<StmtCache> stmts_ SP_GUARDED_BY(mu_);
};

class ReaderPool {
 public:
  // `size` connections (at least 2) to the database at `path`, opened
  // read-only through `vfs`: connection 0 now, the others when needed.
  static Result<std::unique_ptr<ReaderPool>> Open(const std::string& path,
                                                  const char* vfs, int size);
  ~ReaderPool();
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // This thread's lookups on this pool share one read transaction until the
  // matching EndSnapshot (nested pairs count). When every snapshot
  // connection is busy, or BEGIN fails, the lookups run one by one as
  // without it. Must not be held across a wait for other threads.
  // The analysis cannot follow a lock held for a thread from one call to
  // another (the snapshot's, noted in a thread_local): these two, Take and
  // the lease's constructor and destructor are left out of it; every use of
  // a connection is checked (ReaderLease::stmts, db).
  void BeginSnapshot() SP_NO_THREAD_SAFETY_ANALYSIS;
  void EndSnapshot() SP_NO_THREAD_SAFETY_ANALYSIS;
  // Whether this thread holds a snapshot of this pool (tests).
  bool InSnapshot() const;
  // How many connections are open (tests).
  int open_connections() const {
    return opened_.load(std::memory_order_relaxed);
  }

 private:
  friend class ReaderLease;
  ReaderPool(std::string path, const char* vfs)
      : path_(std::move(path)), vfs_(vfs) {}
  // A connection, locked: a free one, else connection 0 once it is free.
  Reader* Take() SP_NO_THREAD_SAFETY_ANALYSIS;
  // Opens `r` when it is not yet open.
  Status Connect(Reader& r) SP_REQUIRES(r.mu_);
  // Locks `r` when it is free and opens it: true with its lock held; false,
  // and unlocked, when another holds it or it does not open.
  bool TryTake(Reader& r) SP_TRY_ACQUIRE(true, r.mu_);

  const std::string path_;
  const char* const vfs_;
  std::vector<std::unique_ptr<Reader>> readers_;  // fixed once opened
  std::atomic<int> opened_{0};
};

// The read connection of one lookup (or a few on one thread): this
// thread's snapshot's when it holds one of `pool`, else the connection of
// a lease of `pool` this thread already holds (a lease inside a lease: the
// same connection, never a second one, which would wait for itself once
// the others are busy), else one taken from the pool for the lease's life.
// Thread-safety: one thread's object; leases end in the reverse order.
class ReaderLease {
 public:
  explicit ReaderLease(ReaderPool& pool) SP_NO_THREAD_SAFETY_ANALYSIS;
  ~ReaderLease() SP_NO_THREAD_SAFETY_ANALYSIS;
  ReaderLease(const ReaderLease&) = delete;
  ReaderLease& operator=(const ReaderLease&) = delete;

  // The lease holds the connection's mutex (itself, or through this
  // thread's snapshot): the analysis is told so here, as it cannot follow
  // a lock held for a thread across calls.
  StmtCache& stmts() {
    reader_->mu_.AssertHeld();
    return *reader_->stmts_;
  }
  sqlite3* db() {
    reader_->mu_.AssertHeld();
    return reader_->db_;
  }

 private:
  friend class ReaderPool;
  // The lease this thread holds that took its connection from `pool`, if
  // any: at most one, as a lease inside it shares its connection.
  static const ReaderLease* Find(const ReaderPool* pool);
  // Whether a lease this thread holds has taken `reader` of `pool`.
  static bool Holds(const ReaderPool* pool, const Reader* reader);

  const ReaderPool* pool_;
  Reader* reader_;
  bool owned_;
  // The lease this thread took before this one, when this one took its
  // connection from the pool (a thread's leases are a stack).
  ReaderLease* outer_ = nullptr;
};

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_SQLITE_READER_POOL_H_
