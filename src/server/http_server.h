// HttpServer: the HTTPS listener (Boost.Beast over OpenSSL). TLS 1.2 is the
// floor and TLS 1.3 is preferred; every read has a deadline, every request a
// header and body limit, and every request gets a fresh parser. Handlers run
// on a separate thread pool, never on the I/O threads, because they may block
// on the store or on heavy crypto.
//
// Thread-safety: Start() once, then Shutdown() and ReloadTls() from any
// thread.
#ifndef SEALPOST_SERVER_HTTP_SERVER_H_
#define SEALPOST_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/config.h"
#include "base/metrics.h"
#include "base/status.h"
#include "http/http.h"

namespace boost::asio {
class io_context;
}

namespace sealpost::server {

struct HttpServerOptions {
  HostPort listen;
  std::string cert_file;
  std::string key_file;
  size_t max_body_bytes = 1 << 20;
  // Larger limits for paths that carry whole messages: a path ending in
  // '*' is a prefix ("/api/v1/smime/*"), a '*' before the end one segment
  // ("/m/*/reply"): http::PathMatches. `copies`: how many times its
  // handler holds the body at its peak (a form with files: parsed,
  // decoded, composed in base64, sealed), all counted against
  // max_memory_bytes while it runs.
  struct LargeBody {
    std::string path;
    size_t max_bytes = 0;
    int copies = 1;
  };
  std::vector<LargeBody> large_body_paths;
  // Bodies written to a spool file as they arrive (crypto::Spool in
  // spool_dir: encrypted, unlinked) instead of memory, for a request to
  // `path` whose Content-Type starts with `content_type` and whose body is
  // larger than max_body_bytes (or chunked), up to `max_bytes`: the
  // handler reads it from http::Request::body_source (issue 14). Only for
  // a caller with an API token (`may_spool`, asked from the header before
  // any byte of the body is read); anyone else keeps the limit below.
  struct SpooledBody {
    std::string path;
    std::string content_type;
    size_t max_bytes = 0;
  };
  std::vector<SpooledBody> spooled_bodies;
  std::string spool_dir;  // empty: /tmp
  // Whether spool_dir's disk keeps its floor after a body of that many
  // bytes (its Content-Length; 0 if chunked) is spooled
  // (server.min_free_bytes): false gets 503 from the header alone. Null:
  // not asked.
  std::function<bool(uint64_t bytes)> disk_has_room;
  // Bytes of request bodies read into memory at once
  // (server.https_max_memory_bytes): a body not spooled reserves its
  // Content-Length (a chunked one, its path's limit) before a byte of it is
  // read, and gives it back once its answer is sent. No room: 503 with
  // Retry-After from the header alone, instead of the process growing with
  // every large upload in flight. 0: no limit.
  int64_t max_memory_bytes = 0;
  size_t max_header_bytes = 16 << 10;
  // Bodies of requests that are not signed in stop here, whatever the
  // path allows: an anonymous client must not make us buffer megabytes.
  size_t unauthenticated_body_bytes = 64 << 10;
  // Whether a request (its header; runs on the handler pool, may use the
  // store) carries a live API token or portal session. Null: nobody is.
  std::function<bool(const http::Request&)> authenticated;
  // Whether a request may have its body spooled (spooled_bodies): a live
  // API token, never a portal session, so a reader signed in to the portal
  // cannot make us write 160 MiB to disk for a route that refuses it. Null:
  // nobody may.
  std::function<bool(const http::Request&)> may_spool;
  // Open connections at most, in all and per client (net::ClientKey); at
  // the limit the longest idle one is closed for the newcomer. 0: none.
  size_t max_connections = 0;
  size_t max_connections_per_client = 0;
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds idle_timeout{75};
  int handler_threads = 4;
  // Requests for which this returns true run on the I/O thread that read
  // them (no hand-off to the handler pool): only for handlers that never
  // block (static assets, cached pages). Null: every request uses the pool.
  std::function<bool(const http::Request&)> run_inline;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options,
             http::Handler handler, MetricsRegistry& metrics);
  ~HttpServer();

  // Loads the certificate, binds and starts accepting.
  Status Start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Stops accepting, closes idle keep-alive connections, lets requests in
  // flight finish (their responses carry "Connection: close").
  void Shutdown();
  // Reads the certificate and key files again (SIGHUP): new connections get
  // the new pair, open ones keep theirs. On an error the old pair stays.
  // Any thread, after Start().
  Status ReloadTls();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_HTTP_SERVER_H_
