#include "store/audit_group_commit.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

namespace sealpost::store {

AuditGroupCommit::~AuditGroupCommit() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  work_.SignalAll();
  if (committer_.joinable()) committer_.join();
}

std::shared_ptr<AuditGroupCommit::Batch> AuditGroupCommit::CommitOpenBatch() {
  // Nothing is being committed, so the open batch is the next one: commit
  // it, with whatever joined it, outside the lock so that the next batch
  // fills meanwhile.
  std::shared_ptr<Batch> mine = std::move(open_);
  open_ = nullptr;
  committing_ = true;
  mu_.Unlock();
  Status st = store_.AppendAudits(mine->records);
  mu_.Lock();
  mine->result = std::move(st);
  mine->done = true;
  committing_ = false;
  ++transactions_;
  records_ += mine->records.size();
  last_batch_ = mine->records.size();
  last_commit_at_ = std::chrono::steady_clock::now();
  // What a lingering committer waits for next: the releases just answered
  // coming back, and those already waiting.
  linger_target_ = std::min(
      kLingerBatch,
      last_batch_ + (open_ == nullptr ? size_t{0} : open_->records.size()));
  mine->changed.SignalAll();
  // One caller of the next batch commits it; with none there (only
  // AppendAsync records), the committer thread does.
  if (open_ != nullptr) open_->changed.Signal();
  if ((open_ != nullptr && !open_->callbacks.empty()) || stopping_) {
    work_.Signal();
  }
  return mine;
}

Status AuditGroupCommit::Append(AuditRecord record) {
  mu_.Lock();
  if (open_ == nullptr) open_ = std::make_shared<Batch>();
  std::shared_ptr<Batch> mine = open_;
  mine->records.push_back(std::move(record));
  while (!mine->done && committing_) mine->changed.Wait(&mu_);
  bool committed_here = false;
  if (!mine->done) {
    CommitOpenBatch();
    committed_here = true;
  }
  Status out = mine->result;
  mu_.Unlock();
  // AppendAsync records that joined the batch this caller committed.
  if (committed_here) {
    for (auto& done : mine->callbacks) done(out);
  }
  return out;
}

void AuditGroupCommit::AppendAsync(AuditRecord record,
                                   std::function<void(Status)> done) {
  MutexLock lock(&mu_);
  if (!committer_started_) {
    committer_started_ = true;
    committer_ = std::thread([this] { CommitterLoop(); });
  }
  if (open_ == nullptr) open_ = std::make_shared<Batch>();
  open_->records.push_back(std::move(record));
  open_->callbacks.push_back(std::move(done));
  // A lingering committer is woken only once its batch is complete.
  if (!committing_ &&
      (!lingering_ || open_->records.size() >= linger_target_)) {
    work_.Signal();
  }
}

void AuditGroupCommit::Linger() {
  // Only under load (the last transaction had company): a lone release
  // never waits for anyone.
  if (last_batch_ < 2 || stopping_) return;
  // Nor does the first release after a quiet spell (the load has gone).
  const auto now = std::chrono::steady_clock::now();
  if (now - last_commit_at_ > kLinger) return;
  // Woken once, when the releases the last transaction answered are back
  // (linger_target_), or at kLinger: not a look per arrival, since on this
  // kind of VM a wake-up costs about what a record's share of a commit does.
  const auto until = now + kLinger;
  lingering_ = true;
  while (!stopping_ && !committing_ && open_ != nullptr &&
         open_->records.size() < linger_target_) {
    if (!work_.WaitUntil(&mu_, until)) break;
  }
  lingering_ = false;
}

void AuditGroupCommit::CommitterLoop() {
  mu_.Lock();
  for (;;) {
    // On stopping, what is still open is committed first: every callback
    // runs.
    while (committing_ || (open_ == nullptr && !stopping_)) work_.Wait(&mu_);
    if (open_ == nullptr) break;
    Linger();
    // An Append caller may have taken the batch meanwhile.
    if (committing_ || open_ == nullptr) continue;
    std::shared_ptr<Batch> batch = CommitOpenBatch();
    mu_.Unlock();
    for (auto& done : batch->callbacks) done(batch->result);
    mu_.Lock();
  }
  mu_.Unlock();
}

AuditGroupCommit::Counts AuditGroupCommit::counts() const {
  MutexLock lock(&mu_);
  return {transactions_, records_, committing_,
          open_ == nullptr ? 0 : open_->records.size()};
}

}  // namespace sealpost::store
