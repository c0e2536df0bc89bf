// CheckOcspResponse against responses made here with OpenSSL's own OCSP
// API, as a responder or someone on the plain-HTTP path could make them:
// each trust check (the signature, the delegation, the certificate ID, the
// nonce, the dates) has a response that only it refuses.
#include "crypto/revocation.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>

#include <sys/socket.h>
#include <unistd.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "crypto/openssl_ptr.h"
#include "crypto/test_pki_for_testing.h"

namespace sealpost::crypto {
namespace {

using testing::TestPki;
using Status = OcspAnswer::Status;
using BasicPtr = OpenSslPtr<OCSP_BASICRESP, OCSP_BASICRESP_free>;
using ResponsePtr = OpenSslPtr<OCSP_RESPONSE, OCSP_RESPONSE_free>;
using RequestPtr = OpenSslPtr<OCSP_REQUEST, OCSP_REQUEST_free>;
using TimePtr = OpenSslPtr<ASN1_TIME, ASN1_TIME_free>;

constexpr long kDay = 24 * 3600;

X509Ptr Cert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}
PkeyPtr Key(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return PkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}
std::string Der(X509* x) {
  int n = i2d_X509(x, nullptr);
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(x, &p);
  return out;
}

enum class Nonce { kEcho, kWrong, kNone };

// What a response says and who signs it; by default the CA's own `good`
// for alice, current for a day, echoing the request's nonce.
struct Make {
  std::string about = "alice";  // the certificate whose ID it carries
  std::string signer = "ca";    // NAME.pem and NAME.key sign it
  int status = V_OCSP_CERTSTATUS_GOOD;
  Nonce nonce = Nonce::kEcho;
  long this_update = -60;   // seconds from now
  long next_update = kDay;  // seconds from now; 0: none
  int response_status = OCSP_RESPONSE_STATUS_SUCCESSFUL;
};

class OcspResponseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    pki_ = new TestPki();
    pki_->MakeLeaf("alice", "alice@example.com");
    pki_->MakeLeaf("bob", "bob@example.com");
    // A responder the CA delegated (id-kp-OCSPSigning), and one from an
    // unknown CA.
    pki_->Write("responder.ext",
                "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                "extendedKeyUsage=OCSPSigning\n");
    pki_->Run(
        "openssl req -new -newkey rsa:2048 -nodes -keyout responder.key "
        "-out responder.csr -subj '/CN=responder' && openssl x509 -req -in "
        "responder.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 "
        "-out responder.pem -extfile responder.ext");
    pki_->MakeCa("evil", "Test CA");  // the same name as the real CA
    pki_->Run(
        "openssl req -new -newkey rsa:2048 -nodes -keyout evilresp.key "
        "-out evilresp.csr -subj '/CN=responder' && openssl x509 -req -in "
        "evilresp.csr -CA evil.pem -CAkey evil.key -CAcreateserial -days 30 "
        "-out evilresp.pem -extfile responder.ext");
  }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }

  void SetUp() override {
    ASSERT_NE(pki_, nullptr);
    alice_ = pki_->Read("alice.der");
    X509Ptr ca = Cert(pki_->Read("ca.pem"));
    ASSERT_TRUE(ca);
    ca_ = Der(ca.get());
    auto request = MakeOcspRequest(alice_, ca_);
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    request_ = *request;
  }

  // The DER OCSPResponse `m` describes, to request_.
  std::string Respond(const Make& m) {
    X509Ptr about = Cert(pki_->Read(m.about + ".pem"));
    X509Ptr ca = Cert(pki_->Read("ca.pem"));
    X509Ptr signer = Cert(pki_->Read(m.signer + ".pem"));
    PkeyPtr key = Key(pki_->Read(m.signer + ".key"));
    EXPECT_TRUE(about && ca && signer && key) << m.about << " " << m.signer;
    if (!about || !ca || !signer || !key) return "";
    const auto* q = reinterpret_cast<const unsigned char*>(request_.data());
    RequestPtr req(
        d2i_OCSP_REQUEST(nullptr, &q, static_cast<long>(request_.size())));
    BasicPtr basic(OCSP_BASICRESP_new());
    OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), about.get(), ca.get());
    TimePtr this_update(X509_gmtime_adj(nullptr, m.this_update));
    TimePtr next_update(
        m.next_update != 0 ? X509_gmtime_adj(nullptr, m.next_update) : nullptr);
    TimePtr revoked_at(X509_gmtime_adj(nullptr, -kDay));
    bool revoked = m.status == V_OCSP_CERTSTATUS_REVOKED;
    OCSP_SINGLERESP* single =
        OCSP_basic_add1_status(basic.get(), id, m.status,
                               revoked ? OCSP_REVOKED_STATUS_KEYCOMPROMISE : -1,
                               revoked ? revoked_at.get() : nullptr,
                               this_update.get(), next_update.get());
    OCSP_CERTID_free(id);
    EXPECT_NE(single, nullptr);
    if (m.nonce == Nonce::kEcho) {
      EXPECT_EQ(OCSP_copy_nonce(basic.get(), req.get()), 1);
    } else if (m.nonce == Nonce::kWrong) {
      EXPECT_EQ(OCSP_basic_add1_nonce(basic.get(), nullptr, -1), 1);
    }
    // The signer's certificate goes with it, as responders send it.
    EXPECT_EQ(OCSP_basic_sign(basic.get(), signer.get(), key.get(),
                              EVP_sha256(), nullptr, 0),
              1);
    ResponsePtr resp(OCSP_response_create(
        m.response_status, m.response_status == OCSP_RESPONSE_STATUS_SUCCESSFUL
                               ? basic.get()
                               : nullptr));
    int n = i2d_OCSP_RESPONSE(resp.get(), nullptr);
    std::string out(static_cast<size_t>(n), '\0');
    auto* p = reinterpret_cast<unsigned char*>(out.data());
    i2d_OCSP_RESPONSE(resp.get(), &p);
    return out;
  }

  Result<OcspAnswer> Check(const Make& m) {
    return CheckOcspResponse(Respond(m), request_, alice_, ca_);
  }
  // The message of a refusal; "" when the response was taken.
  std::string Refusal(const Make& m) {
    auto r = Check(m);
    return r.ok() ? "" : r.status().message();
  }

  static TestPki* pki_;
  std::string alice_, ca_, request_;
};
TestPki* OcspResponseTest::pki_ = nullptr;

