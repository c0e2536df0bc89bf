#include "portal/oidc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace sealpost::portal {
namespace {

namespace json = boost::json;

// tests/data/oidc/tokens.json, made by make_tokens.py beside it.
struct Vectors {
  json::object doc;
  std::string jwks;
  IdTokenExpectations expected;

  std::string Token(std::string_view name) const {
    for (const json::value& c : doc.at("cases").as_array()) {
      if (c.at("name").as_string() == name) {
        return std::string(c.at("token").as_string());
      }
    }
    ADD_FAILURE() << "no vector " << name;
    return "";
  }
};

const Vectors& LoadVectors() {
  static const Vectors* vectors = [] {
    std::ifstream in(SEALPOST_OIDC_VECTORS);
    std::stringstream text;
    text << in.rdbuf();
    auto* v = new Vectors;
    v->doc = json::parse(text.str()).as_object();
    v->jwks = json::serialize(v->doc.at("jwks"));
    v->expected.issuer = std::string(v->doc.at("issuer").as_string());
    v->expected.client_id = std::string(v->doc.at("client_id").as_string());
    v->expected.nonce = std::string(v->doc.at("nonce").as_string());
    v->expected.now_unix = v->doc.at("now").as_int64();
    return v;
  }();
  return *vectors;
}

TEST(VerifyIdTokenTest, EveryVector) {
  const Vectors& v = LoadVectors();
  const json::array& cases = v.doc.at("cases").as_array();
  ASSERT_GE(cases.size(), 20u);
  for (const json::value& c : cases) {
    std::string name(c.at("name").as_string());
    SCOPED_TRACE(name);
    auto identity =
        VerifyIdToken(c.at("token").as_string(), v.jwks, v.expected);
    if (c.at("ok").as_bool()) {
      ASSERT_TRUE(identity.ok()) << identity.status().ToString();
      EXPECT_EQ(identity->subject, "248289761001");
      EXPECT_EQ(identity->issuer, v.expected.issuer);
      EXPECT_EQ(identity->email, c.at("email").as_string());
      EXPECT_EQ(identity->email_verified, c.at("email_verified").as_bool());
    } else {
      ASSERT_FALSE(identity.ok());
      EXPECT_EQ(identity.status().code(), StatusCode::kPermissionDenied);
      // One generic message, whatever the reason.
      EXPECT_EQ(identity.status().message(), "sign-in token rejected");
    }
  }
}

TEST(VerifyIdTokenTest, GoodTokensVerify) {
  const Vectors& v = LoadVectors();
  for (const char* name : {"good_rs256", "good_es256"}) {
    auto identity = VerifyIdToken(v.Token(name), v.jwks, v.expected);
    ASSERT_TRUE(identity.ok()) << name << ": " << identity.status().ToString();
    EXPECT_EQ(identity->email, "ext@gmail.test");
    EXPECT_TRUE(identity->email_verified);
  }
}

TEST(VerifyIdTokenTest, RefusesAlgNoneAndHmac) {
  const Vectors& v = LoadVectors();
  EXPECT_EQ(
      VerifyIdToken(v.Token("alg_none"), v.jwks, v.expected).status().code(),
      StatusCode::kPermissionDenied);
  EXPECT_EQ(
      VerifyIdToken(v.Token("hs256_public_key_as_secret"), v.jwks, v.expected)
          .status()
          .code(),
      StatusCode::kPermissionDenied);
}

TEST(VerifyIdTokenTest, NonceMustMatchTheSignIn) {
  const Vectors& v = LoadVectors();
  IdTokenExpectations other = v.expected;
  other.nonce = "a-different-sign-in";
  EXPECT_FALSE(VerifyIdToken(v.Token("good_rs256"), v.jwks, other).ok());
  other.nonce = "";
  EXPECT_FALSE(VerifyIdToken(v.Token("good_rs256"), v.jwks, other).ok());
}

TEST(VerifyIdTokenTest, AudienceAndIssuerComeFromTheExpectations) {
  const Vectors& v = LoadVectors();
  IdTokenExpectations other = v.expected;
  other.client_id = "another-client";
  EXPECT_FALSE(VerifyIdToken(v.Token("good_rs256"), v.jwks, other).ok());
  other = v.expected;
  other.issuer = v.expected.issuer + "/";
  EXPECT_FALSE(VerifyIdToken(v.Token("good_rs256"), v.jwks, other).ok());
}

TEST(VerifyIdTokenTest, ExpiresWithLeeway) {
  const Vectors& v = LoadVectors();
  IdTokenExpectations later = v.expected;
  later.now_unix += 600 + 59;  // exp is now + 600
  EXPECT_TRUE(VerifyIdToken(v.Token("good_rs256"), v.jwks, later).ok());
  later.now_unix += 1;
  EXPECT_FALSE(VerifyIdToken(v.Token("good_rs256"), v.jwks, later).ok());
}

TEST(VerifyIdTokenTest, UnknownKidAndBrokenJwks) {
  const Vectors& v = LoadVectors();
  EXPECT_FALSE(VerifyIdToken(v.Token("unknown_kid"), v.jwks, v.expected).ok());
  EXPECT_FALSE(
      VerifyIdToken(v.Token("good_rs256"), R"({"keys":[]})", v.expected).ok());
  EXPECT_FALSE(
      VerifyIdToken(v.Token("good_rs256"), "not json", v.expected).ok());
  EXPECT_FALSE(VerifyIdToken("", v.jwks, v.expected).ok());
  EXPECT_FALSE(VerifyIdToken("a.b.c", v.jwks, v.expected).ok());
}

TEST(VerifyIdTokenTest, UnverifiedEmailIsReportedNotRefused) {
  const Vectors& v = LoadVectors();
  auto identity =
      VerifyIdToken(v.Token("email_not_verified"), v.jwks, v.expected);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_EQ(identity->email, "mallory@evil.test");
  EXPECT_FALSE(identity->email_verified);
}

// RFC 7636 Appendix B.
TEST(PkceTest, ChallengeMatchesRfc7636AppendixB) {
  EXPECT_EQ(PkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

OidcProviderConfig TestConfig(std::string issuer) {
  OidcProviderConfig config;
  config.name = "Test";
  config.issuer = std::move(issuer);
  config.client_id = "sealpost-portal";
  config.client_secret = "s3cret";
  return config;
}

TEST(OidcConfigTest, Validates) {
  EXPECT_TRUE(
      ValidateOidcProviderConfig(TestConfig("https://accounts.example.com"))
          .ok());
  EXPECT_TRUE(
      ValidateOidcProviderConfig(TestConfig("http://127.0.0.1:9000")).ok());
  EXPECT_TRUE(
      ValidateOidcProviderConfig(TestConfig("http://localhost:9000/x")).ok());
  EXPECT_TRUE(ValidateOidcProviderConfig(TestConfig("http://[::1]:9000")).ok());
  EXPECT_FALSE(
      ValidateOidcProviderConfig(TestConfig("http://accounts.example.com"))
          .ok());
  EXPECT_FALSE(
      ValidateOidcProviderConfig(TestConfig("http://127.0.0.1.evil.test"))
          .ok());
  EXPECT_FALSE(
      ValidateOidcProviderConfig(TestConfig("http://127.0.0.1x:80/")).ok());
  EXPECT_FALSE(ValidateOidcProviderConfig(TestConfig("ftp://127.0.0.1")).ok());
  EXPECT_FALSE(
      ValidateOidcProviderConfig(TestConfig("https://u:p@idp.test")).ok());
  EXPECT_FALSE(ValidateOidcProviderConfig(TestConfig("accounts")).ok());
  OidcProviderConfig no_openid = TestConfig("https://accounts.example.com");
  no_openid.scopes = "email profile";
  EXPECT_FALSE(ValidateOidcProviderConfig(no_openid).ok());
  OidcProviderConfig no_secret = TestConfig("https://accounts.example.com");
  no_secret.client_secret.clear();
  EXPECT_FALSE(ValidateOidcProviderConfig(no_secret).ok());
}

// The security review's finding: without email_domains any provider signed
// a reader in as any address it called verified.
TEST(OidcEmailDomainsTest, AProviderVouchesOnlyForItsDomains) {
  OidcProviderConfig any = TestConfig("https://sso.partner.test");
  EXPECT_TRUE(ProviderVouchesFor(any, "ceo@example.com"));

  OidcProviderConfig partner = TestConfig("https://sso.partner.test");
  partner.email_domains = {"partner.test", "*.eu.partner.test"};
  EXPECT_TRUE(ProviderVouchesFor(partner, "ann@partner.test"));
  EXPECT_TRUE(ProviderVouchesFor(partner, "Ann@PARTNER.Test"));
  EXPECT_TRUE(ProviderVouchesFor(partner, "bo@paris.eu.partner.test"));
  EXPECT_TRUE(ProviderVouchesFor(partner, "bo@a.b.eu.partner.test"));
  // Exact: no other domain, no subdomain without "*.", no look-alike.
  EXPECT_FALSE(ProviderVouchesFor(partner, "ceo@example.com"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "ann@mail.partner.test"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "ann@evilpartner.test"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "ann@partner.test.evil"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "ann@partner.test."));
  // "*." is for names under the domain, not the domain itself.
  EXPECT_FALSE(ProviderVouchesFor(partner, "bo@eu.partner.test"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "bo@.eu.partner.test"));
  // The domain is after the last '@'.
  EXPECT_FALSE(ProviderVouchesFor(partner, "\"ann@partner.test\"@evil.test"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "ann@evil.test@partner"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "partner.test"));
  EXPECT_FALSE(ProviderVouchesFor(partner, "ann@"));
  EXPECT_FALSE(ProviderVouchesFor(partner, ""));
}

TEST(OidcEmailDomainsTest, ProvidersFileReadsThem) {
  auto read = ParseOidcProviders(R"([
    {"name": "Partner", "issuer": "https://sso.partner.test",
     "client_id": "c", "client_secret": "s",
     "email_domains": ["Partner.TEST", "*.eu.partner.test"]},
    {"name": "Google", "issuer": "https://accounts.google.com",
     "client_id": "c", "client_secret": "s", "scopes": "openid email profile"}
  ])",
                                 "providers.json");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_EQ((*read)[0].email_domains,
            (std::vector<std::string>{"partner.test", "*.eu.partner.test"}));
  EXPECT_TRUE(ProviderVouchesFor((*read)[0], "ann@partner.test"));
  EXPECT_FALSE(ProviderVouchesFor((*read)[0], "ann@gmail.com"));
  EXPECT_TRUE((*read)[1].email_domains.empty());
  EXPECT_EQ((*read)[1].scopes, "openid email profile");
  EXPECT_EQ((*read)[1].client_secret, "s");
}

TEST(OidcEmailDomainsTest, ProvidersFileRefusesBadLists) {
  auto with = [](std::string_view domains) {
    return ParseOidcProviders(
        R"([{"name": "P", "issuer": "https://sso.partner.test",
             "client_id": "c", "client_secret": "s", "email_domains": )" +
            std::string(domains) + "}]",
        "providers.json");
  };
  for (std::string_view bad :
       {R"([])", R"("partner.test")", R"([1])", R"(["partner.test", null])",
        R"([""])", R"(["*"])", R"(["*.test"])", R"(["@partner.test"])",
        R"(["ann@partner.test"])", R"(["partner..test"])",
        R"([".partner.test"])", R"(["partner.test."])", R"(["part ner.test"])",
        R"(["*.*.partner.test"])", R"(["sub.*.partner.test"])"}) {
    SCOPED_TRACE(bad);
    auto read = with(bad);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(read.status().message().find("providers.json: provider P"),
              std::string::npos)
        << read.status().message();
  }
  EXPECT_TRUE(with(R"(["localhost", "xn--bcher-kva.example"])").ok());
  EXPECT_FALSE(ParseOidcProviders("{}", "providers.json").ok());
  EXPECT_FALSE(
      ParseOidcProviders(R"([{"issuer": "https://x.test"}])", "providers.json")
          .ok());
}

// A sign-in in progress finds its provider by name (PendingSignIns).
TEST(OidcConfigTest, ProviderNamesAreUnique) {
  auto read = ParseOidcProviders(R"([
    {"name": "SSO", "issuer": "https://a.test", "client_id": "c",
     "client_secret": "s"},
    {"name": "sso", "issuer": "https://b.test", "client_id": "c",
     "client_secret": "s"}])",
                                 "providers.json");
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().message(),
            "providers.json: two providers are named sso");
}

