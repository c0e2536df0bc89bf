// Which signed-in sessions have entered the PIN of which message (a
// sender's PIN for one message, docs/portal.md): in memory, until the
// session ends. A restart, or another node, asks for the PIN again.
//
// Thread-safety: thread-safe (one mutex).
#ifndef SEALPOST_PORTAL_PIN_PASSES_H_
#define SEALPOST_PORTAL_PIN_PASSES_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>

#include "base/thread_annotations.h"

namespace sealpost::portal {

class PinPasses {
 public:
  static constexpr size_t kMaxEntries = 100'000;

  // `session` is the hash of the session token; good until `until`.
  void Add(const std::string& session, const std::string& message_id,
           int64_t until, int64_t now) {
    MutexLock lock(&mu_);
    if (passes_.size() >= kMaxEntries) {
      std::erase_if(passes_, [now](const auto& p) { return p.second <= now; });
    }
    // Still full of live passes: the oldest session's PIN is asked again.
    if (passes_.size() >= kMaxEntries) passes_.erase(passes_.begin());
    passes_[{session, message_id}] = until;
  }
  bool Has(const std::string& session, const std::string& message_id,
           int64_t now) const {
    MutexLock lock(&mu_);
    auto it = passes_.find({session, message_id});
    return it != passes_.end() && it->second > now;
  }
  void DropSession(const std::string& session) {
    MutexLock lock(&mu_);
    auto it = passes_.lower_bound({session, std::string()});
    while (it != passes_.end() && it->first.first == session) {
      it = passes_.erase(it);
    }
  }

 private:
  mutable Mutex mu_;
  std::map<std::pair<std::string, std::string>, int64_t> passes_
      SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_PIN_PASSES_H_
