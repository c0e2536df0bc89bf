// AuditGroupCommit: audit records that must be durable before what they
// record happens (a key release, SPEC §2), for many callers at once, with
// one transaction, so one fsync, for every record that arrived while the
// previous transaction was being committed (group commit, as the queue's
// committer does for acceptances).
//
// Append returns once its record is committed, or with the error of the
// transaction it was in: every record of a failed transaction fails, and
// each caller refuses what it was about to release (fail closed). A caller
// of Append that finds no commit in progress commits the open batch (its
// own record and whatever joined it), the others wait for the transaction
// theirs is in; a lone caller commits at once, as Store::AppendAudit would.
// AppendAsync holds no thread while it waits: a committer thread of its
// own (started by the first AppendAsync) commits batches that no Append
// caller is there to commit, and the callback runs once the transaction
// is over (the portal answers from it, so its I/O threads never wait for
// an fsync). Works on every engine: a batch is one Store::AppendAudits.
//
// Thread-safety: thread-safe.
#ifndef SEALPOST_STORE_AUDIT_GROUP_COMMIT_H_
#define SEALPOST_STORE_AUDIT_GROUP_COMMIT_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "store/store.h"

namespace sealpost::store {

class AuditGroupCommit {
 public:
  explicit AuditGroupCommit(Store& store) : store_(store) {}
  // Commits what is still waiting, then stops the committer thread.
  ~AuditGroupCommit() SP_EXCLUDES(mu_);
  AuditGroupCommit(const AuditGroupCommit&) = delete;
  AuditGroupCommit& operator=(const AuditGroupCommit&) = delete;

  // Commits `record` (with the records of concurrent callers) and returns
  // once it is durable; the transaction's error otherwise.
  Status Append(AuditRecord record) SP_EXCLUDES(mu_);
  // The same without waiting: `done` runs exactly once, with OK once the
  // record is durable or with the transaction's error, on whichever thread
  // committed its batch (possibly before AppendAsync returns). `done` must
  // be quick: it holds up the next batch's commit.
  void AppendAsync(AuditRecord record, std::function<void(Status)> done)
      SP_EXCLUDES(mu_);

  // Transactions committed (or failed) so far and the records in them;
  // whether one is being committed and how many records wait for the next.
  struct Counts {
    uint64_t transactions = 0;
    uint64_t records = 0;
    bool committing = false;
    size_t waiting = 0;
  };
  Counts counts() const SP_EXCLUDES(mu_);

 private:
  struct Batch {
    std::vector<AuditRecord> records;
    // AppendAsync's callers, told when the batch's transaction is over.
    std::vector<std::function<void(Status)>> callbacks;
    bool done = false;
    Status result;
    // Its callers wait here (with mu_): a commit wakes only the callers it
    // concerns and one caller of the next batch, which commits that.
    CondVar changed;
  };

  // Takes the open batch (committing_ must be false, open_ set), commits
  // it outside the lock, and wakes whoever waits for it or the next one.
  // Returns the batch, whose callbacks the caller runs without the lock.
  std::shared_ptr<Batch> CommitOpenBatch() SP_REQUIRES(mu_);
  // The committer thread: commits batches AppendAsync filled.
  void CommitterLoop() SP_EXCLUDES(mu_);
  // Before the committer thread commits an open batch under load (the
  // last transaction held more than one record): waits until the releases
  // that transaction answered have come back (a busy keep-alive connection
  // asks again at once) and joined those already waiting
  // (linger_target_, at most kLingerBatch), or kLinger at most, so that
  // one fsync covers them all. Fewer, larger transactions: less CPU per
  // release at 16 and more connections; a lone release (one connection)
  // never waits.
  void Linger() SP_REQUIRES(mu_);
  static constexpr std::chrono::microseconds kLinger{500};
  static constexpr size_t kLingerBatch = 64;

  // Not owned (references and pointers below): must outlive this object.
  Store& store_;
  mutable Mutex mu_;
  // The committer thread waits here for a batch to commit.
  CondVar work_;
  std::thread committer_;
  bool committer_started_ SP_GUARDED_BY(mu_) = false;
  bool stopping_ SP_GUARDED_BY(mu_) = false;
  // Where new records go; taken (and replaced) by the caller that commits.
  std::shared_ptr<Batch> open_ SP_GUARDED_BY(mu_);
  bool committing_ SP_GUARDED_BY(mu_) = false;
  // The committer thread is in Linger: AppendAsync does not wake it.
  bool lingering_ SP_GUARDED_BY(mu_) = false;
  // Records in the last transaction, and when it ended.
  size_t last_batch_ SP_GUARDED_BY(mu_) = 0;
  std::chrono::steady_clock::time_point last_commit_at_ SP_GUARDED_BY(mu_);
  // The open batch's size at which a lingering committer commits it.
  size_t linger_target_ SP_GUARDED_BY(mu_) = kLingerBatch;
  uint64_t transactions_ SP_GUARDED_BY(mu_) = 0;
  uint64_t records_ SP_GUARDED_BY(mu_) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_AUDIT_GROUP_COMMIT_H_
