// GET /metrics: the Prometheus text of the server's metrics, which tell
// traffic figures (eDiscovery releases, journal decryptions: to someone
// under investigation, that they are). Who may read them: with
// server.metrics_token_file, whoever sends its bearer token, from anywhere;
// without it, clients on this host's loopback only (a scraper on the same
// machine, `curl https://127.0.0.1:.../metrics`), never the Internet that
// reaches the portal's listener.
//
// Thread-safety: the handler may run on any thread; the references it
// holds must outlive the router.
#ifndef SEALPOST_SERVER_METRICS_ENDPOINT_H_
#define SEALPOST_SERVER_METRICS_ENDPOINT_H_

#include <cstdint>
#include <string>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "http/http.h"

namespace sealpost::server {

// server.metrics_token_file: the bearer token /metrics then requires, or ""
// when the setting is empty (/metrics for loopback clients only).
// FAILED_PRECONDITION when the file cannot be read or the token is shorter
// than 16 characters.
Result<std::string> LoadMetricsToken(const std::string& path);

// GET /metrics on `router`. With a `token`: 401 without "Authorization:
// Bearer TOKEN" (RFC 6750), from any address. Without: 403 for a client
// whose address (http::Request::remote_address) is not loopback
// (net::IsLoopbackAddress). `uptime` is set from `clock` and `started_at`
// for each answer.
void AddMetricsEndpoint(http::Router& router, MetricsRegistry& metrics,
                        Gauge& uptime, const Clock& clock, int64_t started_at,
                        std::string token);

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_METRICS_ENDPOINT_H_
