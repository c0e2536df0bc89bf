// Host name lookups with a deadline, for the revocation fetches
// (crypto/revocation.h, docs/smime.md "Revocation checking"): getaddrinfo
// blocks for as long as the system's resolver takes (resolv.conf's timeout
// × attempts × nameservers) and cannot be cut short, so a name goes to a
// helper thread, and the caller waits for it until its deadline and no
// longer. A lookup that outlives its caller finishes on the helper thread,
// which alone then owns (and frees) what it found. An IP literal is never
// given to the resolver.
//
// Thread-safety: thread-safe (no state but a count of the lookups
// running).
#ifndef SEALPOST_CRYPTO_HOST_LOOKUP_H_
#define SEALPOST_CRYPTO_HOST_LOOKUP_H_

#include <netdb.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/status.h"

namespace sealpost::crypto {

// getaddrinfo's signature: the resolver LookUpHost runs (a test gives a
// slow one).
using GetAddrInfoFn = int (*)(const char* node, const char* service,
                              const addrinfo* hints, addrinfo** result);

// The addresses of `host` for TCP `port` (a number), in numeric form
// ("192.0.2.1", "2001:db8::1"), in the resolver's order, each once, the
// first kMaxAddresses only. An IP
// literal is taken as it is (AI_NUMERICHOST), without `lookup`; a name is
// given to `lookup` on a helper thread. UNAVAILABLE naming the host when
// it does not resolve ("cannot look up HOST: <gai_strerror>") or when no
// answer came by `deadline` ("cannot look up HOST: lookup timeout").
// RESOURCE_EXHAUSTED when kMaxLookupsRunning lookups already hold a helper
// thread ("cannot look up HOST: too many lookups at once"): a limit of
// this process, which says nothing about HOST (a resolver that hangs
// costs a bounded number of threads, not one per message).
Result<std::vector<std::string>> LookUpHost(
    const std::string& host, const std::string& port,
    std::chrono::steady_clock::time_point deadline,
    GetAddrInfoFn lookup = ::getaddrinfo);

// At most this many addresses of a lookup are kept: whoever answers for a
// name could give thousands, and each is a connect a fetch would try (a
// sweep of hosts the server can reach).
inline constexpr size_t kMaxAddresses = 8;

// At most this many lookups at once: each holds a helper thread from its
// start until the resolver answers, whether its caller still waits for it
// or has gone at its deadline.
inline constexpr int kMaxLookupsRunning = 32;

// How many lookups hold a helper thread now (tests wait for the helper
// threads of earlier tests to finish).
int LookupsRunningForTesting();

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_HOST_LOOKUP_H_
