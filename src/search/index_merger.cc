#include "search/index_merger.h"

#include "base/log.h"

namespace sealpost::search {

IndexMerger::IndexMerger(store::Store& store, IndexMergerOptions options)
    : store_(store), options_(options) {}

IndexMerger::~IndexMerger() { Stop(); }

void IndexMerger::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void IndexMerger::Stop() {
  {
    MutexLock lock(&mu_);
    stop_ = true;
  }
  cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

Result<int64_t> IndexMerger::MergeNow(bool everything) {
  int64_t total = 0;
  for (;;) {
    SP_ASSIGN_OR_RETURN(int64_t merged,
                        store_.MergeSearchIndex(everything ? 1 : options_.batch,
                                                options_.batch));
    total += merged;
    if (merged < options_.batch) return total;
  }
}

void IndexMerger::Loop() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point last = Clock::now();
  for (;;) {
    {
      MutexLock lock(&mu_);
      const Clock::time_point until = Clock::now() + options_.poll;
      while (!stop_ && cv_.WaitUntil(&mu_, until)) {
      }
      if (stop_) return;
    }
    const bool overdue = Clock::now() - last >= options_.max_wait;
    auto merged = MergeNow(overdue);
    if (!merged.ok()) {
      log::Warn("search: merging the index failed (retried): {}",
                merged.status().message());
      continue;
    }
    if (*merged > 0) {
      log::Debug("search: merged {} messages into the index", *merged);
    }
    if (*merged > 0 || overdue) last = Clock::now();
  }
}

}  // namespace sealpost::search
