// RateLimiter: at most `limit` events per key within a sliding window, for
// the portal's passcode requests and sign-in attempts (per address and per
// client address). In memory: a restart forgets the counts, which only
// ever loosens the limit for one window.
//
// Thread-safety: thread-safe (one mutex).
#ifndef SEALPOST_PORTAL_RATE_LIMIT_H_
#define SEALPOST_PORTAL_RATE_LIMIT_H_

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

#include "base/thread_annotations.h"

namespace sealpost::portal {

class RateLimiter {
 public:
  RateLimiter(int limit, int64_t window_seconds)
      : limit_(limit), window_(window_seconds) {}

  // Records an event for `key` at `now` unless the key is over its limit;
  // false (nothing recorded) when it is.
  bool Allow(const std::string& key, int64_t now) {
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
  Mutex mu_;
  std::map<std::string, std::deque<int64_t>> events_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_RATE_LIMIT_H_