TEST_F(OcspResponseTest, TheIssuersAnswersAreTaken) {
  auto good = Check({});
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  EXPECT_EQ(good->status, Status::kGood);
  EXPECT_NEAR(good->next_update, std::time(nullptr) + kDay, 120);

  Make revoked;
  revoked.status = V_OCSP_CERTSTATUS_REVOKED;
  auto r = Check(revoked);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, Status::kRevoked);
  EXPECT_TRUE(r->reason.starts_with("revoked on ")) << r->reason;

  Make unknown;
  unknown.status = V_OCSP_CERTSTATUS_UNKNOWN;
  auto u = Check(unknown);
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->status, Status::kUnknown);
}

TEST_F(OcspResponseTest, DelegatedResponderIsTaken) {
  Make m;
  m.signer = "responder";
  auto r = Check(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, Status::kGood);
}

// Someone on the path answers `good` for a revoked certificate with a key
// of their own: a responder certificate from another CA (of the same
// name), a self-signed one, or a certificate the CA issued for something
// else than OCSP signing (any of its users has one).
TEST_F(OcspResponseTest, SignersTheIssuerDidNotDelegateAreRefused) {
  for (const char* signer : {"evilresp", "evil", "bob"}) {
    Make m;
    m.signer = signer;
    EXPECT_TRUE(
        Refusal(m).starts_with("the OCSP response is not signed by "
                               "the issuer"))
        << signer << ": " << Refusal(m);
  }
}

TEST_F(OcspResponseTest, AnAnswerAboutAnotherCertificateIsRefused) {
  Make m;
  m.about = "bob";
  EXPECT_EQ(Refusal(m), "the OCSP response is not about this certificate");
  m.status = V_OCSP_CERTSTATUS_REVOKED;
  EXPECT_EQ(Refusal(m), "the OCSP response is not about this certificate");
}

TEST_F(OcspResponseTest, AnotherRequestsNonceIsRefused) {
  Make m;
  m.nonce = Nonce::kWrong;
  EXPECT_EQ(Refusal(m), "the OCSP response's nonce is not ours");
}

