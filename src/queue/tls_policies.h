// TlsPolicies: the per-domain TLS policies of outgoing mail (SPEC §4 `tls
// policy`, `sealpost tls set`) as the queue's scheduler reads them: from the
// store, again at most every two seconds, so that a change reaches
// deliveries without a restart.
//
// Until the first load succeeds there is no answer: a policy that could not
// be read is unknown, not `may`, and the queue defers what it would send
// over SMTP (451 4.7.4) rather than send a `verify` or `encrypt` domain's
// mail opportunistically, maybe in clear (a store that fails just after
// start-up). A load that fails later keeps the last policies loaded.
//
// Thread-safety: not thread-safe; one thread (the queue's scheduler).
#ifndef SEALPOST_QUEUE_TLS_POLICIES_H_
#define SEALPOST_QUEUE_TLS_POLICIES_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "queue/transport.h"
#include "store/queue_store.h"

namespace sealpost::queue {

class TlsPolicies {
 public:
  // `store` must outlive this object.
  explicit TlsPolicies(store::QueueStore& store) : store_(store) {}

  // The policy of `domain` (lower case): its own, else `may`; nullopt while
  // the policies have never loaded.
  std::optional<TlsRequirement> For(std::string_view domain);

 private:
  store::QueueStore& store_;  // not owned
  std::map<std::string, TlsRequirement, std::less<>> policies_;
  std::chrono::steady_clock::time_point loaded_at_{};
  bool loaded_ = false;   // policies_ came from the store at least once
  bool failing_ = false;  // the last load failed (logged once)
};

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_TLS_POLICIES_H_