// The security review's finding: every provider had one redirect URI, so
// nothing in a callback said which provider answered (the mix-up attack).
TEST(OidcConfigTest, EachProviderHasARedirectUriOfItsOwn) {
  EXPECT_EQ(OidcProviderSlug("Partner SSO"), "partner-sso");
  EXPECT_EQ(OidcProviderSlug(" Google "), "google");
  EXPECT_EQ(OidcProviderSlug("A.B--C/2"), "a-b-c-2");
  EXPECT_EQ(OidcProviderSlug("\xc3\x9c"
                             "ber IdP"),
            "ber-idp");  // "Über IdP"
  EXPECT_EQ(OidcProviderSlug("\xe6\x97\xa5\xe6\x9c\xac"), "");
  OidcProviderConfig partner = TestConfig("https://sso.partner.test");
  partner.name = "Partner SSO";
  EXPECT_EQ(OidcRedirectUri("https://portal.example.com", partner, 2),
            "https://portal.example.com/oidc/callback/partner-sso");
  // The only provider keeps the URI all had before.
  EXPECT_EQ(OidcRedirectUri("https://portal.example.com", partner, 1),
            "https://portal.example.com/oidc/callback");
  // Two names with one slug, or a name without one, stop the server.
  auto same = ParseOidcProviders(R"([
    {"name": "Partner SSO", "issuer": "https://a.test", "client_id": "c",
     "client_secret": "s"},
    {"name": "Partner-SSO", "issuer": "https://b.test", "client_id": "c",
     "client_secret": "s"}])",
                                 "providers.json");
  ASSERT_FALSE(same.ok());
  EXPECT_EQ(same.status().message(),
            "providers.json: providers Partner SSO and Partner-SSO would "
            "share the redirect URI /oidc/callback/partner-sso: rename one");
  auto none = ParseOidcProviders(R"([
    {"name": "--", "issuer": "https://a.test", "client_id": "c",
     "client_secret": "s"}])",
                                 "providers.json");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("needs an ASCII letter or digit"),
            std::string::npos)
      << none.status().message();
}

