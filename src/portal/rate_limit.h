// RateLimiter: at most `limit` events per key within a sliding window, for
// the portal's passcode requests and sign-in attempts (per address and per
// client address). In memory on a single node: a restart forgets the
// counts, which only ever loosens the limit for one window. When several
// nodes share the store (PostgreSQL), the counts are kept there instead
// (Share), so a load balancer spreading a client's tries over the nodes
// does not multiply its limit.
//
// Thread-safety: thread-safe (one mutex; the store is thread-safe). Share
// is called before the limiter is used.
#ifndef SEALPOST_PORTAL_RATE_LIMIT_H_
#define SEALPOST_PORTAL_RATE_LIMIT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "base/log.h"
#include "base/thread_annotations.h"
#include "store/store.h"

namespace sealpost::portal {

class RateLimiter {
 public:
  RateLimiter(int limit, int64_t window_seconds)
      : limit_(limit), window_(window_seconds) {}

  // Counts in `shared` from now on, under `name` (which keeps this
  // limiter's keys apart from the others').
  void Share(store::Store* shared, std::string name) {
    shared_ = shared;
    name_ = std::move(name);
  }

  // Records an event for `key` at `now` unless the key is over its limit;
  // false (nothing recorded) when it is, and when the shared store cannot
  // count it (a limit is never skipped).
  bool Allow(const std::string& key, int64_t now) {
    if (shared_ != nullptr) {
      auto taken =
          shared_->TakeRateLimit(name_ + ":" + key, limit_, window_, now);
      if (!taken.ok()) {
        log::Warn("portal: rate limit {} not counted, refused: {}", name_,
                  taken.status().message());
        return false;
      }
      return *taken;
    }
    MutexLock lock(&mu_);
    if (Full(key, now)) return false;
    Record(key, now);
    return true;
  }
  // (No "check now, count later": parallel requests would all pass the
  // check before any counted. Limits on tries count every try.)

 private:
  bool Full(const std::string& key, int64_t now) SP_REQUIRES(mu_) {
    auto it = events_.find(key);
    if (it == events_.end()) return false;
    std::deque<int64_t>& times = it->second;
    while (!times.empty() && times.front() <= now - window_) times.pop_front();
    return static_cast<int>(times.size()) >= limit_;
  }
  void Record(const std::string& key, int64_t now) SP_REQUIRES(mu_) {
    events_[key].push_back(now);
    if (events_.size() > kMaxKeys) Prune(now);
  }
  static constexpr size_t kMaxKeys = 100000;
  // Drops keys with no event in the window, so memory stays bounded.
  void Prune(int64_t now) SP_REQUIRES(mu_) {
    for (auto it = events_.begin(); it != events_.end();) {
      if (it->second.empty() || it->second.back() <= now - window_) {
        it = events_.erase(it);
      } else {
        ++it;
      }
    }
  }

  const int limit_;
  const int64_t window_;
  // Not owned (references and pointers below): must outlive this object.
  store::Store* shared_ = nullptr;
  std::string name_;
  Mutex mu_;
  std::map<std::string, std::deque<int64_t>> events_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_RATE_LIMIT_H_
