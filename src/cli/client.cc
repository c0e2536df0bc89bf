// The one translation unit with Beast's HTTP client templates.
#include "cli/client.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <optional>

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "base/strings.h"
#include "cli/streamed_call.h"
#include "http/headers.h"

namespace sealpost::cli {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;

namespace {

struct Target {
  std::string host;
  std::string port;
};

Result<Target> ParseAddr(const std::string& addr) {
  constexpr std::string_view kScheme = "https://";
  if (addr.empty()) {
    return InvalidArgumentError(
        "no server address: set SEALPOST_ADDR or --addr "
        "(e.g. https://127.0.0.1:8444), or SEALPOST_CONFIG to the server's "
        "sealpost.toml");
  }
  if (!std::string_view(addr).starts_with(kScheme)) {
    return InvalidArgumentError("server address must start with https://: " +
                                addr);
  }
  std::string rest = addr.substr(kScheme.size());
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    rest.resize(slash);
  }
  Target t;
  if (!rest.empty() && rest[0] == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) {
      return InvalidArgumentError("bad address " + addr);
    }
    t.host = rest.substr(1, close - 1);
    t.port = close + 2 <= rest.size() ? rest.substr(close + 2) : "443";
  } else {
    auto colon = rest.rfind(':');
    t.host = rest.substr(0, colon);
    t.port = colon == std::string::npos ? "443" : rest.substr(colon + 1);
  }
  if (t.host.empty() || t.port.empty()) {
    return InvalidArgumentError("bad address " + addr);
  }
  return t;
}

}  // namespace

std::string ApiResponse::Header(std::string_view lower_name) const {
  return std::string(http::HeaderValue(headers, lower_name));
}

namespace {

using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The client's TLS settings: TLS 1.2 at least, the server verified against
// --ca-cert or the system store.
Status SetUpTls(const ClientOptions& options, ssl::context& ctx) {
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  ctx.set_verify_mode(ssl::verify_peer);
  if (!options.ca_cert.empty()) {
    boost::system::error_code ec;
    ctx.load_verify_file(options.ca_cert, ec);
    if (ec) {
      return InvalidArgumentError("cannot read CA certificate " +
                                  options.ca_cert);
    }
  } else {
    ctx.set_default_verify_paths();
  }
  return Status::Ok();
}

// Connects and completes the handshake, checking that the certificate names
// the host (or IP address) of --addr.
Status Connect(const ClientOptions& options, const Target& t,
               asio::io_context& io, TlsStream& stream) {
  X509_VERIFY_PARAM* param = SSL_get0_param(stream.native_handle());
  boost::system::error_code ip_ec;
  asio::ip::make_address(t.host, ip_ec);
  if (!ip_ec) {
    X509_VERIFY_PARAM_set1_ip_asc(param, t.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, t.host.c_str(), 0);
    SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str());
  }
  asio::ip::tcp::resolver resolver(io);
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
  boost::system::error_code ec;
  auto results = resolver.resolve(t.host, t.port, ec);
  if (!ec) beast::get_lowest_layer(stream).connect(results, ec);
  if (ec) {
    return UnavailableError("cannot reach " + options.addr + ": " +
                            ec.message());
  }
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    long verify = SSL_get_verify_result(stream.native_handle());
    if (verify == X509_V_ERR_HOSTNAME_MISMATCH ||
        verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
      return UnavailableError(
          "TLS handshake with " + options.addr +
          " failed: the server's certificate does not name '" + t.host +
          "' (use the name the certificate was issued for in --addr)");
    }
    return UnavailableError("TLS handshake with " + options.addr +
                            " failed: " + ec.message() +
                            " (is --ca-cert / SEALPOST_CACERT right?)");
  }
  return Status::Ok();
}

// One connection to the server: TLS set up (SetUpTls), connected and the
// handshake done (Connect). Kept where it was made: the stream refers to
// the I/O and TLS contexts beside it.
struct Connection {
  Target target;
  asio::io_context io;
  ssl::context ctx{ssl::context::tls_client};
  std::optional<TlsStream> stream;

  static Result<std::unique_ptr<Connection>> Open(
      const ClientOptions& options) {
    SP_ASSIGN_OR_RETURN(Target t, ParseAddr(options.addr));
    auto c = std::make_unique<Connection>();
    c->target = std::move(t);
    SP_RETURN_IF_ERROR(SetUpTls(options, c->ctx));
    c->stream.emplace(c->io, c->ctx);
    SP_RETURN_IF_ERROR(Connect(options, c->target, c->io, *c->stream));
    return c;
  }
};

template <class Fields>
void SetRequestFields(const ClientOptions& options, const Target& t,
                      bhttp::request_header<Fields>& req) {
  req.set(bhttp::field::host, t.host);
  req.set(bhttp::field::user_agent, "sealpost-cli");
  req.set(bhttp::field::accept, "application/json");
  if (!options.token.empty()) {
    req.set(bhttp::field::authorization, "Bearer " + options.token);
  }
}

