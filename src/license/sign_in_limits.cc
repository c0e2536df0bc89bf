#include "license/sign_in_limits.h"

#include <algorithm>

#include "base/log.h"
#include "crypto/digest.h"

namespace sealpost::license {
namespace {

constexpr char kFromNetwork[] =
    "too many failed sign-ins from your network; try again in 15 minutes";
constexpr char kAddressFromNetwork[] =
    "too many failed sign-ins for this address from your network today; "
    "sign in from another network or try again tomorrow";
constexpr char kAddress[] =
    "too many failed sign-ins for this address; try again in 15 minutes";
constexpr char kAddressDay[] =
    "too many failed sign-ins for this address today; try again tomorrow";

// A key as the shared rate table keeps it: hashed, since what was typed as
// an address is sometimes a password, and of a fixed length whatever was
// typed.
std::string SharedKey(std::string_view key) {
  return "signin:" + crypto::Sha256Hex(key);
}

}  // namespace

std::vector<SignInLimits::Limit> SignInLimits::LimitsOf(
    std::string_view address, std::string_view network) {
  const std::string a(address);
  const std::string n(network);
  // "u:" and "ip:" are the keys of the limits before the day ones came, so
  // counts kept in the store go on across the upgrade. A network has no
  // space (net::ClientKey), so "un:" keys are unambiguous.
  return {
      {"ip:" + n, kPerNetwork, kWindow, kFromNetwork},
      {"un:" + n + " " + a, kPerAddressNetworkDay, kDay, kAddressFromNetwork},
      {"u:" + a, kPerAddress, kWindow, kAddress},
      {"ud:" + a, kPerAddressDay, kDay, kAddressDay}};
}

int SignInLimits::Recent(const std::string& key, int64_t window, int64_t now) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  std::erase_if(it->second, [&](int64_t t) { return t <= now - window; });
  if (it->second.empty()) {
    failures_.erase(it);
    return 0;
  }
  return static_cast<int>(it->second.size());
}

Status SignInLimits::Take(std::string_view address, std::string_view network,
                          int64_t now) {
  const std::vector<Limit> limits = LimitsOf(address, network);
  if (!shared_) {
    MutexLock lock(&mu_);
    for (const Limit& l : limits) {
      if (Recent(l.key, l.window, now) >= l.max) {
        return ResourceExhaustedError(l.refusal);
      }
    }
    for (const Limit& l : limits) failures_[l.key].push_back(now);
    if (failures_.size() > kMaxKeys) Prune(now);
    return Status::Ok();
  }
  // The store counts each key atomically across nodes; a refusal gives
  // back what the keys before it took, so a network refused spends none
  // of the address's failures.
  for (size_t i = 0; i < limits.size(); ++i) {
    const Limit& l = limits[i];
    auto taken = store_.TakeRateLimit(SharedKey(l.key), l.max, l.window, now);
    if (!taken.ok() || !*taken) {
      for (size_t j = 0; j < i; ++j) ForgiveShared(limits[j].key, now);
      if (!taken.ok()) {
        log::Warn("directory: sign-in failure not counted, refused: {}",
                  taken.status().message());
        return ResourceExhaustedError(
            "sign-in is unavailable; try again in a minute");
      }
      return ResourceExhaustedError(l.refusal);
    }
  }
  return Status::Ok();
}

void SignInLimits::Forgive(std::string_view address, std::string_view network,
                           int64_t at) {
  const std::vector<Limit> limits = LimitsOf(address, network);
  if (shared_) {
    for (const Limit& l : limits) ForgiveShared(l.key, at);
    return;
  }
  MutexLock lock(&mu_);
  for (const Limit& l : limits) {
    auto it = failures_.find(l.key);
    if (it == failures_.end()) continue;
    auto pos = std::find(it->second.begin(), it->second.end(), at);
    if (pos != it->second.end()) it->second.erase(pos);
    if (it->second.empty()) failures_.erase(it);
  }
}

void SignInLimits::Prune(int64_t now) {
  std::erase_if(failures_, [&](const auto& entry) {
    return entry.second.empty() || entry.second.back() <= now - kDay;
  });
}

void SignInLimits::ForgiveShared(const std::string& key, int64_t at) {
  // Not forgiven, the try still counts as one failure for the window:
  // stricter, never looser.
  Status forgot = store_.ForgetRateEvent(SharedKey(key), at);
  if (!forgot.ok()) {
    log::Warn("directory: a sign-in failure not given back: {}",
              forgot.message());
  }
}

}  // namespace sealpost::license
