#include "server/metrics_endpoint.h"

#include <cctype>
#include <utility>

#include "base/files.h"
#include "base/secret_bytes.h"
#include "net/client_key.h"

namespace sealpost::server {

Result<std::string> LoadMetricsToken(const std::string& path) {
  if (path.empty()) return std::string();
  Result<std::string> token = ReadFile(path);
  if (!token.ok()) {
    return FailedPreconditionError("server.metrics_token_file: cannot read " +
                                   path + ": " + token.status().message());
  }
  while (!token->empty() &&
         std::isspace(static_cast<unsigned char>(token->back())) != 0) {
    token->pop_back();
  }
  if (token->size() < 16) {
    return FailedPreconditionError("metrics token in " + path +
                                   " is shorter than 16 characters");
  }
  return token;
}

void AddMetricsEndpoint(http::Router& router, MetricsRegistry& metrics,
                        Gauge& uptime, const Clock& clock, int64_t started_at,
                        std::string token) {
  router.Add(
      "GET", "/metrics",
      [&metrics, &uptime, &clock, started_at,
       token = std::move(token)](http::Request& req) {
        if (token.empty() && !net::IsLoopbackAddress(req.remote_address)) {
          // Open to whoever reaches the listener, the figures would tell
          // anyone on the Internet of an investigation's releases.
          return http::Response::Text(
              403,
              "/metrics answers loopback clients only unless "
              "server.metrics_token_file is set\n");
        }
        if (!token.empty() && !ConstantTimeEquals(req.Header("authorization"),
                                                  "Bearer " + token)) {
          // RFC 6750 §3: the scheme the client should use.
          http::Response r =
              http::Response::Text(401, "metrics token required\n");
          r.headers.emplace_back("WWW-Authenticate",
                                 "Bearer realm=\"metrics\"");
          return r;
        }
        uptime.Set(clock.NowUnix() - started_at);
        http::Response r = http::Response::Text(200, metrics.Render());
        r.content_type = "text/plain; version=0.0.4; charset=utf-8";
        return r;
      });
}

}  // namespace sealpost::server
