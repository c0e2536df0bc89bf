// ApiClient: one HTTPS request to the server's JSON API, as the CLI needs
// it. Verifies the server certificate against --ca-cert (or the system
// store) and the host name or IP address; TLS 1.2 at least.
//
// Thread-safety: a value type; each Call opens its own connection.
#ifndef SEALPOST_CLI_CLIENT_H_
#define SEALPOST_CLI_CLIENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::cli {

struct ClientOptions {
  std::string addr;     // https://HOST:PORT
  std::string token;    // bearer token (admin or user)
  std::string ca_cert;  // PEM file; empty: system trust store
};

struct ApiResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower

  std::string Header(std::string_view lower_name) const;
};

// Network and TLS failures are UNAVAILABLE with a one-line reason.
Result<ApiResponse> Call(const ClientOptions& options,
                         const std::string& method, const std::string& target,
                         const std::string& json_body = "",
                         const std::string& content_type = "application/json");

}  // namespace sealpost::cli

#endif  // SEALPOST_CLI_CLIENT_H_