template <class Message>
void CopyHeaders(const Message& in, ApiResponse* out) {
  for (const auto& f : in) {
    out->headers.emplace_back(AsciiLower(f.name_string()),
                              std::string(f.value()));
  }
}

}  // namespace

Result<ApiResponse> Call(const ClientOptions& options,
                         const std::string& method, const std::string& target,
                         const std::string& json_body,
                         const std::string& content_type) {
  try {
    SP_ASSIGN_OR_RETURN(auto connection, Connection::Open(options));
    TlsStream& stream = *connection->stream;
    const Target& t = connection->target;
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method),
                                           target, 11};
    SetRequestFields(options, t, req);
    if (!json_body.empty()) {
      req.set(bhttp::field::content_type, content_type);
      req.body() = json_body;
    }
    req.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(stream, req, ec);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(256 << 20);
    if (!ec) bhttp::read(stream, buffer, parser, ec);
    if (ec) {
      return UnavailableError("request to " + options.addr +
                              " failed: " + ec.message());
    }
    ApiResponse out{static_cast<int>(parser.get().result_int()),
                    std::move(parser.get().body()),
                    {}};
    CopyHeaders(parser.get(), &out);
    stream.shutdown(ec);  // best effort
    return out;
  } catch (const std::exception& e) {
    return UnavailableError(std::string("request failed: ") + e.what());
  }
}

Result<ApiResponse> CallStreamed(
    const ClientOptions& options, const StreamedRequest& request,
    const std::function<bool(const ApiResponse& head)>& stream_if,
    const std::function<Status(std::string_view slice)>& sink) {
  // Each read or write of a slice has its own deadline; the wait for the
  // answer's header is longer, as the server works on the whole body first.
  constexpr auto kStep = std::chrono::seconds(60);
  constexpr auto kAnswer = std::chrono::seconds(300);
  constexpr size_t kSlice = 256 * 1024;
  auto failed = [&](const boost::system::error_code& ec) {
    return UnavailableError("request to " + options.addr +
                            " failed: " + ec.message());
  };
  try {
    SP_ASSIGN_OR_RETURN(auto connection, Connection::Open(options));
    TlsStream& stream = *connection->stream;
    const Target& t = connection->target;
    auto& tcp = beast::get_lowest_layer(stream);

    bhttp::request<bhttp::empty_body> req{bhttp::string_to_verb(request.method),
                                          request.target, 11};
    SetRequestFields(options, t, req);
    if (request.body != nullptr) {
      req.set(bhttp::field::content_type, request.content_type);
      req.content_length(static_cast<uint64_t>(request.body_size));
    }
    if (!request.accept.empty()) req.set(bhttp::field::accept, request.accept);
    bhttp::request_serializer<bhttp::empty_body> sr{req};
    boost::system::error_code ec;
    tcp.expires_after(kStep);
    bhttp::write_header(stream, sr, ec);
    if (ec) return failed(ec);
    // The body as it is read from the file. The server may answer before
    // it has all of it (a refusal from the header alone: 401, 413) and
    // close: the write then fails, and the answer is read all the same.
    std::string slice;
    int64_t sent = 0;
    while (request.body != nullptr && sent < request.body_size) {
      size_t want = static_cast<size_t>(
          std::min<int64_t>(kSlice, request.body_size - sent));
      slice.clear();
      auto n = request.body->Read(want, &slice);
      if (!n.ok()) {
        return DataLossError("cannot read the input: " + n.status().message());
      }
      if (*n == 0) {
        return DataLossError("the input ended after " + std::to_string(sent) +
                             " of " + std::to_string(request.body_size) +
                             " bytes (did it change while it was sent?)");
      }
      tcp.expires_after(kStep);
      asio::write(stream, asio::buffer(slice), ec);
      if (ec) break;
      sent += static_cast<int64_t>(*n);
    }
    boost::system::error_code write_ec = ec;

    slice.resize(kSlice);
    beast::flat_buffer buffer;
    bhttp::response_parser<bhttp::buffer_body> parser;
    parser.body_limit(boost::none);  // kept bodies are capped below
    tcp.expires_after(kAnswer);
    bhttp::read_header(stream, buffer, parser, ec);
    if (ec) return failed(write_ec ? write_ec : ec);
    ApiResponse out{static_cast<int>(parser.get().result_int()), "", {}};
    CopyHeaders(parser.get(), &out);
    const bool streaming = stream_if(out);
    while (!parser.is_done()) {
      parser.get().body().data = slice.data();
      parser.get().body().size = slice.size();
      tcp.expires_after(kStep);
      bhttp::read(stream, buffer, parser, ec);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) return failed(ec);
      std::string_view got(slice.data(),
                           slice.size() - parser.get().body().size);
      if (streaming) {
        SP_RETURN_IF_ERROR(sink(got));
      } else {
        if (out.body.size() + got.size() > kMaxKeptBody) {
          return UnavailableError("the answer from " + options.addr +
                                  " is too large");
        }
        out.body.append(got);
      }
    }
    stream.shutdown(ec);  // best effort
    return out;
  } catch (const std::exception& e) {
    return UnavailableError(std::string("request failed: ") + e.what());
  }
}

}  // namespace sealpost::cli
