// The OpenID Connect sign-ins a browser has started and not finished: the
// state sent to the provider, kept until the callback brings it back
// (10 minutes at most). Bounded so that a flood cannot lock readers out:
// each browser keeps its newest few, and when the whole table is full the
// oldest sign-in makes room instead of the new one being refused (the
// portal limits how many a client address may start; Portal::BeginOidc).
// In memory on a single node; in the store when several nodes share it
// (Share), so that the callback may reach another node than the one that
// began the sign-in. A sign-in names its provider by the provider's name
// and issuer, never by its place in the providers file, so that a file
// reordered or edited meanwhile (or another node's file) cannot finish it
// with another provider (ProviderOf).
//
// InFlightLimit, beside it, caps how many callbacks wait on providers at
// once (Portal::OidcCallback).
//
// Thread-safety: thread-safe (one mutex; the store is thread-safe). Share
// is called before the object is used. InFlightLimit is lock-free; a Slot
// belongs to one thread.
#ifndef SEALPOST_PORTAL_PENDING_SIGN_INS_H_
#define SEALPOST_PORTAL_PENDING_SIGN_INS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/thread_annotations.h"
#include "portal/oidc.h"
#include "store/store.h"

namespace sealpost::portal {

class PendingSignIns {
 public:
  static constexpr int64_t kLifetime = 600;
  static constexpr size_t kMaxPerBrowser = 5;
  static constexpr size_t kMaxTotal = 10'000;

  struct Entry {
    OidcStart start;
    std::string message_id;
    std::string provider;  // its name: unique in the providers file
    std::string issuer;    // its issuer when the sign-in began
    std::string browser;   // hash of the browser cookie that began it
    int64_t created_at = 0;
  };

  explicit PendingSignIns(size_t max_total = kMaxTotal)
      : max_total_(max_total) {}

  // Keeps the sign-ins in `shared` from now on.
  void Share(store::Store* shared) { shared_ = shared; }

  // Keeps `entry` under its state, replacing one kept under the same state
  // (a sign-in put back is kept once; in memory, in the place its
  // created_at gives it), then dropping what is expired, the browser's oldest
  // beyond kMaxPerBrowser and the oldest of all beyond the total.
  void Put(Entry entry);
  // The sign-in begun with `state`, removed; nullopt when unknown or older
  // than kLifetime at `now`.
  std::optional<Entry> Take(const std::string& state, int64_t now);
  // In memory (0 when shared).
  size_t size() const;

 private:
  // Where a sign-in stands among the others: the time it began, then the
  // order of the Puts (for sign-ins begun in the same second).
  using Place = std::pair<int64_t, uint64_t>;
  struct Kept {
    Entry entry;
    Place place;
  };

  // Removes `state` from every index and returns its entry; nullopt when
  // it is not kept. The one way out of the table, so that the indexes
  // always hold the same sign-ins.
  std::optional<Entry> Remove(const std::string& state) SP_REQUIRES(mu_);
  void PutShared(const Entry& entry);
  std::optional<Entry> TakeShared(const std::string& state);

  const size_t max_total_;
  // Not owned (references and pointers below): must outlive this object.
  store::Store* shared_ = nullptr;
  mutable Mutex mu_;
  // Each kept sign-in is in all three, and nothing else is: the security
  // review found a state left in its browser's list after Take, which made
  // Put's eviction loop spin for ever with the lock held.
  std::map<std::string, Kept> by_state_ SP_GUARDED_BY(mu_);
  std::map<Place, std::string> order_ SP_GUARDED_BY(mu_);  // oldest first
  // Each browser's, oldest first; no empty lists.
  std::map<std::string, std::map<Place, std::string>> by_browser_
      SP_GUARDED_BY(mu_);
  uint64_t puts_ SP_GUARDED_BY(mu_) = 0;
};

// The provider `entry` began with: the one of `providers` with its name,
// if that one still has its issuer; else nullptr (the providers file has
// changed since, or this node has another one).
OidcClient* ProviderOf(
    const PendingSignIns::Entry& entry,
    const std::vector<std::unique_ptr<OidcClient>>& providers);

// At most `max` holders at once, the rest turned away at once instead of
// queued: finishing a sign-in makes blocking calls to the provider (token,
// JWKS, userinfo; up to 20 s each) on the shared handler pool, and a slow
// provider must not take every handler thread.
class InFlightLimit {
 public:
  // Held until destroyed, moved from, or Release()d; empty when refused.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept
        : limit_(std::exchange(other.limit_, nullptr)) {}
    Slot& operator=(Slot&& other) noexcept {
      if (this != &other) {
        Release();
        limit_ = std::exchange(other.limit_, nullptr);
      }
      return *this;
    }
    ~Slot() { Release(); }
    explicit operator bool() const { return limit_ != nullptr; }
    void Release();

   private:
    friend class InFlightLimit;
    explicit Slot(InFlightLimit* limit) : limit_(limit) {}
    // Not owned: the limit outlives its slots.
    InFlightLimit* limit_ = nullptr;
  };

  explicit InFlightLimit(int max) : max_(max) {}
  InFlightLimit(const InFlightLimit&) = delete;
  InFlightLimit& operator=(const InFlightLimit&) = delete;

  // A held slot, or an empty one when `max` are held already.
  [[nodiscard]] Slot TryAcquire();
  int in_flight() const { return held_.load(); }

 private:
  const int max_;
  std::atomic<int> held_{0};
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_PENDING_SIGN_INS_H_
