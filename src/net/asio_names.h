// The short names the Asio translation units of both servers and the SMTP
// client use for Asio, Beast, their TLS stream and the completion token that
// gives `auto [ec, n] = co_await ...`, spelled once here. Only .cc files
// include it (docs/architecture.md, "Build-time rules"); the names are in
// `sealpost` so the server and smtp namespaces see them without a using
// directive.
#ifndef SEALPOST_NET_ASIO_NAMES_H_
#define SEALPOST_NET_ASIO_NAMES_H_

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

namespace sealpost {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = boost::asio::ssl;
using asio::awaitable;
using asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

// Completions as a tuple of (error_code, result): errors are values.
inline constexpr auto kUse = asio::as_tuple(asio::use_awaitable);

}  // namespace sealpost

#endif  // SEALPOST_NET_ASIO_NAMES_H_
