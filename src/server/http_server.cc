// The one translation unit that instantiates Beast's HTTP server templates.
#include "server/http_server.h"

#include <array>
#include <atomic>

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <set>
#include <type_traits>

#include "base/log.h"
#include "base/memory_budget.h"
#include "base/strings.h"
#include "crypto/spool.h"
#include "net/asio_names.h"
#include "net/client_key.h"
#include "net/listener.h"

namespace sealpost::server {

namespace bhttp = boost::beast::http;

namespace {

using Connection = net::LiveConnections::Entry;

template <class Body>
http::Request ToRequest(const bhttp::request<Body>& in,
                        const std::string& remote) {
  http::Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  if (q != std::string::npos) out.query = out.target.substr(q + 1);
  for (const auto& f : in) {
    out.headers.emplace_back(AsciiLower(f.name_string()),
                             std::string(f.value()));
  }
  if constexpr (std::is_same_v<Body, bhttp::string_body>) {
    out.body = in.body();
  }
  out.remote_address = remote;
  return out;
}

// Waits, holding no thread, until `later` resumes (from any thread); gives
// the Finish it was resumed with, on the connection's executor.
awaitable<http::Later::Finish> Resumed(
    std::shared_ptr<const http::Later> later) {
  return asio::async_initiate<decltype(asio::use_awaitable),
                              void(http::Later::Finish)>(
      [later](auto handler) {
        auto ex = asio::get_associated_executor(handler);
        // The coroutine's handler moves only; Resume is a std::function.
        auto held = std::make_shared<decltype(handler)>(std::move(handler));
        later->start([held, ex](http::Later::Finish finish) {
          asio::post(ex, [held, finish = std::move(finish)]() mutable {
            (*held)(std::move(finish));
          });
        });
      },
      asio::use_awaitable);
}

}  // namespace

struct HttpServer::Impl : net::Listener {
  Impl(asio::io_context& io, HttpServerOptions opts, http::Handler h,
       MetricsRegistry& m)
      : net::Listener(io,
                      {opts.max_connections, opts.max_connections_per_client}),
        options(std::move(opts)),
        handler(std::move(h)),
        metrics(m),
        pool(static_cast<size_t>(std::max(1, options.handler_threads))),
        body_memory(options.max_memory_bytes) {
    requests_seconds = metrics.GetHistogram(
        "sealpost_http_request_duration_seconds", "HTTP request latency");
    connections =
        metrics.GetGauge("sealpost_http_connections", "Open HTTPS connections");
    tls_failures = metrics.GetCounter("sealpost_tls_handshake_failures_total",
                                      "Failed TLS handshakes");
    refused = metrics.GetCounter(
        "sealpost_http_connections_refused_total",
        "HTTPS connections closed at once: every connection of the client "
        "(or of the listener) was busy");
  }

  HttpServerOptions options;
  http::Handler handler;
  MetricsRegistry& metrics;
  asio::thread_pool pool;
  // The bodies read into memory (max_memory_bytes).
  MemoryBudget body_memory;
  Histogram* requests_seconds;
  Gauge* connections;
  Counter* tls_failures;
  Counter* refused;

  // The per-status counters, looked up by name once per status.
  Counter* RequestCounter(int status) {
    if (status >= 100 && status < 600) {
      Counter* c =
          status_counters[status - 100].load(std::memory_order_acquire);
      if (c != nullptr) return c;
    }
    Counter* c = metrics.GetCounter(
        "sealpost_http_requests_total{code=\"" + std::to_string(status) + "\"}",
        "HTTP requests by status code");
    if (status >= 100 && status < 600) {
      status_counters[status - 100].store(c, std::memory_order_release);
    }
    return c;
  }
  std::array<std::atomic<Counter*>, 500> status_counters{};

  Status LoadTls() {
    return tls.Load(options.cert_file, options.key_file, "HTTPS");
  }

  // The wire form of `res`: our security headers added, and those the
  // handler set unless they are malformed or too large for Beast (an
  // attachment's name in Content-Disposition, say), which throws: then a
  // plain 500, so that nothing throws out of a connection's coroutine.
  // `res` becomes that 500 when its headers are refused.
  template <class Body>
  bhttp::response<Body> Build(http::Response& res, unsigned version) {
    bhttp::response<Body> out{static_cast<bhttp::status>(res.status), version};
    try {
      SetHeaders(out, res);
    } catch (const std::exception& e) {
      log::Error("response headers for a {} answer refused: {}", res.status,
                 e.what());
      res = http::Response::JsonError(500, "internal", "internal error");
      out =
          bhttp::response<Body>{bhttp::status::internal_server_error, version};
      SetHeaders(out, res);
    }
    return out;
  }