// Without a nonce (precomputed answers) a response is taken while it is
// current; with no nextUpdate either, for a week after its thisUpdate, so
// that an old `good` replayed after the revocation is not.
TEST_F(OcspResponseTest, WithoutNonceOnlyACurrentAnswerIsTaken) {
  Make m;
  m.nonce = Nonce::kNone;
  auto r = Check(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, Status::kGood);

  m.next_update = 0;
  m.this_update = -6 * kDay;
  r = Check(m);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->next_update, 0);

  m.this_update = -8 * kDay;
  EXPECT_EQ(Refusal(m), "the OCSP response is out of date");
  m.nonce = Nonce::kEcho;  // the age limit holds with a nonce too
  EXPECT_EQ(Refusal(m), "the OCSP response is out of date");

  // A responder that gives a nextUpdate says how long its answer holds.
  m.next_update = kDay;
  EXPECT_TRUE(Check(m).ok());
}

TEST_F(OcspResponseTest, OutOfDateAnswersAreRefused) {
  Make m;
  m.this_update = -3 * kDay;
  m.next_update = -kDay;
  EXPECT_EQ(Refusal(m), "the OCSP response is out of date");
  m.this_update = kDay;  // from the future, beyond 5 minutes of skew
  m.next_update = 2 * kDay;
  EXPECT_EQ(Refusal(m), "the OCSP response is out of date");
}

TEST_F(OcspResponseTest, ErrorsAndGarbageAreRefused) {
  Make m;
  m.response_status = OCSP_RESPONSE_STATUS_TRYLATER;
  EXPECT_EQ(Refusal(m), "the responder says trylater");
  EXPECT_FALSE(CheckOcspResponse("", request_, alice_, ca_).ok());
  EXPECT_FALSE(CheckOcspResponse("garbage", request_, alice_, ca_).ok());
  std::string cut = Respond({});
  cut.resize(cut.size() / 2);
  EXPECT_FALSE(CheckOcspResponse(cut, request_, alice_, ca_).ok());
}

// A TCP socket bound to a port of 127.0.0.1 (-1 on failure), and a URL
// on that port.
int BoundSocket(std::string* url) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) close(fd);
    return -1;
  }
  *url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + "/ca.crl";
  return fd;
}

// A distribution point whose host refuses the connection fails at once,
// with the system's words: OpenSSL's own connect (OSSL_HTTP_transfer's)
// retried it until the timeout and said "connect timeout".
TEST(HttpFetchTest, ARefusedConnectionFailsAtOnce) {
  // Bound, not listening: a connection to it is refused.
  std::string url;
  int fd = BoundSocket(&url);
  ASSERT_GE(fd, 0);
  auto r = HttpFetch(url, "", "", 1 << 20, 60);
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "cannot fetch " + url + ": Connection refused");
}

// A one-shot server on a listening `fd`: takes one connection, reads the
// request (the header, then the body when there is one) into *request,
// then writes `answer`, `step` bytes at a time with `pause` between (a
// slow server drips it), and stops when the client has gone.
std::thread ServeOnce(int fd, std::string answer, std::string* request,
                      size_t step = std::string::npos,
                      std::chrono::milliseconds pause = {}) {
  return std::thread([fd, answer = std::move(answer), request, step, pause] {
    pollfd p{fd, POLLIN, 0};  // no wait for ever if nobody comes
    if (poll(&p, 1, 30000) != 1) return;
    int c = accept(fd, nullptr, nullptr);
    if (c < 0) return;
    timeval tv{30, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    while (request->find("\r\n\r\n") == std::string::npos ||
           (request->find("Content-Length: 12") != std::string::npos &&
            !request->ends_with("ocsp-request"))) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      request->append(buf, static_cast<size_t>(n));
    }
    for (size_t at = 0; at < answer.size(); at += step) {
      if (at != 0) std::this_thread::sleep_for(pause);
      std::string_view piece = std::string_view(answer).substr(at, step);
      // MSG_NOSIGNAL: a client that has gone is an error here, no SIGPIPE.
      if (send(c, piece.data(), piece.size(), MSG_NOSIGNAL) < 0) break;
    }
    close(c);
  });
}

