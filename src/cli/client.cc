// The one translation unit with Beast's HTTP client templates.
#include "cli/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

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
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

Result<ApiResponse> Call(const ClientOptions& options,
                         const std::string& method, const std::string& target,
                         const std::string& json_body,
                         const std::string& content_type) {
  SP_ASSIGN_OR_RETURN(Target t, ParseAddr(options.addr));
  try {
    asio::io_context io;
    ssl::context ctx(ssl::context::tls_client);
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
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
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
    bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method),
                                           target, 11};
    req.set(bhttp::field::host, t.host);
    req.set(bhttp::field::user_agent, "sealpost-cli");
    req.set(bhttp::field::accept, "application/json");
    if (!options.token.empty()) {
      req.set(bhttp::field::authorization, "Bearer " + options.token);
    }
    if (!json_body.empty()) {
      req.set(bhttp::field::content_type, content_type);
      req.body() = json_body;
    }
    req.prepare_payload();
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
    for (const auto& f : parser.get()) {
      std::string name(f.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      out.headers.emplace_back(std::move(name), std::string(f.value()));
    }
    stream.shutdown(ec);  // best effort
    return out;
  } catch (const std::exception& e) {
    return UnavailableError(std::string("request failed: ") + e.what());
  }
}

}  // namespace sealpost::cli