  void SetHeaders(bhttp::response_header<>& out, const http::Response& res) {
    out.set(bhttp::field::server, "sealpost");
    out.set(bhttp::field::content_type, res.content_type);
    bool has_cache = false, has_csp = false, has_frame = false;
    for (auto& [k, v] : res.headers) {
      if (beast::iequals(k, "cache-control")) has_cache = true;
      if (beast::iequals(k, "content-security-policy")) has_csp = true;
      if (beast::iequals(k, "x-frame-options")) has_frame = true;
      out.insert(k, v);
    }
    if (!has_cache) out.set(bhttp::field::cache_control, "no-store");
    if (!has_csp) {
      out.set("Content-Security-Policy",
              "default-src 'none'; frame-ancestors 'none'");
    }
    out.set("Strict-Transport-Security", "max-age=63072000");
    out.set("X-Content-Type-Options", "nosniff");
    out.set("Referrer-Policy", "no-referrer");
    if (!has_frame) out.set("X-Frame-Options", "DENY");
  }

  // Sends `res` for `req_version`; false when the connection must close.
  awaitable<bool> Send(Stream& stream, http::Response res, unsigned version,
                       bool keep_alive) {
    if (res.stream != nullptr) {
      co_return co_await SendStream(stream, std::move(res), version,
                                    keep_alive);
    }
    auto out = Build<bhttp::string_body>(res, version);
    out.body() = std::move(res.body);
    out.keep_alive(keep_alive && !stopping);
    out.prepare_payload();
    RequestCounter(static_cast<int>(out.result_int()))->Add();
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [ec, n] = co_await bhttp::async_write(stream, out, kUse);
    co_return !ec && out.keep_alive();
  }

  // Sends a body made a slice at a time (http::BodyStream): the header
  // with Content-Length, then each slice made on the handler pool once the
  // one before was written, so memory holds one slice whatever the size.
  // A fault after the header closes the connection short of the length.
  awaitable<bool> SendStream(Stream& stream, http::Response res,
                             unsigned version, bool keep_alive) {
    auto out = Build<bhttp::buffer_body>(res, version);
    std::shared_ptr<http::BodyStream> body = std::move(res.stream);
    if (body == nullptr) {  // its headers were refused: the plain 500
      co_return co_await Send(stream, std::move(res), version, keep_alive);
    }
    const int64_t size = body->size();
    out.keep_alive(keep_alive && !stopping);
    out.content_length(static_cast<uint64_t>(size));
    out.body().data = nullptr;
    out.body().more = true;
    RequestCounter(static_cast<int>(out.result_int()))->Add();
    bhttp::response_serializer<bhttp::buffer_body> sr{out};
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [hec, hn] = co_await bhttp::async_write_header(stream, sr, kUse);
    if (hec) co_return false;
    constexpr size_t kSlice = 256 * 1024;
    std::string slice;
    int64_t sent = 0;
    for (;;) {
      slice.clear();
      // (co_spawn wants a default-constructible result: no Result here.)
      auto [status, n] = co_await asio::co_spawn(
          pool,
          [&]() -> awaitable<std::pair<Status, size_t>> {
            try {
              Result<size_t> made = body->Next(kSlice, &slice);
              if (!made.ok()) co_return std::pair(made.status(), size_t{0});
              co_return std::pair(Status::Ok(), *made);
            } catch (const std::exception& e) {
              co_return std::pair(InternalError(e.what()), size_t{0});
            }
          },
          asio::use_awaitable);
      if (!status.ok() || sent + static_cast<int64_t>(n) > size ||
          (n == 0 && sent != size)) {
        log::Warn("response body cut off after {} of {} bytes: {}", sent, size,
                  status.ok() ? "its size changed" : status.ToString());
        co_return false;  // the connection closes short of Content-Length
      }
      sent += static_cast<int64_t>(n);
      out.body().data = n == 0 ? nullptr : slice.data();
      out.body().size = n;
      out.body().more = n != 0;
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      auto [ec, w] = co_await bhttp::async_write(stream, sr, kUse);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return false;
      if (n == 0) break;
    }
    co_return out.keep_alive();
  }

