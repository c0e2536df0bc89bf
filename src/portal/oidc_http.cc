// The one translation unit with Beast's HTTP client templates for the OIDC
// client. Blocking for the caller, but every step runs as an asynchronous
// operation on a private io_context, because beast::tcp_stream's deadlines
// (expires_after) apply to asynchronous operations only.
#include "portal/oidc_http.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <exception>
#include <optional>
#include <thread>

#include "base/strings.h"

namespace sealpost::portal::oidc_internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
namespace urls = boost::urls;
using asio::awaitable;
using asio::ip::tcp;

namespace {

constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
// What the read buffer may hold of an answer not parsed yet. Beast 1.81
// bounds the header (header_limit) and the body (body_limit) but neither a
// chunk-size line with its extensions nor the trailer: it buffers either
// until its CRLF comes, so one endless line from a provider (or from anyone
// on the path to it) grew this buffer until the read's deadline.
constexpr size_t kMaxBufferedBytes = 2 * kMaxHeaderBytes;

struct Target {
  bool tls = false;
  std::string host;       // for name checks and SNI: no brackets
  std::string host_port;  // for the Host header, as written in the URL
  std::string port;
  std::string path_and_query;
  bool host_is_ip = false;
};

Result<Target> ParseTarget(std::string_view url) {
  auto parsed = urls::parse_absolute_uri(url);
  if (!parsed) return InvalidArgumentError("not an absolute URL");
  const urls::url_view& u = *parsed;
  Target t;
  if (u.scheme_id() == urls::scheme::https) {
    t.tls = true;
  } else if (u.scheme_id() != urls::scheme::http) {
    return InvalidArgumentError("scheme must be https");
  }
  if (u.has_userinfo()) return InvalidArgumentError("user info in URL");
  // RFC 3986 §3.3: after an authority the path is empty or starts with "/".
  // Boost.URL 1.81 parses "http://127.0.0.1.evil.test" as host 127.0.0.1 and
  // path ".evil.test"; refuse what it should have refused.
  if (!u.encoded_path().empty() && !u.encoded_path().starts_with('/')) {
    return InvalidArgumentError("malformed URL");
  }
  switch (u.host_type()) {
    case urls::host_type::ipv4:
      t.host = u.host_ipv4_address().to_string();
      t.host_is_ip = true;
      break;
    case urls::host_type::ipv6:
      t.host = u.host_ipv6_address().to_string();
      t.host_is_ip = true;
      break;
    case urls::host_type::name:
      t.host = AsciiLower(u.host_name());
      break;
    default:
      return InvalidArgumentError("URL has no usable host");
  }
  if (t.host.empty()) return InvalidArgumentError("URL has no host");
  if (!t.tls && !IsLoopbackHost(t.host)) {
    return InvalidArgumentError(
        "plain http is allowed for loopback hosts only");
  }
  t.host_port = std::string(u.encoded_host_and_port());
  t.port = u.has_port() ? std::string(u.port()) : (t.tls ? "443" : "80");
  t.path_and_query = std::string(u.encoded_path());
  if (t.path_and_query.empty()) t.path_and_query = "/";
  if (u.has_query()) {
    t.path_and_query += '?';
    t.path_and_query += std::string(u.encoded_query());
  }
  return t;
}

Status StepError(std::string_view step, const Target& t,
                 const boost::system::error_code& ec) {
  std::string msg = std::string(step) + " " + t.host_port + ": ";
  msg += ec == beast::error::timeout ? std::string("timed out") : ec.message();
  return UnavailableError(std::move(msg));
}

// Whether the read stopped at one of the limits on an answer's size.
bool PastALimit(const boost::system::error_code& ec) {
  return ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
         ec == bhttp::error::buffer_overflow;
}

Status TooLarge(const Target& t, const boost::system::error_code& ec,
                size_t max_body_bytes) {
  std::string what =
      ec == bhttp::error::body_limit
          ? "a body over " + std::to_string(max_body_bytes) + " bytes"
      : ec == bhttp::error::header_limit
          ? "a header over " + std::to_string(kMaxHeaderBytes) + " bytes"
          : "a chunk line or trailer over " +
                std::to_string(kMaxBufferedBytes) + " bytes";
  return UnavailableError("answer from " + t.host_port + " is too large (" +
                          what + "); refused unread");
}

// Writes the request and reads the answer on a connected (and, for TLS,
// handshaken) stream.
template <typename Stream>
awaitable<void> Exchange(Stream& stream, beast::tcp_stream& lowest,
                         const Target& t, const HttpRequest& request,
                         const FetchOptions& options,
                         std::optional<Result<HttpResponse>>& out) {
  bhttp::request<bhttp::string_body> req;
  bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    out = InvalidArgumentError("bad HTTP method");
    co_return;
  }
  req.method(verb);
  req.target(t.path_and_query);
  req.version(11);
  req.set(bhttp::field::host, t.host_port);
  req.set(bhttp::field::user_agent, "sealpost-portal");
  req.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  if (!request.body.empty() || verb == bhttp::verb::post) {
    req.body() = request.body;
  }
  req.prepare_payload();

