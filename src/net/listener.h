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
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "base/config.h"
#include "base/status.h"

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

// Closes `acceptor` on its own executor; `owner` (what holds the acceptor)
// lives until then.
void CloseAcceptor(boost::asio::ip::tcp::acceptor& acceptor,
                   std::shared_ptr<const void> owner);

// A server's open connections, so that a shutdown can cancel the pending
// reads of the idle ones and let the busy ones finish.
class LiveConnections {
 public:
  // One connection: `idle` and `closed` are touched only on its strand.
  struct Entry {
    boost::beast::tcp_stream* stream = nullptr;
    bool idle = true;
    bool closed = false;
  };

  std::shared_ptr<Entry> Add(boost::beast::tcp_stream& stream);
  // Marks it closed (its stream is about to go) and forgets it.
  void Remove(const std::shared_ptr<Entry>& entry);
  // Cancels the read of every idle connection, on the connection's strand.
  void CancelIdle();

 private:
  std::mutex mu_;
  std::set<std::shared_ptr<Entry>> live_;  // guarded by mu_
};

}  // namespace sealpost::net

#endif  // SEALPOST_NET_LISTENER_H_
