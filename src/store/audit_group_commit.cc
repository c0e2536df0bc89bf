#include "store/audit_group_commit.h"

#include <utility>
#include <vector>

namespace sealpost::store {

Status AuditGroupCommit::Append(AuditRecord record) {
  mu_.Lock();
  if (open_ == nullptr) open_ = std::make_shared<Batch>();
  std::shared_ptr<Batch> mine = open_;
  mine->records.push_back(std::move(record));
  while (!mine->done && committing_) mine->changed.Wait(&mu_);
  if (!mine->done) {
    // Nothing is being committed and ours is not done, so ours is the open
    // batch: commit it, with whatever joined it, outside the lock so that
    // the next batch fills meanwhile.
    committing_ = true;
    open_ = nullptr;
    mu_.Unlock();
    Status st = store_.AppendAudits(mine->records);
    mu_.Lock();
    mine->result = std::move(st);
    mine->done = true;
    committing_ = false;
    ++transactions_;
    records_ += mine->records.size();
    mine->changed.SignalAll();
    if (open_ != nullptr) open_->changed.Signal();
  }
  Status out = mine->result;
  mu_.Unlock();
  return out;
}

AuditGroupCommit::Counts AuditGroupCommit::counts() const {
  MutexLock lock(&mu_);
  return {transactions_, records_, committing_,
          open_ == nullptr ? 0 : open_->records.size()};
}

}  // namespace sealpost::store