// ASN.1, as HttpFetch expects: SEQUENCE { INTEGER 5 }.
const std::string kAsn1Answer = "\x30\x03\x02\x01\x05";

// What a fetch of `answer` from a one-shot server gives, with max_bytes
// and the timeout given.
Result<std::string> FetchAnswer(std::string answer, size_t max_bytes,
                                int timeout_seconds,
                                size_t step = std::string::npos,
                                std::chrono::milliseconds pause = {}) {
  std::string url;
  int fd = BoundSocket(&url);
  if (fd < 0 || listen(fd, 4) != 0) {
    if (fd >= 0) close(fd);
    return InternalError("no listening socket");
  }
  std::string request;
  std::thread server = ServeOnce(fd, std::move(answer), &request, step, pause);
  auto r = HttpFetch(url, "", "", max_bytes, timeout_seconds);
  server.join();
  close(fd);
  return r;
}

// The connection made by HttpFetch carries OpenSSL's HTTP exchange: a
// GET and a POST answered by a one-shot server here.
TEST(HttpFetchTest, FetchesOverItsOwnConnection) {
  for (std::string body : {"", "ocsp-request"}) {
    std::string url;
    int fd = BoundSocket(&url);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(listen(fd, 4), 0);
    std::string request;
    std::thread server = ServeOnce(
        fd, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n" + kAsn1Answer,
        &request);
    auto r = HttpFetch(url, body, "application/ocsp-request", 1 << 20, 30);
    server.join();
    close(fd);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, kAsn1Answer);
    EXPECT_TRUE(
        request.starts_with(body.empty() ? "GET /ca.crl " : "POST /ca.crl "))
        << request;
    EXPECT_NE(request.find("Host: 127.0.0.1"), std::string::npos) << request;
  }
}

// Someone on the plain-HTTP path answers a redirect to a server of their
// own: refused, not followed (the place it points to is never connected).
TEST(HttpFetchTest, ARedirectIsRefusedNotFollowed) {
  std::string elsewhere;
  int other = BoundSocket(&elsewhere);
  ASSERT_GE(other, 0);
  ASSERT_EQ(listen(other, 4), 0);  // a connection would queue here
  auto r = FetchAnswer("HTTP/1.0 302 Found\r\nLocation: " + elsewhere +
                           "\r\nContent-Length: 0\r\n\r\n",
                       1 << 20, 5);
  pollfd p{other, POLLIN, 0};
  const int pending = poll(&p, 1, 0);
  close(other);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(pending, 0) << "the redirect was followed";
}

// An answer larger than max_bytes is refused, whether the header says so
// (Content-Length) or not (delimited by the close); a chunked answer, or
// one whose DER length is indefinite, is refused at any size.
TEST(HttpFetchTest, AnAnswerOverMaxBytesIsRefused) {
  // DER: SEQUENCE { OCTET STRING of 200 bytes }, 206 bytes in all.
  const std::string big =
      std::string("\x30\x81\xcb\x04\x81\xc8", 6) + std::string(200, 'x');
  // The same with an indefinite length, ended by two zero bytes.
  const std::string indefinite = std::string("\x30\x80\x04\x81\xc8", 5) +
                                 std::string(200, 'x') + std::string(2, '\0');
  for (const std::string& answer :
       {"HTTP/1.0 200 OK\r\nContent-Length: " + std::to_string(big.size()) +
            "\r\n\r\n" + big,
        "HTTP/1.0 200 OK\r\n\r\n" + big}) {
    auto r = FetchAnswer(answer, 100, 10);
    ASSERT_FALSE(r.ok()) << answer.substr(0, 40);
    EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    // The same answer under a bound it fits is fetched: the size refused it.
    auto fits = FetchAnswer(answer, 1 << 20, 10);
    ASSERT_TRUE(fits.ok()) << fits.status().ToString();
    EXPECT_GT(fits->size(), 100u);
  }
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: "
      "close\r\n\r\nce\r\n" +
      big + "\r\n0\r\n\r\n";
  for (const std::string& answer :
       {chunked, "HTTP/1.0 200 OK\r\n\r\n" + indefinite}) {
    for (size_t max_bytes : {size_t{100}, size_t{1} << 20}) {
      auto r = FetchAnswer(answer, max_bytes, 10);
      ASSERT_FALSE(r.ok()) << answer.substr(0, 40) << " " << max_bytes;
      EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
    }
  }
}

