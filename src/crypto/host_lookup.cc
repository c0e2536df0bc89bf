#include "crypto/host_lookup.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <memory>
#include <system_error>
#include <thread>

#include "base/thread_annotations.h"

namespace sealpost::crypto {
namespace {

// Lookups holding a helper thread now: those waited for and those whose
// caller has gone at its deadline.
std::atomic<int> lookups_running{0};

// One lookup, shared by its caller and its helper thread: whichever is
// last frees it, so a caller gone at its deadline leaves nothing behind
// that the thread still writes to.
struct PendingLookup {
  PendingLookup(std::string h, std::string p)
      : host(std::move(h)), port(std::move(p)) {}
  const std::string host;
  const std::string port;
  Mutex mu;
  CondVar answered;
  bool done SP_GUARDED_BY(mu) = false;
  Result<std::vector<std::string>> result SP_GUARDED_BY(mu) =
      UnavailableError("");
};

// `addresses` in numeric form, each once, in order, the first
// kMaxAddresses (so the linear search for repeats stays small).
std::vector<std::string> NumericForms(const addrinfo* addresses) {
  std::vector<std::string> out;
  for (const addrinfo* a = addresses;
       a != nullptr && out.size() < kMaxAddresses; a = a->ai_next) {
    char text[NI_MAXHOST] = {};
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0,
                    NI_NUMERICHOST) != 0) {
      continue;
    }
    if (std::find(out.begin(), out.end(), text) == out.end()) {
      out.emplace_back(text);
    }
  }
  return out;
}

// What getaddrinfo's `rc` means, in words.
std::string LookupError(int rc, int saved_errno) {
  if (rc == EAI_SYSTEM) {
    return std::error_code(saved_errno, std::generic_category()).message();
  }
  return gai_strerror(rc);
}

addrinfo StreamHints(int flags) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = flags;
  return hints;
}

// Runs on the helper thread: the lookup, then its answer to whoever still
// waits.
void Resolve(const std::shared_ptr<PendingLookup>& pending,
             GetAddrInfoFn lookup) {
  // AI_ADDRCONFIG: no IPv6 addresses on a host without IPv6, as OpenSSL's
  // own lookup asks (BIO_lookup_ex).
  const addrinfo hints = StreamHints(AI_ADDRCONFIG | AI_NUMERICSERV);
  addrinfo* found = nullptr;
  errno = 0;
  const int rc =
      lookup(pending->host.c_str(), pending->port.c_str(), &hints, &found);
  const int saved_errno = errno;
  Result<std::vector<std::string>> result = UnavailableError("");
  if (rc != 0) {  // `found` is not set then: nothing to free
    result = UnavailableError("cannot look up " + pending->host + ": " +
                              LookupError(rc, saved_errno));
  } else {
    std::vector<std::string> addresses = NumericForms(found);
    freeaddrinfo(found);
    if (addresses.empty()) {
      result =
          UnavailableError("cannot look up " + pending->host + ": no address");
    } else {
      result = std::move(addresses);
    }
  }
  {
    MutexLock lock(&pending->mu);
    pending->result = std::move(result);
    pending->done = true;
  }
  pending->answered.SignalAll();
  lookups_running.fetch_sub(1);
}

}  // namespace

int LookupsRunningForTesting() { return lookups_running.load(); }

Result<std::vector<std::string>> LookUpHost(
    const std::string& host, const std::string& port,
    std::chrono::steady_clock::time_point deadline, GetAddrInfoFn lookup) {
  // An IP literal: getaddrinfo with AI_NUMERICHOST only parses it, and a
  // name fails with EAI_NONAME without asking anyone.
  const addrinfo numeric = StreamHints(AI_NUMERICHOST | AI_NUMERICSERV);
  addrinfo* literal = nullptr;
  const int rc = getaddrinfo(host.c_str(), port.c_str(), &numeric, &literal);
  if (rc == 0) {
    std::vector<std::string> out = NumericForms(literal);
    freeaddrinfo(literal);
    if (out.empty()) return UnavailableError("cannot use the address " + host);
    return out;
  }
  if (rc != EAI_NONAME) {
    return UnavailableError("cannot look up " + host + ": " +
                            LookupError(rc, errno));
  }
  if (lookups_running.fetch_add(1) >= kMaxLookupsRunning) {
    lookups_running.fetch_sub(1);
    return ResourceExhaustedError("cannot look up " + host +
                                  ": too many lookups at once");
  }
  // The count taken above goes to the helper thread (Resolve gives it
  // back); given back here when no thread starts, whatever stopped it
  // (no thread to be had, or bad_alloc from make_shared or std::thread).
  struct CountTaken {
    bool handed_over = false;
    ~CountTaken() {
      if (!handed_over) lookups_running.fetch_sub(1);
    }
  } taken;
  auto pending = std::make_shared<PendingLookup>(host, port);
  try {
    // Detached: a thread still running at exit touches only heap state
    // (its PendingLookup) and the atomic count, nothing exit destroys.
    std::thread(Resolve, pending, lookup).detach();
  } catch (const std::system_error& e) {  // no thread to be had
    return UnavailableError("cannot look up " + host + ": " + e.what());
  }
  taken.handed_over = true;
  MutexLock lock(&pending->mu);
  while (!pending->done) {
    if (!pending->answered.WaitUntil(&pending->mu, deadline)) break;
  }
  if (!pending->done) {
    return UnavailableError("cannot look up " + host + ": lookup timeout");
  }
  return std::move(pending->result);
}

}  // namespace sealpost::crypto
