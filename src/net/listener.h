// The TCP listener both servers share (HTTPS for the portal and the API,
// SMTP for the gateway): the server side TLS settings, binding, and the
// accept loop that gives every connection a strand of its own.
//
// Thread-safety: ConfigureServerTls and Listen run before the I/O threads
// start; AcceptLoop runs on the acceptor's executor.
#ifndef SEALPOST_NET_LISTENER_H_
#define SEALPOST_NET_LISTENER_H_

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>

#include "base/config.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace sealpost::net {

// TLS 1.2 and up, ECDHE with AES-GCM or ChaCha20-Poly1305 in the server's
// order, no compression and no renegotiation; the certificate chain and its
// key from PEM files. `what` names the service in errors ("HTTPS").
Status ConfigureServerTls(boost::asio::ssl::context& tls,
                          const std::string& cert_file,
                          const std::string& key_file, std::string_view what);

// A server's TLS context, replaceable while the server runs (SIGHUP after
// certbot renewed the certificate): each connection takes the current
// context when it starts and keeps it to its end, so a reload drops no
// connection; Load swaps a new context in only once the certificate and key
// have both loaded and match, so a bad new pair leaves the old one serving.
//
// Thread-safety: Load and Get from any thread.
class ServerTls {
 public:
  // A context without a certificate until the first Load.
  ServerTls();
  // ConfigureServerTls on a fresh context, then swaps it in.
  Status Load(const std::string& cert_file, const std::string& key_file,
              std::string_view what) SP_EXCLUDES(mu_);
  // Load for a running server, saying in the log what happened: the new
  // pair, or the error and that the pair in use stays.
  Status Reload(const std::string& cert_file, const std::string& key_file,
                std::string_view what) SP_EXCLUDES(mu_);
  // The current context; keep the pointer for the connection's lifetime.
  std::shared_ptr<boost::asio::ssl::context> Get() const SP_EXCLUDES(mu_);

 private:
  mutable Mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_ SP_GUARDED_BY(mu_);
};

// Opens, binds (SO_REUSEADDR) and listens on `listen`, an IP address
// ("localhost" is 127.0.0.1). `what` names the service in errors.
Status Listen(boost::asio::ip::tcp::acceptor& acceptor, const HostPort& listen,
              std::string_view what);

using Session =
    std::function<boost::asio::awaitable<void>(boost::asio::ip::tcp::socket)>;

// Accepts until the acceptor is closed or `stopping` is set; each
// connection runs `session` on a strand of its own. `session` may own what
// the sessions need (the loop keeps it until it ends).
boost::asio::awaitable<void> AcceptLoop(
    boost::asio::ip::tcp::acceptor& acceptor, const std::atomic<bool>& stopping,
    Session session);

// Listen, then AcceptLoop on the acceptor's executor.
Status StartListening(boost::asio::ip::tcp::acceptor& acceptor,
                      const HostPort& listen, std::string_view what,
                      const std::atomic<bool>& stopping, Session session);

// Raises the soft limit on open descriptors to the hard one (a server
// holds one per connection) and returns the soft limit then in force.
size_t RaiseDescriptorLimit();

// Closes `acceptor` on its own executor; `owner` (what holds the acceptor)
// lives until then.
void CloseAcceptor(boost::asio::ip::tcp::acceptor& acceptor,
                   std::shared_ptr<const void> owner);

// A server's open connections, so that a shutdown can cancel the pending
// reads of the idle ones and let the busy ones finish, and so that neither
// one client nor a crowd of them can take every connection: at a limit, the
// connection idle longest (of that client, else of anyone) makes room for
// the new one. An idle connection is one waiting for its TLS handshake or
// its next request, which costs a real reader nothing but a reconnect.
class LiveConnections {
 public:
  struct Limits {
    size_t max_total = 0;       // 0: no limit
    size_t max_per_client = 0;  // per ClientKey; 0: no limit
  };
  // One connection. `idle` is set on its strand and read by Add.
  struct Entry {
    // Not owned: the session's, which unregisters before it goes.
    boost::beast::tcp_stream* stream = nullptr;
    std::string client;  // ClientKey of the peer
    std::atomic<bool> idle{true};
    std::atomic<int64_t> idle_since_ns{0};
    bool closed = false;  // touched only on the connection's strand
    void SetIdle(bool now_idle);
  };

  // Holds a connection's place; its destructor forgets the connection, so
  // no path out of a session (an exception included) leaves a dangling
  // stream behind for CancelIdle.
  class Registration {
   public:
    Registration() = default;
    Registration(LiveConnections* owner, std::shared_ptr<Entry> entry)
        : owner_(owner), entry_(std::move(entry)) {}
    Registration(Registration&& other) noexcept = default;
    Registration& operator=(Registration&&) = delete;
    ~Registration();
    explicit operator bool() const { return entry_ != nullptr; }
    Entry& operator*() const { return *entry_; }
    Entry* operator->() const { return entry_.get(); }

   private:
    // Not owned: the LiveConnections that made this, which outlives it.
    LiveConnections* owner_ = nullptr;
    std::shared_ptr<Entry> entry_;
  };

  LiveConnections() = default;
  explicit LiveConnections(Limits limits) : limits_(limits) {}

  // Registers `stream`, a connection from `client` (a ClientKey). At a
  // limit the longest idle connection is closed to make room; an empty
  // Registration (refuse the connection) when none is idle.
  Registration Add(boost::beast::tcp_stream& stream, std::string client = "");
  // Cancels the read of every idle connection, on the connection's strand.
  void CancelIdle();

 private:
  void Remove(const std::shared_ptr<Entry>& entry) SP_EXCLUDES(mu_);
  // Picks the longest idle connection (of `client` when not empty) and
  // closes it on its strand; false when there is none.
  bool EvictIdle(const std::string& client) SP_REQUIRES(mu_);

  const Limits limits_{};
  Mutex mu_;
  std::set<std::shared_ptr<Entry>> live_ SP_GUARDED_BY(mu_);
  std::map<std::string, size_t> per_client_ SP_GUARDED_BY(mu_);
};

// What both servers' implementations share: the acceptor, the TLS context,
// the open connections and the stopping flag, and the steps that use only
// those. A server's implementation derives from it and serves each
// connection in Session; it is held by a shared_ptr (the accept loop and
// the sessions keep it alive).
//
// Thread-safety: Listen once, before the I/O threads run; Shutdown from
// any thread; the members are each safe for their own use (atomic, or
// documented above).
struct Listener : std::enable_shared_from_this<Listener> {
  Listener(boost::asio::io_context& io, LiveConnections::Limits limits);
  virtual ~Listener() = default;

  // One connection, on its own strand, until it closes.
  virtual boost::asio::awaitable<void> Session(
      boost::asio::ip::tcp::socket socket) = 0;

  // StartListening with Session for each connection.
  Status Listen(const HostPort& listen, std::string_view what);
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Stops accepting and cancels the reads of the idle connections; the
  // busy ones finish (their sessions see `stopping`).
  void Shutdown();

  ServerTls tls;
  boost::asio::ip::tcp::acceptor acceptor;
  LiveConnections live;
  std::atomic<bool> stopping{false};
};

}  // namespace sealpost::net

#endif  // SEALPOST_NET_LISTENER_H_
