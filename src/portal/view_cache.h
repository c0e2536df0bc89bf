// The portal's fast path for a reader who reloads or revisits a message:
// the rendered page per (session, URL), kept for at most 30 seconds, like
// the use license an RMS client caches. An entry dies early when the
// license service's rights generation moves (a revocation, a new expiry,
// new IRM settings) or the session signs out, so a revoked message is never
// shown from the cache. Every view served from here is still logged, in
// batches (AuditBuffer).
//
// Thread-safety: both classes are thread-safe.
#ifndef SEALPOST_PORTAL_VIEW_CACHE_H_
#define SEALPOST_PORTAL_VIEW_CACHE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/thread_annotations.h"
#include "http/http.h"
#include "store/store.h"

namespace sealpost::portal {

// The audit detail of a view served from the cache: a reload within 30
// seconds of an open, which the sender's "Opened by" does not list again.
inline constexpr std::string_view kCachedViewDetail =
    "cached use license (portal)";

class ViewCache {
 public:
  static constexpr int64_t kLifetimeMs = 30'000;
  static constexpr size_t kMaxEntries = 20'000;
  // Larger pages are always rendered afresh, and all pages together stay
  // under kMaxBytes (real pages are a few KiB).
  static constexpr size_t kMaxPageBytes = 256 << 10;
  static constexpr size_t kMaxBytes = 64 << 20;

  struct Entry {
    http::Response response;
    std::string email;
    std::string message_id;
    int64_t expires_ms = 0;
    uint64_t generation = 0;
    // How the session signed in (SignInMethod), for the audit record of a
    // view served from here, as the first open's has.
    std::string sign_in;
  };

  // `session` is a hash of the session token; `target` the request target.
  std::optional<Entry> Get(const std::string& session,
                           const std::string& target, int64_t now_ms,
                           uint64_t generation) const;
  bool Contains(const std::string& session, const std::string& target,
                int64_t now_ms, uint64_t generation) const;
  void Put(const std::string& session, const std::string& target, Entry entry);
  // Forgets every page of a session (sign-out).
  void DropSession(const std::string& session);

 private:
  mutable Mutex mu_;
  // session + '\n' + target -> entry.
  std::map<std::string, Entry> entries_ SP_GUARDED_BY(mu_);
  size_t bytes_ SP_GUARDED_BY(mu_) = 0;  // sum of the cached bodies
};

// Audit records written by a background thread, a batch at a time (one
// transaction every 200 ms at most): for views served from the cache, on
// the I/O threads, which must not wait for a disk.
class AuditBuffer {
 public:
  explicit AuditBuffer(store::Store& store);
  ~AuditBuffer();  // writes what is left
  void Add(store::AuditRecord record);

 private:
  void Run() SP_EXCLUDES(mu_);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  Mutex mu_;
  CondVar wake_;  // signalled by the first record of a batch, and to stop
  std::vector<store::AuditRecord> pending_ SP_GUARDED_BY(mu_);
  bool stopping_ SP_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_VIEW_CACHE_H_