  awaitable<void> Session(tcp::socket socket) override {
    auto self = shared_from_this();
    std::string remote;
    {
      boost::system::error_code ec;
      auto ep = socket.remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string();
    }
    // The connection keeps the certificate it started with across a reload.
    std::shared_ptr<ssl::context> tls_context = tls.Get();
    Stream stream(beast::tcp_stream(std::move(socket)), *tls_context);
    auto conn =
        live.Add(beast::get_lowest_layer(stream), net::ClientKey(remote));
    if (!conn) {
      refused->Add();
      co_return;  // the socket closes with the stream
    }
    connections->Add(1);
    try {
      co_await Serve(stream, *conn, remote);
    } catch (const std::exception& e) {
      log::Error("HTTPS connection from {} failed: {}", remote, e.what());
    }
    connections->Add(-1);
  }

  // Whether a body of `length` bytes (unknown: chunked) may be read for
  // this request: up to unauthenticated_body_bytes for anyone, up to the
  // path's limit only for a signed-in caller, asked on the handler pool.
  // `who` is options.authenticated, or options.may_spool for a body that
  // would be spooled.
  awaitable<size_t> BodyLimit(
      const bhttp::request<bhttp::string_body>& msg,
      boost::optional<uint64_t> length, size_t path_limit,
      const std::string& remote,
      const std::function<bool(const http::Request&)>& who) {
    size_t anonymous = std::min(path_limit, options.unauthenticated_body_bytes);
    if (length && *length <= anonymous) co_return path_limit;
    if (!who) co_return anonymous;
    http::Request head = ToRequest(msg, remote);
    bool signed_in = co_await asio::co_spawn(
        pool,
        [&who, &head]() -> awaitable<bool> {
          try {
            co_return who(head);
          } catch (const std::exception& e) {
            log::Error("authenticating {} failed: {}", head.path, e.what());
            co_return false;
          }
        },
        asio::use_awaitable);
    co_return signed_in ? path_limit : anonymous;
  }