// A server that drips its answer a byte at a time is cut off by the total
// deadline, not given a fresh timeout for each byte.
TEST(HttpFetchTest, ADrippingServerFailsByTheDeadline) {
  const std::string answer =
      "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n" + kAsn1Answer;
  const auto started = std::chrono::steady_clock::now();
  // 44 bytes 250 ms apart: about 11 s, against a 2 s deadline.
  auto r = FetchAnswer(answer, 1 << 20, 2, 1, std::chrono::milliseconds(250));
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timeout"), std::string::npos)
      << r.status().message();
  // Not a timing test: a generous bound that a per-read timeout breaks.
  EXPECT_LT(took, std::chrono::seconds(6));
}

// A host that takes the connection and never answers still costs no more
// than the timeout (the connection handed to OpenSSL's HTTP client keeps
// its timeout).
TEST(HttpFetchTest, ASilentHostTimesOut) {
  std::string url;
  int fd = BoundSocket(&url);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(listen(fd, 4), 0);  // never accepted: the kernel connects
  const auto started = std::chrono::steady_clock::now();
  auto r = HttpFetch(url, "", "", 1 << 20, 1);
  const auto took = std::chrono::steady_clock::now() - started;
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timeout"), std::string::npos)
      << r.status().message();
  // Not a timing test: a generous bound that an unbounded wait, or a
  // transfer given its own full timeout, would break.
  EXPECT_LT(took, std::chrono::milliseconds(2500));
}

// A host name that does not resolve is named as such, with
// gai_strerror's words (LookUpHost's); and errors left on the thread's
// queue before the fetch are not taken for the fetch's.
TEST(HttpFetchTest, AnUnknownHostNamesTheLookupFailure) {
  ERR_raise(ERR_LIB_SYS, ECONNRESET);  // someone else's leftover
  auto r = HttpFetch("http://nonexistent.invalid/ca.crl", "", "", 1 << 20, 5);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  const std::string m(r.status().message());
  EXPECT_EQ(m.find("reset"), std::string::npos) << m;
  EXPECT_TRUE(m.starts_with("cannot fetch http://nonexistent.invalid/ca.crl: "))
      << m;
  EXPECT_TRUE(
      m.starts_with("cannot fetch http://nonexistent.invalid/ca.crl: "
                    "cannot look up nonexistent.invalid: "))
      << m;  // with its words
  EXPECT_EQ(ERR_peek_error(), 0u);
}

// A resolver that answers 127.0.0.1 after 3 s (LookUpHost's seam: the
// system's resolver cannot be made slow without root), and whether it
// has answered.
std::atomic<bool> slow_answered{false};
int ThreeSecondResolver(const char*, const char* service, const addrinfo* hints,
                        addrinfo** result) {
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const int rc = getaddrinfo("127.0.0.1", service, hints, result);
  slow_answered = true;
  return rc;
}
int NoResolver(const char*, const char*, const addrinfo*, addrinfo**) {
  ADD_FAILURE() << "an IP literal went to the resolver";
  return EAI_FAIL;
}

