// LookUpHost's deadline, through a resolver of the test's own (the seam
// LookUpHost takes): the system's resolver cannot be pointed at a server
// that never answers without root (glibc reads only /etc/resolv.conf for
// its nameservers; RES_OPTIONS and LOCALDOMAIN change neither them nor
// /etc/hosts), so a test that needs a slow one gives its own. The real
// resolver is used where its answer does not depend on the network:
// localhost and names under .invalid.
#include "crypto/host_lookup.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace sealpost::crypto {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A resolver that must not be asked.
std::atomic<int> unwanted_asks{0};
int NeverAsked(const char*, const char*, const addrinfo*, addrinfo**) {
  ++unwanted_asks;
  return EAI_FAIL;
}

// A resolver that answers 127.0.0.1 (the system's own answer for the
// literal, so freeaddrinfo frees it) after `slow_for`, then says it is
// done.
std::atomic<int> slow_for_ms{0};
std::atomic<bool> slow_done{false};
std::atomic<int> slow_answers{0};
int SlowResolver(const char*, const char* service, const addrinfo* hints,
                 addrinfo** result) {
  std::this_thread::sleep_for(milliseconds(slow_for_ms.load()));
  const int rc = getaddrinfo("127.0.0.1", service, hints, result);
  slow_done = true;
  ++slow_answers;
  return rc;
}

// A resolver that answers 127.0.0.1 to 127.0.0.20: the system's answers
// for those literals, chained (freeaddrinfo frees each node of a chain).
int TwentyAddresses(const char*, const char* service, const addrinfo* hints,
                    addrinfo** result) {
  addrinfo** tail = result;
  for (int i = 1; i <= 20; ++i) {
    const std::string address = "127.0.0." + std::to_string(i);
    const int rc = getaddrinfo(address.c_str(), service, hints, tail);
    if (rc != 0) return rc;
    while (*tail != nullptr) tail = &(*tail)->ai_next;
  }
  return 0;
}

int NoSuchName(const char*, const char*, const addrinfo*, addrinfo**) {
  return EAI_NONAME;
}

steady_clock::time_point In(milliseconds ms) {
  return steady_clock::now() + ms;
}

// Waits, 10 s at most, until no lookup holds a helper thread (those that
// earlier tests left to finish); false if some still do.
bool NoLookupsRunning() {
  const auto until = In(milliseconds(10000));
  while (LookupsRunningForTesting() != 0) {
    if (steady_clock::now() > until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return true;
}

TEST(HostLookupTest, AnIpLiteralIsNotGivenToTheResolver) {
  unwanted_asks = 0;
  auto v4 = LookUpHost("127.0.0.1", "80", In(milliseconds(1000)), NeverAsked);
  ASSERT_TRUE(v4.ok()) << v4.status().ToString();
  EXPECT_EQ(*v4, std::vector<std::string>{"127.0.0.1"});
  auto v6 = LookUpHost("::1", "443", In(milliseconds(1000)), NeverAsked);
  ASSERT_TRUE(v6.ok()) << v6.status().ToString();
  EXPECT_EQ(*v6, std::vector<std::string>{"::1"});
  // Even with no time left: a literal needs no lookup.
  auto late = LookUpHost("192.0.2.7", "80", steady_clock::now(), NeverAsked);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(*late, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(unwanted_asks, 0);
}

TEST(HostLookupTest, ANameIsGivenToTheResolver) {
  slow_for_ms = 0;
  auto r = LookUpHost("ca.example", "80", In(milliseconds(5000)), SlowResolver);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, std::vector<std::string>{"127.0.0.1"});
}

// Whoever answers for a name could give thousands of addresses, each a
// connect to try: the first kMaxAddresses are kept, in order.
TEST(HostLookupTest, OnlyTheFirstAddressesAreKept) {
  auto r =
      LookUpHost("many.example", "80", In(milliseconds(5000)), TwentyAddresses);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::vector<std::string> first;
  for (size_t i = 1; i <= kMaxAddresses; ++i) {
    first.push_back("127.0.0." + std::to_string(i));
  }
  EXPECT_EQ(*r, first);
}

TEST(HostLookupTest, ANameThatDoesNotResolveIsNamed) {
  auto r = LookUpHost("ca.example", "80", In(milliseconds(5000)), NoSuchName);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "cannot look up ca.example: Name or service not known");
}

// A resolver that takes 2 s, against a deadline 300 ms away: the lookup
// fails at the deadline naming the host, and the helper thread, left to
// finish, frees its late answer (an ASan build sees a use after free or a
// leak there).
TEST(HostLookupTest, ASlowResolverFailsAtTheDeadline) {
  slow_for_ms = 2000;
  slow_done = false;
  const auto started = steady_clock::now();
  auto r =
      LookUpHost("slow.example", "80", In(milliseconds(300)), SlowResolver);
  const auto took = steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "cannot look up slow.example: lookup timeout");
  EXPECT_GE(took, milliseconds(300));
  // Not a timing test: a generous bound that waiting for the resolver
  // (2 s) breaks.
  EXPECT_LT(took, milliseconds(1500));
  EXPECT_FALSE(slow_done) << "returned only once the resolver had answered";
  // The late answer arrives with nobody waiting for it.
  EXPECT_TRUE(NoLookupsRunning());
  EXPECT_TRUE(slow_done);
}

// A resolver that hangs holds at most kMaxLookupsRunning helper threads:
// past them a lookup fails at once, until the resolver answers.
TEST(HostLookupTest, TheLookupsLeftRunningAreBounded) {
  // The bound counts every lookup of the process: start from none.
  ASSERT_TRUE(NoLookupsRunning())
      << LookupsRunningForTesting() << " lookups still running";
  slow_for_ms = 1000;
  slow_answers = 0;
  for (int i = 0; i < kMaxLookupsRunning; ++i) {
    auto r =
        LookUpHost("hung.example", "80", steady_clock::now(), SlowResolver);
    ASSERT_EQ(r.status().message(),
              "cannot look up hung.example: lookup timeout");
  }
  auto over =
      LookUpHost("hung.example", "80", In(milliseconds(5000)), SlowResolver);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.status().message(),
            "cannot look up hung.example: too many lookups at once");
  EXPECT_EQ(slow_answers, 0) << "waited for the resolver";
  ASSERT_TRUE(NoLookupsRunning()) << "the resolver answered, no thread ended";
  EXPECT_EQ(slow_answers, kMaxLookupsRunning);
  slow_for_ms = 0;
  auto after =
      LookUpHost("hung.example", "80", In(milliseconds(5000)), SlowResolver);
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

// The real resolver, on names whose answer needs no network: localhost
// (/etc/hosts) and a name under .invalid (RFC 6761 §6.4: never resolves).
TEST(HostLookupTest, TheSystemResolver) {
  auto local = LookUpHost("localhost", "80", In(milliseconds(5000)));
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_FALSE(local->empty());
  auto none = LookUpHost("nonexistent.invalid", "80", In(milliseconds(5000)));
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(none.status().message().starts_with(
      "cannot look up nonexistent.invalid: "))
      << none.status().message();
}

}  // namespace
}  // namespace sealpost::crypto
