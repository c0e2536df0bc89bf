// RevocationChecker's OCSP cache against a real responder: `openssl ocsp`
// (a tool we did not write) answering from the test PKI's index, behind a
// small HTTP server here that counts the requests, and a FakeClock that
// moves the checker's time on without sleeping.
#include "smime/revocation.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include "base/clock.h"
#include "crypto/host_lookup.h"
#include "crypto/test_pki_for_testing.h"
#include "smime/http_server_for_testing.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::smime {
namespace {

using Kind = OnlineRevocation::Kind;
constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

// An OCSP responder on 127.0.0.1: each POST's body goes to `openssl ocsp
// -reqin` as the CA, whose answers hold for `minutes` (its nextUpdate),
// and the DER it writes is the answer. Serves until destroyed.
class OcspResponder {
 public:
  OcspResponder(const crypto::testing::TestPki& pki, int64_t minutes)
      : pki_(pki), minutes_(minutes) {}

  int port() const { return http_.port(); }
  int requests() const { return http_.requests(); }

 private:
  std::string Answer(const std::string& request) {
    pki_.Write("req.der",
               request.substr(testing::LocalHttpServer::BodyAt(request)));
    pki_.Run(
        "rm -f resp.der && openssl ocsp -reqin req.der -index "
        "index.txt -CA ca.pem -rsigner ca.pem -rkey ca.key -nmin " +
        std::to_string(minutes_) + " -respout resp.der");
    return testing::LocalHttpServer::Ok("application/ocsp-response",
                                        pki_.Read("resp.der"));
  }

  const crypto::testing::TestPki& pki_;
  const int64_t minutes_;
  // Last: its thread stops before what it reads goes.
  testing::LocalHttpServer http_{
      [this](const std::string& request) { return Answer(request); }};
};

class RevocationCheckerTest : public ::testing::Test {
 protected:
  // alice's certificate, `good` in the CA's index, naming `responder` as
  // its OCSP responder, by `host` (and no CRL).
  void MakeAlice(const OcspResponder& responder,
                 const std::string& host = "127.0.0.1") {
    ASSERT_NE(responder.port(), 0);
    pki_.Write("alice.ext",
               "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,"
               "keyEncipherment\nextendedKeyUsage=emailProtection\n"
               "subjectAltName=email:alice@example.com\n"
               "authorityInfoAccess=OCSP;URI:http://" +
                   host + ":" + std::to_string(responder.port()) + "/\n");
    ASSERT_TRUE(pki_.Run(
        "openssl req -new -newkey rsa:2048 -nodes -keyout alice.key -out "
        "alice.csr -subj '/CN=alice' && openssl x509 -req -in alice.csr -CA "
        "ca.pem -CAkey ca.key -CAcreateserial -days 365 -out alice.pem "
        "-extfile alice.ext && openssl x509 -in alice.pem -outform DER -out "
        "alice.der && openssl ca -config ca.cnf -name crl -keyfile ca.key "
        "-cert ca.pem -valid alice.pem"));
    ASSERT_TRUE(pki_.Run("openssl x509 -in ca.pem -outform DER -out ca.der"));
    alice_ = pki_.Read("alice.der");
    ca_ = pki_.Read("ca.der");
  }
  OnlineRevocation Check() {
    return checker_.Check(alice_, ca_, clock_.NowUnix() + 10);
  }