// A host name the resolver does not answer in time fails the fetch at its
// deadline, naming the host: the message is not held for as long as the
// resolver takes.
TEST(HttpFetchTest, ASlowLookupFailsByTheDeadline) {
  slow_answered = false;
  const auto started = std::chrono::steady_clock::now();
  auto r = HttpFetch("http://slow.example/ca.crl", "", "", 1 << 20, 1,
                     ThreeSecondResolver);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(r.status().message(),
            "cannot fetch http://slow.example/ca.crl: cannot look up "
            "slow.example: lookup timeout");
  EXPECT_FALSE(slow_answered) << "waited for the resolver";
  // Not a timing test: a generous bound that waiting for the resolver
  // (3 s) breaks.
  EXPECT_LT(took, std::chrono::milliseconds(2500));
  while (!slow_answered)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// A name is looked up and connected (localhost, from /etc/hosts); an IP
// literal is connected without the resolver.
TEST(HttpFetchTest, ANameAndALiteralAreFetched) {
  for (bool by_name : {true, false}) {
    std::string url;
    int fd = BoundSocket(&url);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(listen(fd, 4), 0);
    if (by_name) url.replace(url.find("127.0.0.1"), 9, "localhost");
    std::string request;
    std::thread server = ServeOnce(
        fd, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n" + kAsn1Answer,
        &request);
    auto r = by_name ? HttpFetch(url, "", "", 1 << 20, 10)
                     : HttpFetch(url, "", "", 1 << 20, 10, NoResolver);
    server.join();
    close(fd);
    ASSERT_TRUE(r.ok()) << url << ": " << r.status().ToString();
    EXPECT_EQ(*r, kAsn1Answer);
  }
}

// A resolver that answers 127.0.0.2, then 127.0.0.1: the system's answers
// for those literals, chained (freeaddrinfo frees each node of a chain).
int TwoAddresses(const char*, const char* service, const addrinfo* hints,
                 addrinfo** result) {
  addrinfo** tail = result;
  for (const char* address : {"127.0.0.2", "127.0.0.1"}) {
    const int rc = getaddrinfo(address, service, hints, tail);
    if (rc != 0) return rc;
    while (*tail != nullptr) tail = &(*tail)->ai_next;
  }
  return 0;
}

// Whether a TCP connect to 127.0.0.2 on the port of `url` (a listener on
// 127.0.0.1) is refused, as Linux does for a loopback address nobody
// listens on.
bool RefusedOn127002(const std::string& url) {
  const size_t colon = url.rfind(':');
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port =
      htons(static_cast<uint16_t>(std::stoi(url.substr(colon + 1))));
  inet_pton(AF_INET, "127.0.0.2", &addr.sin_addr);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  const bool refused =
      fd >= 0 &&
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
      errno == ECONNREFUSED;
  if (fd >= 0) close(fd);
  return refused;
}

// A name with two addresses, the first refusing: the fetch goes on to the
// second (127.0.0.1, where the server listens) and succeeds.
TEST(HttpFetchTest, TheNextAddressIsTriedWhenOneRefuses) {
  std::string url;
  int fd = BoundSocket(&url);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(listen(fd, 4), 0);
  if (!RefusedOn127002(url)) {
    close(fd);
    GTEST_SKIP() << "127.0.0.2 does not refuse here";
  }
  url.replace(url.find("127.0.0.1"), 9, "two.example");
  std::string request;
  std::thread server = ServeOnce(
      fd, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n" + kAsn1Answer,
      &request);
  auto r = HttpFetch(url, "", "", 1 << 20, 10, TwoAddresses);
  server.join();
  close(fd);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, kAsn1Answer);
}

// When every address of a name refuses, the failure names the address it
// is about (the last one tried).
TEST(HttpFetchTest, ARefusalAmongSeveralAddressesNamesTheAddress) {
  std::string url;
  int fd = BoundSocket(&url);  // bound, not listening: refused
  ASSERT_GE(fd, 0);
  url.replace(url.find("127.0.0.1"), 9, "two.example");
  auto r = HttpFetch(url, "", "", 1 << 20, 10, TwoAddresses);
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "cannot fetch " + url + ": 127.0.0.1: Connection refused");
}

// An IPv6 literal URL (http://[::1]:port/) is connected as it is, without
// the resolver; skipped where the IPv6 loopback is not there.
TEST(HttpFetchTest, AnIpv6LiteralIsFetched) {
  int fd = socket(AF_INET6, SOCK_STREAM, 0);
  sockaddr_in6 addr{};
  addr.sin6_family = AF_INET6;
  addr.sin6_addr = in6addr_loopback;
  socklen_t len = sizeof addr;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
      listen(fd, 4) != 0) {
    if (fd >= 0) close(fd);
    GTEST_SKIP() << "no IPv6 loopback here (cannot listen on [::1])";
  }
  const std::string url =
      "http://[::1]:" + std::to_string(ntohs(addr.sin6_port)) + "/ca.crl";
  std::string request;
  std::thread server = ServeOnce(
      fd, "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n" + kAsn1Answer,
      &request);
  auto r = HttpFetch(url, "", "", 1 << 20, 10, NoResolver);
  server.join();
  close(fd);
  ASSERT_TRUE(r.ok()) << url << ": " << r.status().ToString();
  EXPECT_EQ(*r, kAsn1Answer);
}