  // Reads the body of the request whose header `parser` holds into a new
  // spool a slice at a time (each slice encrypted and written on the
  // handler pool), and fills *req with the request and the spool as its
  // body_source. The read's error (the connection is then dropped), or
  // the spool's (the request is answered without being handled).
  awaitable<std::pair<boost::system::error_code, Status>> ReadToSpool(
      Stream& stream, beast::flat_buffer& buffer,
      bhttp::request_parser<bhttp::buffer_body>& parser,
      const std::string& remote, http::Request* req) {
    *req = ToRequest(parser.get(), remote);
    auto run = [this](auto fn) {
      return asio::co_spawn(
          pool,
          [fn = std::move(fn)]() -> awaitable<Status> {
            try {
              co_return fn();
            } catch (const std::exception& e) {
              co_return InternalError(e.what());
            }
          },
          asio::use_awaitable);
    };
    std::shared_ptr<crypto::Spool> spool;
    Status status = co_await run([&]() -> Status {
      auto made = crypto::Spool::Create(options.spool_dir);
      if (!made.ok()) return made.status();
      spool = std::move(*made);
      return Status::Ok();
    });
    if (!status.ok()) co_return std::pair(boost::system::error_code{}, status);
    constexpr size_t kSlice = 256 * 1024;
    std::string slice(kSlice, '\0');
    while (!parser.is_done()) {
      parser.get().body().data = slice.data();
      parser.get().body().size = slice.size();
      beast::get_lowest_layer(stream).expires_after(options.read_timeout);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser, kUse);
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) co_return std::pair(ec, Status::Ok());
      size_t got = slice.size() - parser.get().body().size;
      if (got == 0) continue;
      status = co_await run([&]() -> Status {
        return spool->Append(std::string_view(slice.data(), got));
      });
      // The rest of the body is not read: the connection closes after the
      // answer.
      if (!status.ok())
        co_return std::pair(boost::system::error_code{}, status);
    }
    status = co_await run([&]() -> Status {
      SP_RETURN_IF_ERROR(spool->Finish());
      auto source = spool->Open();
      if (!source.ok()) return source.status();
      req->body_source = std::move(*source);
      req->body_size = spool->size();
      return Status::Ok();
    });
    co_return std::pair(boost::system::error_code{}, status);
  }

  // Long: one connection's request loop as one coroutine (header, limits,
  // spooling, dispatch, response); a step split out would be a coroutine
  // frame more per request. To be split when it grows again.
  awaitable<void> Serve(Stream& stream, Connection& conn,
                        const std::string& remote) {
    beast::get_lowest_layer(stream).expires_after(options.read_timeout);
    auto [hec] =
        co_await stream.async_handshake(ssl::stream_base::server, kUse);
    if (hec) {
      tls_failures->Add();
      co_return;
    }
    beast::flat_buffer buffer;
    bool first = true;
    for (;;) {
      if (stopping) break;
      bhttp::request_parser<bhttp::string_body> parser;  // fresh per request
      parser.header_limit(static_cast<uint32_t>(options.max_header_bytes));
      // The header read checks Content-Length against the largest limit;
      // the path's own limit is applied once the target is known.
      size_t largest = options.max_body_bytes;
      for (const auto& large : options.large_body_paths) {
        largest = std::max(largest, large.max_bytes);
      }
      for (const auto& s : options.spooled_bodies) {
        largest = std::max(largest, s.max_bytes);
      }
      parser.body_limit(largest);
      conn.SetIdle(true);
      beast::get_lowest_layer(stream).expires_after(
          first ? options.read_timeout : options.idle_timeout);
      first = false;
      auto [ec, n] =
          co_await bhttp::async_read_header(stream, buffer, parser, kUse);
      conn.SetIdle(false);
      size_t body_limit = options.max_body_bytes;
      int copies = 1;  // of the body its handler holds (LargeBody::copies)
      const HttpServerOptions::SpooledBody* spooled = nullptr;
      if (!ec) {
        std::string_view target = parser.get().target();
        target = target.substr(0, target.find('?'));
        for (const auto& large : options.large_body_paths) {
          if (http::PathMatches(large.path, target)) {
            body_limit = large.max_bytes;
            copies = large.copies;
          }
        }
        auto length = parser.content_length();
        if (!parser.is_done() &&
            (!length || *length > options.max_body_bytes)) {
          std::string_view type = parser.get()[bhttp::field::content_type];
          for (const auto& s : options.spooled_bodies) {
            if (target == s.path && type.starts_with(s.content_type)) {
              spooled = &s;
              body_limit = s.max_bytes;
            }
          }
        }
        if (!parser.is_done()) {
          size_t allowed = co_await BodyLimit(
              parser.get(), length, body_limit, remote,
              spooled != nullptr ? options.may_spool : options.authenticated);
          if (allowed < body_limit) spooled = nullptr;  // not signed in
          // A handler's copies are reserved for a signed-in caller's large
          // body only: a small one is let through unasked (BodyLimit), and
          // anyone may send it.
          if (allowed < body_limit ||
              (length && *length <= options.unauthenticated_body_bytes)) {
            copies = 1;
          }
          body_limit = allowed;
        }
        parser.body_limit(body_limit);
        if (length && *length > body_limit) {
          ec = bhttp::error::body_limit;
        }
      }
      http::Request req;
      unsigned version = 11;
      bool keep_alive = false;
      Status spool_status;
      // This request's body in memory, given back after its answer.
      MemoryReservation held(&body_memory);
      if (!ec && spooled != nullptr && options.disk_has_room &&
          !options.disk_has_room(parser.content_length().value_or(0))) {
        // Below server.min_free_bytes: refused from the header, before
        // any byte of the body is written.
        spool_status = ResourceExhaustedError("not enough free disk space");
      } else if (!ec && spooled != nullptr) {
        // Read into the spool a slice at a time (the parser, its header
        // read, now takes the body into our buffer).
        bhttp::request_parser<bhttp::buffer_body> sp{std::move(parser)};
        sp.body_limit(body_limit);
        std::tie(ec, spool_status) =
            co_await ReadToSpool(stream, buffer, sp, remote, &req);
        version = sp.get().version();
        keep_alive = sp.get().keep_alive();
      } else if (!ec && !parser.is_done() &&
                 !held.GrowTo(copies * static_cast<int64_t>(
                                           parser.content_length().value_or(
                                               body_limit)))) {
        // Too many bodies in memory already: refused before any byte of
        // this one is read (the connection closes: its body is unread).
        log::Warn("request body for {} refused: {} bytes of bodies in memory",
                  parser.get().target(), body_memory.used());
        http::Response busy = http::Response::JsonError(
            503, "unavailable",
            "the server holds too many request bodies now; try again later");
        busy.headers.emplace_back("Retry-After", "5");
        co_await Send(stream, std::move(busy), parser.get().version(), false);
        break;
      } else if (!ec && !parser.is_done()) {
        beast::get_lowest_layer(stream).expires_after(options.read_timeout);
        std::tie(ec, n) =
            co_await bhttp::async_read(stream, buffer, parser, kUse);
      }
      if (!ec && !spool_status.ok()) {
        // The body could not be kept (a full disk): nothing was done with
        // it, the client may try again later.
        log::Warn("request body for {} not spooled: {}", req.path,
                  spool_status.ToString());
        co_await Send(
            stream,
            http::Response::JsonError(503, "unavailable",
                                      "the server cannot take this body now: " +
                                          spool_status.message()),
            version, false);
        break;
      }
      if (ec) {
        http::Response err;
        if (ec == bhttp::error::body_limit) {
          err = http::Response::JsonError(
              413, "payload_too_large",
              "request body exceeds " + std::to_string(body_limit) +
                  " bytes (the limit before sign-in is " +
                  std::to_string(options.unauthenticated_body_bytes) + ")");
        } else if (ec == bhttp::error::header_limit) {
          err = http::Response::JsonError(431, "headers_too_large",
                                          "request headers too large");
        } else if (ec == bhttp::error::end_of_stream ||
                   ec == bhttp::error::partial_message ||
                   ec.category() !=
                       bhttp::make_error_code(bhttp::error::bad_method)
                           .category()) {
          break;  // closed, timed out, reset or TLS error: nothing to answer
        } else {
          err = http::Response::JsonError(
              400, "bad_request", "malformed HTTP request: " + ec.message());
        }
        co_await Send(stream, std::move(err), 11, false);
        break;
      }
      if (spooled == nullptr) {
        auto& msg = parser.get();
        req = ToRequest(msg, remote);
        version = msg.version();
        keep_alive = msg.keep_alive();
      }
      req.memory = &held;
      auto started = std::chrono::steady_clock::now();
      // The handler, or the rest of its answer once it was resumed.
      std::function<http::Response()> step = [this, &req] {
        return handler(req);
      };
      auto run = [&req, &step]() -> http::Response {
        try {
          return step();
        } catch (const std::exception& e) {
          log::Error("handler for {} failed: {}", req.path, e.what());
          return http::Response::JsonError(500, "internal", "internal error");
        }
      };
      bool on_io_thread = options.run_inline && options.run_inline(req);
      http::Response res;
      for (;;) {
        if (on_io_thread) {
          res = run();
        } else {
          res = co_await asio::co_spawn(
              pool, [&run]() -> awaitable<http::Response> { co_return run(); },
              asio::use_awaitable);
        }
        if (res.later == nullptr) break;
        // Resumed by whatever it waits for (a commit), then finished on
        // the same side as the handler ran, unless that is heavy work.
        if (res.later->heavy) on_io_thread = false;
        step = co_await Resumed(std::move(res.later));
      }
      if (req.method == "HEAD") {
        res.body.clear();
        res.stream = nullptr;
      }
      requests_seconds->Observe(std::chrono::duration<double>(
                                    std::chrono::steady_clock::now() - started)
                                    .count());
      bool keep = co_await Send(stream, std::move(res), version, keep_alive);
      if (!keep) break;
    }
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    co_await stream.async_shutdown(kUse);
  }
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options,
                       http::Handler handler, MetricsRegistry& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler),
                                   metrics)) {}

HttpServer::~HttpServer() { impl_->pool.join(); }

Status HttpServer::ReloadTls() {
  return impl_->tls.Reload(impl_->options.cert_file, impl_->options.key_file,
                           "HTTPS");
}

Status HttpServer::Start() {
  SP_RETURN_IF_ERROR(impl_->LoadTls());
  return impl_->Listen(impl_->options.listen, "HTTPS");
}

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Shutdown() { impl_->Shutdown(); }

}  // namespace sealpost::server
