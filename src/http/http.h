// HTTP request and response as plain values, and a small router, shared by
// the JSON API and the portal. No Beast here: the Beast session in
// server/http_server.cc converts to and from these types, so handler code
// compiles fast and is tested without sockets.
//
// Thread-safety: value types; Router is immutable after set-up and may be
// called from any thread.
#ifndef SEALPOST_HTTP_HTTP_H_
#define SEALPOST_HTTP_HTTP_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/byte_source.h"
#include "base/json_quote.h"
#include "base/status.h"

namespace sealpost {
class MemoryReservation;
}  // namespace sealpost

namespace sealpost::http {

struct Request {
  std::string method;  // "GET"
  std::string target;  // "/api/v1/x?y=1"
  std::string path;    // "/api/v1/x" (percent-decoding is the handler's job)
  std::string query;   // "y=1"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower
  std::string body;
  // Set instead of `body` for a body too large to hold (issue 14: the
  // server's spooled paths, HttpServerOptions::spooled_bodies): read it
  // from here a slice at a time; `body_size` bytes in all.
  std::shared_ptr<ByteSource> body_source;
  int64_t body_size = 0;
  std::string remote_address;
  // This request's share of server.https_max_memory_bytes, given back once
  // its answer is sent: a handler that builds a large answer in memory
  // grows it first (MemoryReservation::GrowTo) and answers 503 when that
  // fails. Null: nothing is counted.
  MemoryReservation* memory = nullptr;
  // Filled by the router: ":id" segments of the matched pattern.
  std::map<std::string, std::string> params;

  // Header value by lower-case name; empty when absent.
  std::string_view Header(std::string_view lower_name) const;
  // Query parameter (first occurrence), percent-decoded; empty when absent.
  std::string QueryParam(std::string_view name) const;
  // The same, nullopt when absent: for a parameter whose absence means
  // something else than an empty value (an authorization response's iss).
  std::optional<std::string> FindQueryParam(std::string_view name) const;
};

struct Response;

// The rest of an answer that waits on something other than the handler's
// thread (a key release's audit record being committed): the server calls
// `start` once with a Resume; whoever finishes the wait calls it once, from
// any thread, with a Finish, and the server calls that on the connection's
// side (the thread the handler ran on, or the handler pool) for the
// response to send. Nothing holds a thread while it waits.
struct Later {
  using Finish = std::function<Response()>;
  using Resume = std::function<void(Finish)>;
  std::function<void(Resume)> start;
  // The Finish is heavy work (a large message's page): run it on the
  // handler pool even when the handler ran on an I/O thread, which other
  // connections share.
  bool heavy = false;
};

// A body made a slice at a time while it is sent (a large download), never
// whole in memory: the server asks for the next slice once the one before
// was written, on the handler pool (one call at a time).
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  // Total bytes, known before the first: sent as Content-Length.
  virtual int64_t size() const = 0;
  // Appends up to `max` bytes to *out; 0 at the end. After the header
  // nothing else can be said: an error (or a size that does not match)
  // closes the connection short of Content-Length, which clients report.
  virtual Result<size_t> Next(size_t max, std::string* out) = 0;
};

// A BodyStream over an object it owns that knows its size and gives its
// bytes a slice at a time with `Next(max, out)` or `Read(max, out)` (the
// wrapper made as it is sent, a decoded part, a body file).
template <class Source>
class OwningBodyStream final : public BodyStream {
 public:
  explicit OwningBodyStream(std::unique_ptr<Source> source)
      : source_(std::move(source)) {}
  int64_t size() const override { return source_->size(); }
  Result<size_t> Next(size_t max, std::string* out) override {
    if constexpr (requires { source_->Next(max, out); }) {
      return source_->Next(max, out);
    } else {
      return source_->Read(max, out);
    }
  }

 private:
  std::unique_ptr<Source> source_;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set: this is not the answer yet (the other fields are unused); the
  // server waits for `later` (see Later).
  std::shared_ptr<const Later> later;
  // Set: the body, sent a slice at a time (`body` is unused).
  std::shared_ptr<BodyStream> stream;

  static Response Json(int status, std::string body);
  // {"error": {"code": "...", "message": "..."}}
  static Response JsonError(int status, std::string_view code,
                            std::string_view message);
  static Response Text(int status, std::string body);
};

using Handler = std::function<Response(Request&)>;

// Routes by method and path pattern ("/api/v1/messages/:id").
class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // 404 for an unknown path, 405 for a known path with another method.
  Response Dispatch(Request& request) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

// Whether `path` (no query) fits `pattern`: the same string; with a '*'
// at the end, any path it starts ("/api/v1/smime/*"); with a '*' before
// the end, one segment in its place ("/m/*/reply").
bool PathMatches(std::string_view pattern, std::string_view path);

std::string PercentDecode(std::string_view s);
// Every byte but the RFC 3986 unreserved ones as %XX: safe in a path
// segment and in a query value.
std::string PercentEncode(std::string_view s);
std::string_view StatusReason(int status);
// Content-Disposition for a download named `filename` (RFC 6266): an ASCII
// fallback in filename="" and the UTF-8 name in filename* (RFC 8187). Names
// longer than kMaxFilenameBytes are shortened (the extension kept, UTF-8
// cut between characters), so a header never grows with the name.
inline constexpr size_t kMaxFilenameBytes = 150;
std::string AttachmentDisposition(std::string_view filename);
using ::sealpost::JsonQuote;  // base/json_quote.h

}  // namespace sealpost::http

#endif  // SEALPOST_HTTP_HTTP_H_