// HTTPS: a TLS server in a thread here, its certificate made by the
// `openssl` command line for `san`, signed by TestPki's CA; the client
// trusts what SSL_CERT_FILE names (SSL_CTX_set_default_verify_paths).
class HttpsFetchTest : public ::testing::Test {
 protected:
  void MakeServer(const std::string& san) {
    ASSERT_TRUE(pki_.Run(
        "openssl req -new -newkey rsa:2048 -nodes -keyout srv.key -out "
        "srv.csr -subj '/CN=server'"));
    pki_.Write("srv.ext",
               "basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
               "subjectAltName=" +
                   san + "\n");
    ASSERT_TRUE(
        pki_.Run("openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key "
                 "-CAcreateserial -days 30 -out srv.pem -extfile srv.ext"));
  }
  // Fetches https://127.0.0.1:PORT/ca.crl from the server, trusting
  // `trusted` (a PEM file), and returns what HttpFetch gave.
  Result<std::string> Fetch(const std::string& trusted) {
    std::string url;
    int fd = BoundSocket(&url);
    EXPECT_GE(fd, 0);
    EXPECT_EQ(listen(fd, 4), 0);
    url.replace(0, 4, "https");
    OpenSslPtr<SSL_CTX, SSL_CTX_free> ctx(SSL_CTX_new(TLS_server_method()));
    EXPECT_EQ(SSL_CTX_use_certificate_chain_file(ctx.get(),
                                                 pki_.Path("srv.pem").c_str()),
              1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(
                  ctx.get(), pki_.Path("srv.key").c_str(), SSL_FILETYPE_PEM),
              1);
    std::thread server([fd, &ctx] {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 30000) != 1) return;
      int c = accept(fd, nullptr, nullptr);
      if (c < 0) return;
      timeval tv{30, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx.get());
      SSL_set_fd(ssl, c);
      if (SSL_accept(ssl) == 1) {
        std::string request;
        char buf[4096];
        while (request.find("\r\n\r\n") == std::string::npos) {
          int n = SSL_read(ssl, buf, sizeof buf);
          if (n <= 0) break;
          request.append(buf, static_cast<size_t>(n));
        }
        std::string answer =
            "HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\n"
            "\x30\x03\x02\x01\x05";
        SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
        SSL_shutdown(ssl);
      }
      SSL_free(ssl);
      close(c);
    });
    setenv("SSL_CERT_FILE", trusted.c_str(), 1);
    auto r = HttpFetch(url, "", "", 1 << 20, 30);
    unsetenv("SSL_CERT_FILE");
    server.join();
    close(fd);
    ERR_clear_error();  // the server thread's
    return r;
  }
  testing::TestPki pki_;
};

TEST_F(HttpsFetchTest, ATrustedServerIsFetched) {
  MakeServer("DNS:127.0.0.1,IP:127.0.0.1");
  auto r = Fetch(pki_.Path("ca.pem"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, "\x30\x03\x02\x01\x05");
}

// Not trusted: the failure names the verification (not "shutdown while
// in init", which SSL_shutdown after the failed handshake put over it).
TEST_F(HttpsFetchTest, AnUntrustedServerFailsNamingVerification) {
  MakeServer("DNS:127.0.0.1,IP:127.0.0.1");
  pki_.MakeCa("other", "Other CA");
  auto r = Fetch(pki_.Path("other.pem"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("certificate verify failed"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find(
                "certificate verify failed: unable to get local issuer"),
            std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("shutdown while in init"),
            std::string::npos)
      << r.status().message();
}

// 127.0.0.1 checked against the certificate's names: "IP address mismatch"
// (OpenSSL 3.0 checks an IP literal against the IP SANs).
TEST_F(HttpsFetchTest, AServerForAnotherHostFails) {
  MakeServer("DNS:other.example");
  auto r = Fetch(pki_.Path("ca.pem"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("certificate verify failed"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("mismatch"), std::string::npos)
      << r.status().message();
  EXPECT_EQ(r.status().message().find("shutdown while in init"),
            std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace sealpost::crypto