  lowest.expires_after(options.timeout);
  auto [wec, wn] = co_await bhttp::async_write(stream, req, kUse);
  (void)wn;
  if (wec) {
    out = StepError("sending request to", t, wec);
    co_return;
  }
  beast::flat_buffer buffer(kMaxBufferedBytes);
  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(options.max_body_bytes);
  lowest.expires_after(options.timeout);
  auto [rec, rn] = co_await bhttp::async_read(stream, buffer, parser, kUse);
  (void)rn;
  if (PastALimit(rec)) {
    out = TooLarge(t, rec, options.max_body_bytes);
    co_return;
  }
  if (rec) {
    out = StepError("reading answer from", t, rec);
    co_return;
  }
  HttpResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.content_type = std::string(parser.get()[bhttp::field::content_type]);
  response.body = std::move(parser.get().body());
  out = std::move(response);
  beast::error_code ignored;
  lowest.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

awaitable<void> Fetch(const Target& t, const HttpRequest& request,
                      const FetchOptions& options, ssl::context* tls,
                      std::optional<Result<HttpResponse>>& out) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(t.host, t.port, kUse);
  if (rec) {
    out = StepError("resolving", t, rec);
    co_return;
  }
  std::vector<tcp::endpoint> endpoints;
  for (const auto& r : results) {
    // Plain http is allowed to loopback only: hold "localhost" to that too.
    if (!t.tls && !r.endpoint().address().is_loopback()) continue;
    endpoints.push_back(r.endpoint());
  }
  if (endpoints.empty()) {
    out = UnavailableError("resolving " + t.host_port + ": no usable address");
    co_return;
  }
  beast::tcp_stream lowest(ex);
  lowest.expires_after(options.timeout);
  auto [cec, ep] = co_await lowest.async_connect(endpoints, kUse);
  (void)ep;
  if (cec) {
    out = StepError("connecting to", t, cec);
    co_return;
  }
  if (tls == nullptr) {
    co_await Exchange(lowest, lowest, t, request, options, out);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> stream(std::move(lowest), *tls);
  beast::tcp_stream& lower = beast::get_lowest_layer(stream);
  SSL* ssl_handle = stream.native_handle();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_handle);
  int ok;
  if (t.host_is_ip) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
  } else {
    X509_VERIFY_PARAM_set_hostflags(param,
                                    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), 0) == 1 &&
         SSL_set_tlsext_host_name(ssl_handle, t.host.c_str()) == 1;
  }
  if (ok != 1) {
    out = InternalError("cannot set up TLS name check for " + t.host_port);
    co_return;
  }
  lower.expires_after(options.timeout);
  auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, kUse);
  if (hec) {
    out = StepError("TLS handshake with", t, hec);
    co_return;
  }
  co_await Exchange(stream, lower, t, request, options, out);
}

Result<std::unique_ptr<ssl::context>> MakeTlsContext(
    const FetchOptions& options) {
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
  SSL_CTX* native = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) != 1) {
    return InternalError("cannot set the TLS version floor");
  }
  SSL_CTX_set_options(native, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  ctx->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (!options.ca_file.empty()) {
    ctx->load_verify_file(options.ca_file, ec);
    if (ec) {
      return UnavailableError("cannot read CA bundle " + options.ca_file +
                              ": " + ec.message());
    }
  } else {
    ctx->set_default_verify_paths(ec);
    if (ec) return UnavailableError("cannot load the system trust store");
  }
  return ctx;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (AsciiLower(host) == "localhost") return true;
  boost::system::error_code ec;
  auto address = asio::ip::make_address(std::string(host), ec);
  return !ec && address.is_loopback();
}

Status CheckProviderUrl(std::string_view url, std::string_view what) {
  auto target = ParseTarget(url);
  if (!target.ok()) {
    return InvalidArgumentError(std::string(what) + " " + std::string(url) +
                                ": " + target.status().message());
  }
  return Status::Ok();
}

Result<HttpResponse> FetchUrl(const HttpRequest& request,
                              const FetchOptions& options) {
  auto target = ParseTarget(request.url);
  if (!target.ok()) {
    return UnavailableError("bad provider URL " + request.url + ": " +
                            target.status().message());
  }
  // Everything one request needs, on the heap: if the request outlives
  // its deadline (a name lookup, which Asio runs as a blocking getaddrinfo
  // on a thread of its own, cannot be cancelled), the caller returns and a
  // detached thread waits for the lookup and frees this.
  struct State {
    Target target;
    HttpRequest request;
    FetchOptions options;
    std::unique_ptr<ssl::context> tls;
    std::optional<Result<HttpResponse>> out;
    std::exception_ptr failure;
    asio::io_context io;  // last: destroyed first, with the coroutine
  };
  const std::string host_port = target->host_port;
  auto state = std::make_shared<State>();
  state->target = std::move(*target);
  state->request = request;
  state->options = options;
  try {
    if (state->target.tls) {
      SP_ASSIGN_OR_RETURN(state->tls, MakeTlsContext(options));
    }
    asio::co_spawn(state->io,
                   Fetch(state->target, state->request, state->options,
                         state->tls.get(), state->out),
                   [s = state.get()](std::exception_ptr e) { s->failure = e; });
    // Each network step has its own deadline (options.timeout); the name
    // lookup has none, so the whole request gets twice that.
    state->io.run_for(options.timeout * 2);
    if (!state->io.stopped()) {
      state->io.stop();
      // The last owner waits for the lookup to return, not this caller.
      std::thread([owned = std::move(state)] {}).detach();
      return UnavailableError("request to " + host_port + " timed out after " +
                              std::to_string((options.timeout * 2).count()) +
                              " s");
    }
    if (state->failure) std::rethrow_exception(state->failure);
    if (!state->out.has_value()) {
      return UnavailableError("request to " + host_port + " did not finish");
    }
    return std::move(*state->out);
  } catch (const std::exception& e) {
    return UnavailableError("request to " + host_port + " failed: " + e.what());
  }
}

}  // namespace sealpost::portal::oidc_internal
