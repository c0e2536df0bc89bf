// IndexMerger: folds the eDiscovery index's pending messages into per-term
// segments (store::Store::MergeSearchIndex) on its own thread, in large
// batches, so that a protected message's commit writes one row for the
// index and never the hundreds a term-ordered layout needs
// (docs/compliance.md, "Layout"). Messages are searchable before they are
// merged; merging keeps queries from reading many pending messages.
//
// Thread-safety: thread-safe.
#ifndef SEALPOST_SEARCH_INDEX_MERGER_H_
#define SEALPOST_SEARCH_INDEX_MERGER_H_

#include <chrono>
#include <thread>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "store/store.h"

namespace sealpost::search {

struct IndexMergerOptions {
  // Messages per merge transaction: larger batches make fewer, longer
  // segments (a query reads one row per batch of a term) and hold the
  // store's writer longer.
  int batch = 1000;
  // How often the pending count is looked at.
  std::chrono::milliseconds poll{5'000};
  // A batch smaller than `batch` is merged once this long has passed since
  // the last merge, so that quiet gateways do not keep a tail forever.
  std::chrono::milliseconds max_wait{3'600'000};
};

class IndexMerger {
 public:
  explicit IndexMerger(store::Store& store, IndexMergerOptions options = {});
  ~IndexMerger();
  IndexMerger(const IndexMerger&) = delete;
  IndexMerger& operator=(const IndexMerger&) = delete;

  // Starts the thread; Stop (or the destructor) ends it.
  void Start();
  void Stop();
  // Merges full batches while there are; with `everything`, the rest too.
  // Returns how many messages were merged.
  Result<int64_t> MergeNow(bool everything);

 private:
  void Loop();

  store::Store& store_;  // not owned: must outlive this object
  const IndexMergerOptions options_;
  Mutex mu_;
  CondVar cv_;  // signalled by Stop
  bool stop_ SP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sealpost::search

#endif  // SEALPOST_SEARCH_INDEX_MERGER_H_
