// SmtpServer: the gateway's SMTP listener. One Asio coroutine per
// connection, on its own strand, drives the pure ServerProtocol
// (server_protocol.h): every read has a deadline, the session has a total
// time limit, connections are capped. STARTTLS uses the server certificate
// with TLS 1.2 as the floor. What is accepted from whom (relay, forged
// internal senders, the sender bound to an AUTH login) is GatewayPolicy's
// (gateway_policy.h). A submission listener (RFC 6409) offers AUTH after
// STARTTLS and checks logins with an Authenticator on its own threads, a
// few at a time (Argon2id costs memory). A message is prepended a Received
// header (RFC 5321 §4.4) naming the TLS version and cipher of this leg, checked
// for a mail loop (RFC 5321 §6.3: too many Received headers -> 554 5.4.6), and
// handed to the queue; the 250 is sent only once the queue has committed it.
// A client in xforward_hosts may name the client it proxies (XFORWARD); that
// client is the one in Received, the trace and the logs, and the one whose
// network decides whether a sender in our domain is internal. Relay stays
// with the connecting client: the proxy has already applied its own relay
// rules, e.g. for its SASL-authenticated users (GatewayPolicy).
//
// Thread-safety: Start() once, then Shutdown() and ReloadTls() from any
// thread.
#ifndef SEALPOST_SMTP_SERVER_H_
#define SEALPOST_SMTP_SERVER_H_

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "base/config.h"
#include "base/metrics.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "queue/queue.h"
#include "smtp/gateway_policy.h"
#include "smtp/received.h"
#include "smtp/server_protocol.h"

namespace boost::asio {
class io_context;
class thread_pool;
}  // namespace boost::asio

namespace sealpost::smtp {

// Checks SMTP AUTH logins (the directory's users and passwords).
// Thread-safety: Verify is called from several threads at once.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The address `user` belongs to (lower case), UNAUTHENTICATED for a wrong
  // user or password, RESOURCE_EXHAUSTED when the user or the client
  // address has failed too often. May block for a while (Argon2id).
  virtual Result<std::string> Verify(std::string_view user,
                                     const SecretBytes& password,
                                     std::string_view client) = 0;
};

struct SmtpServerOptions {
  HostPort listen;
  std::string cert_file;  // empty: no STARTTLS
  std::string key_file;
  ProtocolOptions protocol;                   // hostname, limits, require_tls
  std::vector<std::string> accepted_domains;  // lower-case
  std::string client_networks = "127.0.0.0/8,::1/128";
  // Clients that may send XFORWARD (a proxy in front, e.g. Postfix): the
  // client it names then appears in Received, the trace and the logs.
  std::string xforward_hosts = "127.0.0.1,::1";
  ForgedSender forged_internal_sender = ForgedSender::kReject;
  // Checks AUTH logins when protocol.auth_available; must outlive the
  // server. Null: every AUTH gets 454.
  Authenticator* authenticator = nullptr;
  // Logins being checked or waiting for a thread; beyond it, 454 at once.
  size_t max_pending_auth = 32;
  size_t max_connections = 1000;
  // Per client address (net::ClientKey) outside client_networks, so that
  // one client cannot hold every session (Postfix's
  // smtpd_client_connection_count_limit, $mynetworks exempt); 0: none.
  size_t max_connections_per_client = 50;
  // RFC 5321 §4.5.3.2.7: the server waits at least 5 minutes for a command.
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{300};
  std::chrono::seconds session_timeout{3600};
  int max_received_headers = 50;
};

class SmtpServer {
 public:
  SmtpServer(boost::asio::io_context& io, SmtpServerOptions options,
             queue::Acceptor& queue, MetricsRegistry& metrics);
  ~SmtpServer();

  // Validates the networks, loads the certificate, binds, accepts.
  Status Start();
  uint16_t port() const;
  // Stops accepting and closes idle sessions; a session waiting for its
  // commit finishes it first.
  void Shutdown();
  // Reads the certificate and key files again (SIGHUP): new sessions get
  // the new pair, open ones keep theirs. On an error the old pair stays.
  // Any thread, after Start().
  Status ReloadTls();

 private:
  struct Impl;
  // Declared first, so destroyed (joined) after impl_ is released.
  std::unique_ptr<boost::asio::thread_pool> auth_pool_;
  std::shared_ptr<Impl> impl_;
};

// Parses "10.0.0.0/8,::1/128,192.0.2.7"; InvalidArgument names the setting
// and the bad item.
Status ValidateNetworks(std::string_view networks,
                        std::string_view setting = "smtp.client_networks");

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_SERVER_H_
