#include "store/sqlite/reader_pool.h"

#include <algorithm>
#include <atomic>

namespace sealpost::store::internal {
namespace {

// The snapshot this thread holds: its pool and connection, and how many
// BeginSnapshot calls are still open.
struct Held {
  const ReaderPool* pool = nullptr;
  Reader* reader = nullptr;
  int depth = 0;
};
thread_local Held t_held;

// The innermost lease this thread took from a pool (ReaderLease::outer_
// links the rest).
thread_local ReaderLease* t_leases = nullptr;

// This thread's first choice of connection, handed out in turn so that
// threads spread over the pool (a hash of the thread id, on glibc the
// aligned address of its pthread_t, sends most threads to the same one).
size_t ThreadSlot() {
  static std::atomic<size_t> next{0};
  thread_local const size_t slot = next.fetch_add(1, std::memory_order_relaxed);
  return slot;
}

}  // namespace

Result<std::unique_ptr<ReaderPool>> ReaderPool::Open(const std::string& path,
                                                     const char* vfs,
                                                     int size) {
  auto pool = std::unique_ptr<ReaderPool>(new ReaderPool(path, vfs));
  for (int i = 0; i < std::max(size, 2); ++i) {
    pool->readers_.push_back(std::make_unique<Reader>());
  }
  // Connection 0 now: a database that cannot be read fails here.
  Reader& first = *pool->readers_[0];
  MutexLock lock(&first.mu_);
  SP_RETURN_IF_ERROR(pool->Connect(first));
  return pool;
}

Status ReaderPool::Connect(Reader& r) {
  if (r.db_ != nullptr) return Status::Ok();
  // NOMUTEX: every use holds the connection's mutex already, so SQLite's
  // own per-call mutex would only be taken and released again.
  int rc = sqlite3_open_v2(path_.c_str(), &r.db_,
                           SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, vfs_);
  if (rc != SQLITE_OK) {
    Status s = InternalError("opening " + path_ + " for reading: " +
                             (r.db_ ? sqlite3_errmsg(r.db_) : "out of memory"));
    sqlite3_close(r.db_);
    r.db_ = nullptr;
    return s;
  }
  sqlite3_busy_timeout(r.db_, 5000);
  r.stmts_ = std::make_unique<StmtCache>(r.db_);
  opened_.fetch_add(1, std::memory_order_relaxed);
  return Status::Ok();
}

bool ReaderPool::TryTake(Reader& r) {
  if (!r.mu_.TryLock()) return false;
  if (Connect(r).ok()) return true;
  r.mu_.Unlock();
  return false;
}

ReaderPool::~ReaderPool() {
  for (auto& r : readers_) {
    MutexLock lock(&r->mu_);
    r->stmts_.reset();
    if (r->db_ != nullptr) sqlite3_close(r->db_);
    r->db_ = nullptr;
  }
}

// The lock taken here is released by the lease (or the snapshot) that
// asked for it: the analysis cannot follow a lock handed back to the
// caller.
Reader* ReaderPool::Take() {
  // Start at a place of this thread's, so that threads spread out.
  const size_t n = readers_.size();
  const size_t start = ThreadSlot();
  for (size_t i = 0; i < n; ++i) {
    Reader* r = readers_[(start + i) % n].get();
    if (TryTake(*r)) return r;
  }
  // Connection 0 never holds a snapshot: it is free once its statement is
  // done.
  readers_[0]->mu_.Lock();
  return readers_[0].get();
}

// The snapshot's lock is held from here to EndSnapshot, on this thread
// (t_held): the analysis cannot follow a lock held across calls.
void ReaderPool::BeginSnapshot() {
  Held& held = t_held;
  if (held.pool == this) {
    ++held.depth;
    return;
  }
  // Another pool's snapshot (two stores on one thread): this one's lookups
  // run one by one.
  if (held.pool != nullptr) return;
  for (size_t i = 1; i < readers_.size(); ++i) {
    Reader* r = readers_[i].get();
    // This thread's lease holds it: a mutex is not tried by its holder.
    if (ReaderLease::Holds(this, r)) continue;
    if (!TryTake(*r)) continue;
    // Deferred: the snapshot is taken by the first lookup.
    if (!RunStmt(*r->stmts_, "BEGIN").ok()) {
      r->mu_.Unlock();
      return;
    }
    held = {this, r, 1};
    return;
  }
}

void ReaderPool::EndSnapshot() {
  Held& held = t_held;
  if (held.pool != this) return;
  if (--held.depth > 0) return;
  Reader* r = held.reader;
  held = Held();
  // A failed lookup may have ended the transaction already.
  if (sqlite3_get_autocommit(r->db_) == 0 &&
      !RunStmt(*r->stmts_, "COMMIT").ok()) {
    (void)RunStmt(*r->stmts_, "ROLLBACK");
  }
  r->mu_.Unlock();
}

bool ReaderPool::InSnapshot() const { return t_held.pool == this; }

// The lease's lock is the snapshot's (held for this thread) or taken by
// Take and released in the destructor.
ReaderLease::ReaderLease(ReaderPool& pool) : pool_(&pool) {
  if (t_held.pool == &pool) {
    reader_ = t_held.reader;
    owned_ = false;
    return;
  }
  if (const ReaderLease* l = Find(&pool)) {
    reader_ = l->reader_;
    owned_ = false;
    return;
  }
  reader_ = pool.Take();
  owned_ = true;
  outer_ = t_leases;
  t_leases = this;
}

ReaderLease::~ReaderLease() {
  if (!owned_) return;
  t_leases = outer_;
  reader_->mu_.Unlock();
}

const ReaderLease* ReaderLease::Find(const ReaderPool* pool) {
  for (const ReaderLease* l = t_leases; l != nullptr; l = l->outer_) {
    if (l->pool_ == pool) return l;
  }
  return nullptr;
}

bool ReaderLease::Holds(const ReaderPool* pool, const Reader* reader) {
  const ReaderLease* l = Find(pool);
  return l != nullptr && l->reader_ == reader;
}

}  // namespace sealpost::store::internal
