// How many wrong passwords the directory takes, and from where
// (docs/security.md, "Org sign-in"): each sign-in try is counted as a
// failure before its (slow) password check and forgiven when it was right,
// so that parallel guesses cannot all pass a limit before any is counted.
//
// A client network's limits come first, so that it cannot spend an
// address's: 5 failures per network per 15 minutes (all addresses), and 20
// of one address's a day from one network. Then each address has a ceiling
// over all networks: 25 per 15 minutes and 100 a day. One network thus
// never locks an address out (it reaches neither ceiling), yet an address
// takes at most 100 guesses a day however many networks send them (before:
// 5 per address per 15 minutes from all networks together, so 5 wrong
// tries from anywhere locked any user out everywhere, and 480 a day).
//
// A single node (SQLite) counts in memory; several nodes on one store
// (PostgreSQL) count in the store's shared rate table
// (Store::TakeRateLimit), so that spreading guesses over N nodes does not
// give N times the guesses.
//
// Thread-safety: thread-safe (one mutex; the store is thread-safe).
#ifndef SEALPOST_LICENSE_SIGN_IN_LIMITS_H_
#define SEALPOST_LICENSE_SIGN_IN_LIMITS_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/thread_annotations.h"
#include "store/store.h"

namespace sealpost::license {

class SignInLimits {
 public:
  static constexpr int64_t kWindow = 15 * 60;
  static constexpr int64_t kDay = 86'400;
  // Keys kept in memory before those past every window are dropped.
  static constexpr size_t kMaxKeys = 100000;
  // Per client network (net::ClientKey), all addresses, per kWindow.
  static constexpr int kPerNetwork = 5;
  // One network's share of an address's failures, per kDay.
  static constexpr int kPerAddressNetworkDay = 20;
  // Per address, all networks: per kWindow, and per kDay.
  static constexpr int kPerAddress = 25;
  static constexpr int kPerAddressDay = 100;
  static_assert(kPerNetwork < kPerAddress &&
                    kPerAddressNetworkDay < kPerAddressDay,
                "one network must not fill an address's ceilings");

  // `shared`: count in `store` (several nodes) rather than in memory.
  SignInLimits(store::Store& store, bool shared)
      : store_(store), shared_(shared) {}

  // Counts a failure of `address` (as typed, lower case) from `network` at
  // `now` under every limit, the network's first; or, when one of them is
  // reached, counts nothing and returns RESOURCE_EXHAUSTED saying which
  // (the sign-in page shows it). Also RESOURCE_EXHAUSTED when the shared
  // store cannot count: a limit is never skipped.
  Status Take(std::string_view address, std::string_view network, int64_t now);
  // Keys counted in memory (a single node), for tests.
  size_t KeysForTesting() {
    MutexLock lock(&mu_);
    return failures_.size();
  }
  // Takes back what Take counted at `at` (the password was right).
  void Forgive(std::string_view address, std::string_view network, int64_t at);

 private:
  struct Limit {
    std::string key;
    int max;
    int64_t window;
    const char* refusal;
  };
  // The four limits of (address, network), in the order they are counted.
  static std::vector<Limit> LimitsOf(std::string_view address,
                                     std::string_view network);
  // Failures of `key` within `window` before `now`, dropping older ones.
  int Recent(const std::string& key, int64_t window, int64_t now)
      SP_REQUIRES(mu_);
  // Takes back the failure of the shared `key` at `at`.
  void ForgiveShared(const std::string& key, int64_t at);
  // Past kMaxKeys keys, drops those whose last failure is older than the
  // longest window (kDay): they count nothing any more, so counting is
  // unchanged and memory stays bounded (as portal::RateLimiter's Prune).
  void Prune(int64_t now) SP_REQUIRES(mu_);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const bool shared_;
  Mutex mu_;
  // key -> failure times within its window (a single node).
  std::map<std::string, std::vector<int64_t>> failures_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::license

#endif  // SEALPOST_LICENSE_SIGN_IN_LIMITS_H_
