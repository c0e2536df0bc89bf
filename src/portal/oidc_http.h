// Internal to the OIDC client (oidc.cc): one blocking HTTP(S) exchange with
// an identity provider. Beast's client templates live in oidc_http.cc only.
//
// Thread-safety: FetchUrl is reentrant; each call has its own I/O context.
#ifndef SEALPOST_PORTAL_OIDC_HTTP_H_
#define SEALPOST_PORTAL_OIDC_HTTP_H_

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::portal::oidc_internal {

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute; https, or http to a loopback host
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

struct FetchOptions {
  std::string ca_file;  // PEM bundle to trust; empty: the system store
  // Each of connect, handshake, write and read; the whole request,
  // name lookup included, gives up after twice this.
  std::chrono::seconds timeout{10};
  // An answer with a longer body, or a header (or a chunk line) over 64 KiB,
  // is refused as soon as the limit is passed, not read to its end.
  size_t max_body_bytes = 1 << 20;
};

// True for 127.0.0.1 (any 127/8 address), ::1 and "localhost".
bool IsLoopbackHost(std::string_view host);

// Checks that `url` is absolute https, or http to a loopback host, with a
// host and no user info. `what` names the URL in the error message.
Status CheckProviderUrl(std::string_view url, std::string_view what);

// Sends one request (HTTP/1.1, no redirects followed) and reads the answer.
// TLS 1.2 at least, the peer's chain verified and its name checked (SNI set).
// UNAVAILABLE on any network, TLS or protocol failure and on an answer past
// the size limits (FetchOptions); any status code is a successful exchange.
Result<HttpResponse> FetchUrl(const HttpRequest& request,
                              const FetchOptions& options);

}  // namespace sealpost::portal::oidc_internal

#endif  // SEALPOST_PORTAL_OIDC_HTTP_H_
