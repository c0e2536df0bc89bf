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
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void AuditBuffer::Add(store::AuditRecord record) {
  bool first;
  {
    std::lock_guard lock(mu_);
    first = pending_.empty();
    pending_.push_back(std::move(record));
  }
  if (first) wake_.notify_one();
}

void AuditBuffer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty() && stopping_) return;
    // Let a batch gather (at most 200 ms), unless we are stopping.
    if (!stopping_) {
      wake_.wait_for(lock, std::chrono::milliseconds(200),
                     [this] { return stopping_; });
    }
    std::vector<store::AuditRecord> batch;
    batch.swap(pending_);
    lock.unlock();
    if (Status st = store_.AppendAudits(batch); !st.ok()) {
      log::Error("portal: writing {} audit records: {}", batch.size(),
                 st.message());
      store_.CountAuditFailures(batch.size());
    }
    lock.lock();
  }
}

}  // namespace sealpost::portal
