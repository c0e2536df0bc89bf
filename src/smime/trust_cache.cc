#include "smime/trust_cache.h"

namespace sealpost::smime {
namespace {

// Addresses mail went to: bounded so that a flood of new ones cannot grow
// it without end (it starts over, as the revocation checker's caches do).
constexpr size_t kMaxAddresses = 20000;

}  // namespace

uint64_t TrustCache::Generation() const {
  MutexLock lock(&mu_);
  return generation_;
}

std::shared_ptr<const TrustMaterial> TrustCache::Trust() const {
  MutexLock lock(&mu_);
  return trust_;
}

void TrustCache::PutTrust(uint64_t generation,
                          std::shared_ptr<const TrustMaterial> t) {
  MutexLock lock(&mu_);
  if (generation == generation_) trust_ = std::move(t);
}

std::optional<Lookup> TrustCache::Find(const std::string& address,
                                       int64_t now) const {
  MutexLock lock(&mu_);
  auto it = lookups_.find(address);
  if (it == lookups_.end() || it->second.until <= now) return std::nullopt;
  return it->second.lookup;
}

void TrustCache::Put(uint64_t generation, const std::string& address,
                     Lookup lookup, int64_t until) {
  MutexLock lock(&mu_);
  if (generation != generation_) return;
  if (lookups_.size() >= kMaxAddresses) lookups_.clear();
  lookups_[address] = {std::move(lookup), until};
}

void TrustCache::Drop() {
  MutexLock lock(&mu_);
  ++generation_;
  trust_.reset();
  lookups_.clear();
}

}  // namespace sealpost::smime
