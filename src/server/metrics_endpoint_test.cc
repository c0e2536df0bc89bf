// Who reads /metrics: the handler dispatched with the peer address the
// HTTPS server would have set (http::Request::remote_address).
#include "server/metrics_endpoint.h"

#include <gtest/gtest.h>

namespace sealpost::server {
namespace {

class MetricsEndpointTest : public ::testing::Test {
 protected:
  // GET /metrics from `peer`, with `authorization` when not empty, on a
  // router whose token is `token`.
  http::Response Get(const std::string& token, const std::string& peer,
                     const std::string& authorization = "") {
    http::Router router;
    AddMetricsEndpoint(router, metrics_, uptime_, clock_, 1'800'000'000 - 5,
                       token);
    http::Request req{.method = "GET", .path = "/metrics"};
    req.remote_address = peer;
    if (!authorization.empty()) {
      req.headers.emplace_back("authorization", authorization);
    }
    return router.Dispatch(req);
  }

  MetricsRegistry metrics_;
  Gauge& uptime_ = *metrics_.GetGauge("sealpost_uptime_seconds", "uptime");
  FakeClock clock_{1'800'000'000};
};

// An attack: with no metrics token configured, anyone on the Internet who
// reaches the HTTPS listener read the eDiscovery and journal figures.
TEST_F(MetricsEndpointTest, WithoutATokenTheInternetIsRefused) {
  for (const char* peer :
       {"203.0.113.9", "::ffff:203.0.113.9", "2001:db8::7", "10.0.0.2", ""}) {
    http::Response r = Get("", peer);
    EXPECT_EQ(r.status, 403) << peer;
    EXPECT_EQ(r.body.find("sealpost_"), std::string::npos) << peer;
    EXPECT_NE(r.body.find("server.metrics_token_file"), std::string::npos);
  }
}

// A scraper on the same host (bench/run, the tests' DevServer on
// 127.0.0.1, a dual-stack listener's IPv4 loopback client) still reads it.
TEST_F(MetricsEndpointTest, WithoutATokenLoopbackReads) {
  for (const char* peer :
       {"127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"}) {
    http::Response r = Get("", peer);
    EXPECT_EQ(r.status, 200) << peer;
    EXPECT_NE(r.body.find("sealpost_uptime_seconds 5"), std::string::npos)
        << r.body;
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
  }
}

// With a token the token decides, wherever the client is: loopback is no
// way around it, and a scraper elsewhere with it reads.
TEST_F(MetricsEndpointTest, WithATokenTheTokenDecidesFromAnywhere) {
  const std::string token = "m3tr1cs-t0ken-for-prometheus";
  for (const char* peer : {"127.0.0.1", "::1", "203.0.113.9"}) {
    http::Response none = Get(token, peer);
    EXPECT_EQ(none.status, 401) << peer;
    EXPECT_EQ(none.body.find("sealpost_"), std::string::npos) << peer;
    EXPECT_EQ(Get(token, peer, "Bearer wrong-token-0123456789").status, 401);
    http::Response ok = Get(token, peer, "Bearer " + token);
    EXPECT_EQ(ok.status, 200) << peer;
    EXPECT_NE(ok.body.find("sealpost_uptime_seconds"), std::string::npos);
  }
}

}  // namespace
}  // namespace sealpost::server