TEST(OidcClientTest, UnreachableProviderIsUnavailableAndSaysDiscovery) {
  // Port 1 on loopback: nothing listens, so the connection is refused.
  OidcClient client(TestConfig("http://127.0.0.1:1"),
                    "https://portal.example.com/oidc/callback");
  auto start = client.Begin();
  ASSERT_FALSE(start.ok());
  EXPECT_EQ(start.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(start.status().message().find("discovery"), std::string::npos)
      << start.status().message();
  EXPECT_EQ(start.status().message().find("s3cret"), std::string::npos);
}

// A loopback listener that closes every connection at once and counts them.
class ClosingListener {
 public:
  ClosingListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    listen(fd_, 16);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        ++accepted_;
        close(c);
      }
    });
  }
  ~ClosingListener() {
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

TEST(OidcClientTest, FailedDiscoveryIsNotRetriedForHalfAMinute) {
  ClosingListener provider;
  FakeClock clock(1'800'000'000);
  OidcClient client(
      TestConfig("http://127.0.0.1:" + std::to_string(provider.port())),
      "https://portal.example.com/oidc/callback", clock);
  auto first = client.Begin();
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(provider.accepted(), 1);
  clock.Advance(std::chrono::seconds(10));
  auto second = client.Begin();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("next try after 30 s"),
            std::string::npos)
      << second.status().message();
  EXPECT_EQ(provider.accepted(), 1);  // not asked again
  clock.Advance(std::chrono::seconds(25));
  EXPECT_FALSE(client.Begin().ok());
  EXPECT_EQ(provider.accepted(), 2);  // asked again after 30 s
}

TEST(OidcClientTest, EmptyCodeIsRefusedWithoutNetwork) {
  OidcClient client(TestConfig("http://127.0.0.1:1"),
                    "https://portal.example.com/oidc/callback");
  OidcStart started;
  EXPECT_EQ(client.Finish({}, started).status().code(),
            StatusCode::kPermissionDenied);
}

// A provider on loopback that answers each request by its path: a head
// (status line and fields, blank line included), a body, then `flood`
// bytes more of `filler`, as fast as the client takes them: a hostile or
// broken provider, or someone on the path to it, sending without end. It
// counts what it got out; what the client did not take, it did not keep.
class LoopbackProvider {
 public:
  struct Answer {
    std::string head;
    std::string body;
    std::string filler;
    size_t flood = 0;
  };

  // 200 with `json` as the whole body.
  static Answer Json(const std::string& json) {
    return {
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
            std::to_string(json.size()) + "\r\n\r\n",
        json};
  }

  LoopbackProvider() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    bind(fd_, reinterpret_cast<sockaddr*>(&a), len);
    listen(fd_, 16);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    url_ = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    thread_ = std::thread([this] { Run(); });
  }
  ~LoopbackProvider() {
    stop_ = true;
    thread_.join();
    close(fd_);
  }

  const std::string& url() const { return url_; }
  void Set(const std::string& path, Answer answer) {
    std::lock_guard lock(mu_);
    answers_[path] = std::move(answer);
  }
  // What every connection so far got out, once each has ended (the client
  // gone); 10 s at most.
  size_t SentWhenDone(int connections) const {
    for (int i = 0; i < 1000 && done_ < connections; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return sent_;
  }
  // The discovery document naming this provider's endpoints, and `more`
  // fields (",\"name\":value...").
  std::string Discovery(const std::string& more = "") const {
    return R"({"issuer":")" + url_ + R"(","authorization_endpoint":")" + url_ +
           R"(/authorize","token_endpoint":")" + url_ +
           R"(/token","jwks_uri":")" + url_ + R"(/jwks")" + more + "}";
  }
  // Whether a request for `path` has come.
  bool Asked(const std::string& path) {
    std::lock_guard lock(mu_);
    return std::find(asked_.begin(), asked_.end(), path) != asked_.end();
  }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{10, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      Serve(c);
      close(c);
      ++done_;
    }
  }

  void Serve(int c) {
    // The request's header, then its body (a POST's), all read: closing
    // with bytes unread would reset the connection under the answer.
    std::string request;
    char buf[4096];
    size_t end = std::string::npos;
    size_t length = 0;
    while (end == std::string::npos || request.size() < end + 4 + length) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) return;
      request.append(buf, static_cast<size_t>(n));
      if (end == std::string::npos &&
          (end = request.find("\r\n\r\n")) != std::string::npos) {
        size_t at = request.find("Content-Length: ");
        if (at < end) length = std::stoul(request.substr(at + 16));
      }
    }
    size_t from = request.find(' ') + 1;
    std::string path = request.substr(from, request.find(' ', from) - from);
    {
      std::lock_guard lock(mu_);
      asked_.push_back(path);
    }
    Answer answer{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"};
    {
      std::lock_guard lock(mu_);
      if (auto it = answers_.find(path); it != answers_.end()) {
        answer = it->second;
      }
    }
    if (!Send(c, answer.head + answer.body)) return;
    for (size_t n = 0; n < answer.flood; n += answer.filler.size()) {
      if (!Send(c, answer.filler)) return;
    }
  }

  bool Send(int c, std::string_view data) {
    while (!data.empty()) {
      // MSG_NOSIGNAL: a client that has gone is an error here, no SIGPIPE.
      ssize_t n = send(c, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent_ += static_cast<size_t>(n);
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  int fd_ = -1;
  std::string url_;
  std::mutex mu_;
  std::map<std::string, Answer> answers_;
  std::vector<std::string> asked_;  // the paths asked for, in order
  std::atomic<bool> stop_{false};
  std::atomic<int> done_{0};
  std::atomic<size_t> sent_{0};
  std::thread thread_;
};

constexpr size_t kFlood = 50 << 20;  // 50 MiB
// The answer's limit is 1 MiB; the rest is what the two sockets' buffers
// hold, a few MiB on loopback.
constexpr size_t kMostSent = 20 << 20;
constexpr char kDiscoveryPath[] = "/.well-known/openid-configuration";
constexpr char kChunked[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

// The security review's finding: discovery, JWKS and token answers had to
// be capped. 50 MiB of discovery document, however it comes, is refused
// after its first MiB (or its first 64 KiB of header or chunk line): the
// sign-in fails with a clear error and the rest is never read.
TEST(OidcClientTest, AnEndlessDiscoveryAnswerIsRefusedUnread) {
  const std::string a(64 * 1024, 'a');
  const std::vector<std::pair<std::string, LoopbackProvider::Answer>> answers =
      {{"Content-Length of 50 MiB",
        {"HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(kFlood) +
             "\r\n\r\n",
         "", a, kFlood}},
       {"body until the connection ends",
        {"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", "", a, kFlood}},
       {"chunks", {kChunked, "", "10000\r\n" + a + "\r\n", kFlood}},
       // Beast 1.81 limits neither of these two by itself.
       {"one endless chunk extension", {kChunked, "1;", a, kFlood}},
       {"one endless trailer field", {kChunked, "0\r\nX-A: ", a, kFlood}},
       {"one endless header field",
        {"HTTP/1.1 200 OK\r\nX-A: ", "", a, kFlood}}};
  for (const auto& [name, answer] : answers) {
    SCOPED_TRACE(name);
    LoopbackProvider provider;
    provider.Set(kDiscoveryPath, answer);
    OidcClient client(TestConfig(provider.url()),
                      "https://portal.example.com/oidc/callback");
    auto began = std::chrono::steady_clock::now();
    auto start = client.Begin();
    ASSERT_FALSE(start.ok());
    EXPECT_EQ(start.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(start.status().message().find("discovery: answer from"),
              std::string::npos)
        << start.status().message();
    EXPECT_NE(start.status().message().find("is too large"), std::string::npos)
        << start.status().message();
    EXPECT_LT(std::chrono::steady_clock::now() - began,
              std::chrono::seconds(5));
    EXPECT_LT(provider.SentWhenDone(1), kMostSent);
  }
}

TEST(OidcClientTest, ADiscoveryDocumentUnderTheLimitIsRead) {
  LoopbackProvider provider;
  std::string padded = provider.Discovery();
  padded.insert(1, std::string((1 << 20) - 4096, ' '));  // JSON whitespace
  provider.Set(kDiscoveryPath, LoopbackProvider::Json(padded));
  OidcClient client(TestConfig(provider.url()),
                    "https://portal.example.com/oidc/callback");
  auto start = client.Begin();
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  EXPECT_TRUE(start->authorization_url.starts_with(provider.url()));
}

// The token endpoint's and the JWKS's answers have the same limit.
TEST(OidcClientTest, EndlessTokenAndJwksAnswersAreRefusedUnread) {
  const std::string chunk = "10000\r\n" + std::string(64 * 1024, 'a') + "\r\n";
  const LoopbackProvider::Answer endless{kChunked, "", chunk, kFlood};
  for (const char* step : {"token exchange", "JWKS"}) {
    SCOPED_TRACE(step);
    LoopbackProvider provider;
    provider.Set(kDiscoveryPath, LoopbackProvider::Json(provider.Discovery()));
    if (std::string_view(step) == "JWKS") {
      provider.Set("/token", LoopbackProvider::Json(
                                 R"({"id_token":"a.b.c","token_type":"x"})"));
      provider.Set("/jwks", endless);
    } else {
      provider.Set("/token", endless);
    }
    OidcClient client(TestConfig(provider.url()),
                      "https://portal.example.com/oidc/callback");
    auto start = client.Begin();
    ASSERT_TRUE(start.ok()) << start.status().ToString();
    auto identity = client.Finish({"code"}, *start);
    ASSERT_FALSE(identity.ok());
    EXPECT_EQ(identity.status().code(), StatusCode::kUnavailable);
    EXPECT_NE(
        identity.status().message().find(std::string(step) + ": answer from"),
        std::string::npos)
        << identity.status().message();
    EXPECT_NE(identity.status().message().find("is too large"),
              std::string::npos)
        << identity.status().message();
    EXPECT_LT(provider.SentWhenDone(std::string_view(step) == "JWKS" ? 3 : 2),
              kMostSent);
  }
}

// RFC 9207: the authorization response's iss, when there is one, must be
// the provider's issuer, exactly; the code then goes to no token endpoint.
TEST(OidcClientTest, AResponseFromAnotherIssuerIsRefusedUnredeemed) {
  LoopbackProvider provider;
  provider.Set(kDiscoveryPath, LoopbackProvider::Json(provider.Discovery()));
  provider.Set("/token", {"HTTP/1.1 400 Bad Request\r\nContent-Type: "
                          "application/json\r\nContent-Length: 25\r\n\r\n",
                          R"({"error":"invalid_grant"})"});
  OidcClient client(TestConfig(provider.url()),
                    "https://portal.example.com/oidc/callback/test");
  auto start = client.Begin();
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  for (const std::string& other :
       {std::string("https://sso.partner.test"), provider.url() + "/",
        provider.url() + "x", std::string()}) {
    SCOPED_TRACE(other);
    auto identity = client.Finish({"code", other}, *start);
    ASSERT_FALSE(identity.ok());
    EXPECT_EQ(identity.status().code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(identity.status().message(),
              "authorization response from another issuer");
    EXPECT_FALSE(provider.Asked("/token"));
  }
  // Its own issuer, or none from a provider that does not say it sends
  // one: the code is redeemed (and refused here by the token endpoint).
  for (const std::optional<std::string>& iss :
       {std::optional<std::string>(provider.url()),
        std::optional<std::string>()}) {
    auto identity = client.Finish({"code", iss}, *start);
    ASSERT_FALSE(identity.ok());
    EXPECT_EQ(identity.status().message(), "sign-in code rejected");
    EXPECT_TRUE(provider.Asked("/token"));
  }
}

// A provider whose discovery document says it sends iss
// (authorization_response_iss_parameter_supported) must send it.
TEST(OidcClientTest, AResponseWithoutTheIssuerItPromisedIsRefused) {
  LoopbackProvider provider;
  provider.Set(
      kDiscoveryPath,
      LoopbackProvider::Json(provider.Discovery(
          R"(,"authorization_response_iss_parameter_supported":true)")));
  OidcClient client(TestConfig(provider.url()),
                    "https://portal.example.com/oidc/callback/test");
  auto start = client.Begin();
  ASSERT_TRUE(start.ok()) << start.status().ToString();
  auto identity = client.Finish({"code"}, *start);
  ASSERT_FALSE(identity.ok());
  EXPECT_EQ(identity.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(identity.status().message(),
            "authorization response without its issuer");
  EXPECT_FALSE(provider.Asked("/token"));
}

}  // namespace
}  // namespace sealpost::portal