  crypto::testing::TestPki pki_;
  // The responder's answers are dated by the real clock: the checker's
  // starts there.
  FakeClock clock_{static_cast<int64_t>(std::time(nullptr))};
  store::testing::TempStore store_{clock_, "revocation_test"};
  RevocationChecker checker_{*store_.store, clock_};
  std::string alice_, ca_;
};

// A `good` whose nextUpdate is 30 days ahead (a responder's choice, or an
// old answer replayed on the plain-HTTP path) is kept for a day at most:
// a revocation meanwhile is seen the next day, not a month later.
TEST_F(RevocationCheckerTest, AGoodAnswerIsKeptForADayAtMost) {
  OcspResponder responder(pki_, 30 * kDay / 60);
  MakeAlice(responder);
  const int64_t fetched = clock_.NowUnix();
  OnlineRevocation first = Check();
  ASSERT_EQ(first.kind, Kind::kGood) << first.detail;
  EXPECT_EQ(responder.requests(), 1);
  EXPECT_LE(first.until, fetched + kDay);

  clock_.Advance(std::chrono::seconds(kDay - kHour));
  EXPECT_EQ(Check().kind, Kind::kGood);
  EXPECT_EQ(responder.requests(), 1) << "asked again within the day";

  clock_.Advance(std::chrono::seconds(kHour));
  OnlineRevocation again = Check();
  EXPECT_EQ(again.kind, Kind::kGood) << again.detail;
  EXPECT_EQ(responder.requests(), 2) << "the cached answer outlived the cap";
}

// A `revoked` is not capped: a revocation does not come undone, so with
// a nextUpdate 30 days ahead it still decides after the day that would
// end a `good`, without asking the responder (stopped by then) again.
TEST_F(RevocationCheckerTest, ARevokedAnswerIsKeptUntilItsNextUpdate) {
  auto responder = std::make_unique<OcspResponder>(pki_, 30 * kDay / 60);
  MakeAlice(*responder);
  ASSERT_TRUE(
      pki_.Run("openssl ca -config ca.cnf -name crl -keyfile ca.key -cert "
               "ca.pem -revoke alice.pem"));
  const int64_t fetched = clock_.NowUnix();
  OnlineRevocation first = Check();
  ASSERT_EQ(first.kind, Kind::kRevoked) << first.detail;
  EXPECT_EQ(responder->requests(), 1);
  EXPECT_NEAR(first.until, fetched + 30 * kDay, 120);
  responder.reset();

  clock_.Advance(std::chrono::seconds(kDay + kHour));
  OnlineRevocation later = Check();
  EXPECT_EQ(later.kind, Kind::kRevoked) << later.detail;
  clock_.Advance(std::chrono::seconds(28 * kDay));
  EXPECT_EQ(Check().kind, Kind::kRevoked);
}

// A resolver that hangs until `hung_released`, then says the name does
// not exist.
std::atomic<bool> hung_released{false};
int HungResolver(const char*, const char*, const addrinfo*, addrinfo**) {
  while (!hung_released)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return EAI_NONAME;
}

// Waits, 10 s at most, until no host lookup holds a helper thread.
bool NoLookupsRunning() {
  const auto until =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (crypto::LookupsRunningForTesting() != 0) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// While another CA's name hangs the resolver and holds every lookup there
// may be at once, a fetch is refused by our own limit: that is not the
// URL's failure, so once the lookups are free it is asked at once, not
// after the few minutes a failed URL waits.
TEST_F(RevocationCheckerTest, TooManyLookupsAtOnceDoNotPauseTheUrl) {
  OcspResponder responder(pki_, 2 * kHour / 60);
  MakeAlice(responder, "localhost");
  ASSERT_TRUE(NoLookupsRunning());  // the limit counts the whole process's
  hung_released = false;
  struct Release {  // even when an assertion ends the test early
    ~Release() { hung_released = true; }
  } release;
  for (int i = 0; i < crypto::kMaxLookupsRunning; ++i) {
    auto r = crypto::LookUpHost("hung.example", "80",
                                std::chrono::steady_clock::now(), HungResolver);
    ASSERT_FALSE(r.ok());
  }
  OnlineRevocation refused = Check();
  EXPECT_EQ(refused.kind, Kind::kUnavailable);
  EXPECT_NE(refused.detail.find("too many lookups at once"), std::string::npos)
      << refused.detail;
  EXPECT_EQ(responder.requests(), 0);
  hung_released = true;
  ASSERT_TRUE(NoLookupsRunning());
  OnlineRevocation answered = Check();
  EXPECT_EQ(answered.kind, Kind::kGood) << answered.detail;
  EXPECT_EQ(responder.requests(), 1);
}

// An answer that runs out before the cap is kept until its nextUpdate
// (two hours here), and asked again then.
TEST_F(RevocationCheckerTest, AnEarlierNextUpdateStillDecides) {
  OcspResponder responder(pki_, 2 * kHour / 60);
  MakeAlice(responder);
  const int64_t fetched = clock_.NowUnix();
  OnlineRevocation first = Check();
  ASSERT_EQ(first.kind, Kind::kGood) << first.detail;
  EXPECT_NEAR(first.until, fetched + 2 * kHour, 120);
  clock_.Advance(std::chrono::seconds(kHour));
  ASSERT_EQ(Check().kind, Kind::kGood);
  EXPECT_EQ(responder.requests(), 1);
  clock_.Advance(std::chrono::seconds(kHour + 120));
  ASSERT_EQ(Check().kind, Kind::kGood);
  EXPECT_EQ(responder.requests(), 2);
}

// The test server's own request reading: a Content-Length that is no
// number gets 400 (was: std::stoul threw and ended the server's thread),
// and the next request is served.
TEST(LocalHttpServerTest, AContentLengthThatIsNoNumberGets400) {
  testing::LocalHttpServer http([](const std::string&) {
    return testing::LocalHttpServer::Ok("text/plain", "ok");
  });
  ASSERT_NE(http.port(), 0);
  auto ask = [&](const std::string& request) {
    const int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(http.port()));
    std::string answer;
    if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        send(c, request.data(), request.size(), MSG_NOSIGNAL) ==
            static_cast<ssize_t>(request.size())) {
      char buf[512];
      ssize_t n;
      while ((n = read(c, buf, sizeof buf)) > 0) answer.append(buf, n);
    }
    close(c);
    return answer;
  };
  for (const std::string length :
       {"x1", "", "99999999999999999999999", "12x"}) {
    SCOPED_TRACE(length);
    EXPECT_TRUE(ask("POST / HTTP/1.0\r\nContent-Length: " + length + "\r\n\r\n")
                    .starts_with("HTTP/1.0 400 "));
  }
  EXPECT_TRUE(ask("POST / HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi")
                  .starts_with("HTTP/1.0 200 "));
  EXPECT_EQ(http.requests(), 5);
}

}  // namespace
}  // namespace sealpost::smime
