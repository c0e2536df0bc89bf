#include "portal/pending_sign_ins.h"

#include <algorithm>

namespace sealpost::portal {

void PendingSignIns::Put(Entry entry) {
  MutexLock lock(&mu_);
  int64_t now = entry.created_at;
  std::string state = entry.start.state;
  std::deque<std::string>& mine = by_browser_[entry.browser];
  mine.push_back(state);
  order_.push_back(state);
  by_state_[state] = std::move(entry);
  while (mine.size() > kMaxPerBrowser) Drop(mine.front());
  while (!order_.empty()) {
    auto it = by_state_.find(order_.front());
    bool gone = it == by_state_.end();
    if (!gone && now - it->second.created_at <= kLifetime &&
        by_state_.size() <= max_total_) {
      break;
    }
    if (gone) {
      order_.pop_front();
    } else {
      Drop(order_.front());
    }
  }
}

std::optional<PendingSignIns::Entry> PendingSignIns::Take(
    const std::string& state, int64_t now) {
  MutexLock lock(&mu_);
  auto it = by_state_.find(state);
  if (it == by_state_.end()) return std::nullopt;
  Entry out = std::move(it->second);
  Drop(state);
  if (now - out.created_at > kLifetime) return std::nullopt;
  return out;
}

size_t PendingSignIns::size() const {
  MutexLock lock(&mu_);
  return by_state_.size();
}

void PendingSignIns::Drop(const std::string& state) {
  auto it = by_state_.find(state);
  if (it == by_state_.end()) return;
  auto b = by_browser_.find(it->second.browser);
  if (b != by_browser_.end()) {
    std::erase(b->second, state);
    if (b->second.empty()) by_browser_.erase(b);
  }
  by_state_.erase(it);
  // order_ keeps the state until it reaches the front (Put skips it).
  if (!order_.empty() && order_.front() == state) order_.pop_front();
}

}  // namespace sealpost::portal
