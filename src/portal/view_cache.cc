#include "portal/view_cache.h"

#include <chrono>

#include "base/log.h"

namespace sealpost::portal {

std::optional<ViewCache::Entry> ViewCache::Get(const std::string& session,
                                               const std::string& target,
                                               int64_t now_ms,
                                               uint64_t generation) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(session + '\n' + target);
  if (it == entries_.end() || it->second.expires_ms <= now_ms ||
      it->second.generation != generation) {
    return std::nullopt;
  }
  return it->second;
}

bool ViewCache::Contains(const std::string& session, const std::string& target,
                         int64_t now_ms, uint64_t generation) const {
  MutexLock lock(&mu_);
  auto it = entries_.find(session + '\n' + target);
  return it != entries_.end() && it->second.expires_ms > now_ms &&
         it->second.generation == generation;
}

void ViewCache::Put(const std::string& session, const std::string& target,
                    Entry entry) {
  if (entry.response.body.size() > kMaxPageBytes) return;
  MutexLock lock(&mu_);
  if (entries_.size() >= kMaxEntries ||
      bytes_ + entry.response.body.size() > kMaxBytes) {
    // Drop what is stale; if everything is fresh, start over (a burst of
    // first views only costs the slow path once more).
    int64_t now_ms = entry.expires_ms - kLifetimeMs;
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->second.expires_ms <= now_ms ||
          it->second.generation != entry.generation) {
        bytes_ -= it->second.response.body.size();
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
    if (entries_.size() >= kMaxEntries ||
        bytes_ + entry.response.body.size() > kMaxBytes) {
      entries_.clear();
      bytes_ = 0;
    }
  }
  std::string key = session + '\n' + target;
  if (auto it = entries_.find(key); it != entries_.end()) {
    bytes_ -= it->second.response.body.size();
  }
  bytes_ += entry.response.body.size();
  entries_[key] = std::move(entry);
}

void ViewCache::DropSession(const std::string& session) {
  MutexLock lock(&mu_);
  std::string prefix = session + '\n';
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && it->first.starts_with(prefix);) {
    bytes_ -= it->second.response.body.size();
    it = entries_.erase(it);
  }
}

AuditBuffer::AuditBuffer(store::Store& store)
    : store_(store), thread_([this] { Run(); }) {}

AuditBuffer::~AuditBuffer() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
  }
  wake_.Signal();
  thread_.join();
}

void AuditBuffer::Add(store::AuditRecord record) {
  bool first;
  {
    MutexLock lock(&mu_);
    first = pending_.empty();
    pending_.push_back(std::move(record));
  }
  if (first) wake_.Signal();
}

void AuditBuffer::Run() {
  for (;;) {
    std::vector<store::AuditRecord> batch;
    {
      MutexLock lock(&mu_);
      while (!stopping_ && pending_.empty()) wake_.Wait(&mu_);
      if (pending_.empty() && stopping_) return;
      // Let a batch gather (at most 200 ms), unless we are stopping.
      const auto until =
          std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      while (!stopping_) {
        if (!wake_.WaitUntil(&mu_, until)) break;
      }
      batch.swap(pending_);
    }
    if (Status st = store_.AppendAudits(batch); !st.ok()) {
      log::Error("portal: writing {} audit records: {}", batch.size(),
                 st.message());
      store_.CountAuditFailures(batch.size());
    }
  }
}

}  // namespace sealpost::portal
