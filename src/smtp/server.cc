// The one translation unit that instantiates Asio/SSL templates for the SMTP
// server side: the listener and the per-connection session.
#include "smtp/server.h"

#include <openssl/ssl.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/network_v4.hpp>
#include <boost/asio/ip/network_v6.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "base/clock.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/thread_annotations.h"
#include "net/asio_names.h"
#include "net/client_key.h"
#include "net/listener.h"
#include "queue/dsn.h"
#include "queue/routes.h"
#include "smtp/received.h"

namespace sealpost::smtp {

namespace {

struct Network {
  bool v6 = false;
  asio::ip::network_v4 net4;
  asio::ip::network_v6 net6;
};

Result<std::vector<Network>> ParseNetworks(std::string_view text,
                                           std::string_view setting) {
  std::vector<Network> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view()
                                           : text.substr(comma + 1);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (item.empty()) continue;
    boost::system::error_code ec;
    Network n;
    std::string cidr = item;
    if (cidr.find('/') == std::string::npos) {
      cidr += cidr.find(':') != std::string::npos ? "/128" : "/32";
    }
    if (cidr.find(':') != std::string::npos) {
      n.v6 = true;
      n.net6 = asio::ip::make_network_v6(cidr, ec);
    } else {
      n.net4 = asio::ip::make_network_v4(cidr, ec);
    }
    if (ec) {
      return InvalidArgumentError(std::string(setting) + ": '" + item +
                                  "' is not a network (use CIDR, e.g. "
                                  "10.0.0.0/8)");
    }
    out.push_back(n);
  }
  return out;
}

bool InNetworks(const std::vector<Network>& nets, asio::ip::address addr) {
  if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
    addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  }
  for (const Network& n : nets) {
    if (n.v6 && addr.is_v6()) {
      asio::ip::network_v6 host(addr.to_v6(), n.net6.prefix_length());
      if (host.canonical() == n.net6.canonical()) return true;
    } else if (!n.v6 && addr.is_v4()) {
      asio::ip::network_v4 host(addr.to_v4(), n.net4.prefix_length());
      if (host.canonical() == n.net4.canonical()) return true;
    }
  }
  return false;
}

}  // namespace

Status ValidateNetworks(std::string_view networks, std::string_view setting) {
  return ParseNetworks(networks, setting).status();
}

// Connections are capped by `open` (a 421 greeting at the limit), not by
// the listener's LiveConnections, which only finds the idle ones.
struct SmtpServer::Impl : net::Listener {
  Impl(asio::io_context& io, SmtpServerOptions opts, queue::Acceptor& q,
       MetricsRegistry& m, asio::thread_pool* pool)
      : net::Listener(io, {}),
        options(std::move(opts)),
        queue(q),
        auth_pool(pool) {
    connections =
        m.GetGauge("sealpost_smtp_connections", "Open SMTP server connections");
    sessions = m.GetCounter("sealpost_smtp_sessions_total",
                            "SMTP server sessions accepted");
    refused = m.GetCounter("sealpost_smtp_connections_refused_total",
                           "SMTP connections refused (limit)");
    tls_failures = m.GetCounter("sealpost_smtp_tls_failures_total",
                                "Failed SMTP STARTTLS handshakes");
    rejected = m.GetCounter("sealpost_smtp_messages_rejected_total",
                            "Messages answered 4xx/5xx after DATA");
    auth_failures = m.GetCounter("sealpost_smtp_auth_failures_total",
                                 "SMTP AUTH attempts refused");
  }

  SmtpServerOptions options;
  queue::Acceptor& queue;
  asio::thread_pool* auth_pool;  // null: no AUTH
  std::atomic<size_t> auth_pending{0};
  bool tls_loaded = false;  // set in Start, before any session
  std::vector<Network> networks;
  std::vector<Network> xforward_networks;
  std::atomic<size_t> open{0};
  Mutex clients_mu;
  std::map<std::string, size_t> per_client SP_GUARDED_BY(clients_mu);
  Gauge* connections;
  Counter* sessions;
  Counter* refused;
  Counter* tls_failures;
  Counter* rejected;
  Counter* auth_failures;

  Status LoadTls() {
    if (options.cert_file.empty()) return Status::Ok();
    SP_RETURN_IF_ERROR(
        tls.Load(options.cert_file, options.key_file, "SMTP STARTTLS"));
    tls_loaded = true;
    return Status::Ok();
  }

  Status ReloadTls() {
    if (!tls_loaded) return Status::Ok();
    return tls.Reload(options.cert_file, options.key_file, "SMTP STARTTLS");
  }

  // Hands the message to the queue and waits for the commit (on this
  // coroutine's strand).
  template <typename Token>
  auto AsyncCommit(queue::IncomingMessage m, Token&& token) {
    return asio::async_initiate<Token, void(Status)>(
        [this](auto handler, queue::IncomingMessage m) {
          auto ex = asio::get_associated_executor(handler);
          auto work = asio::make_work_guard(ex);
          auto h = std::make_shared<decltype(handler)>(std::move(handler));
          queue.Accept(std::move(m), [h, ex, work](Status s) mutable {
            asio::post(ex,
                       [h, s = std::move(s)]() mutable { (*h)(std::move(s)); });
            work.reset();
          });
        },
        token, std::move(m));
  }

  // Runs the Authenticator on the AUTH threads and resumes on this
  // coroutine's strand.
  template <typename Token>
  auto AsyncVerify(SaslLogin login, std::string client, Token&& token) {
    return asio::async_initiate<Token, void(Result<std::string>)>(
        [this](auto handler, SaslLogin login, std::string client) {
          auto ex = asio::get_associated_executor(handler);
          auto work = asio::make_work_guard(ex);
          asio::post(
              *auth_pool,
              [this, h = std::move(handler), ex, work = std::move(work),
               login = std::move(login), client = std::move(client)]() mutable {
                Result<std::string> r = options.authenticator->Verify(
                    login.user, login.password, client);
                asio::post(ex, [h = std::move(h), r = std::move(r)]() mutable {
                  h(std::move(r));
                });
                work.reset();
              });
        },
        token, std::move(login), std::move(client));
  }

  awaitable<Result<std::string>> VerifyLogin(SaslLogin login,
                                             const std::string& remote,
                                             const std::string& client_key) {
    if (options.authenticator == nullptr || auth_pool == nullptr) {
      co_return UnavailableError("no authenticator");
    }
    if (auth_pending.fetch_add(1) >= options.max_pending_auth) {
      auth_pending.fetch_sub(1);
      co_return UnavailableError("too many logins being checked");
    }
    Result<std::string> r =
        co_await AsyncVerify(std::move(login), client_key, asio::use_awaitable);
    auth_pending.fetch_sub(1);
    // Never the password, nor the user name tried (often a password typed
    // into the wrong field).
    if (r.ok()) {
      log::Info("smtp: AUTH as {} from [{}]", *r, remote);
    } else {
      auth_failures->Add();
      log::Info("smtp: AUTH refused from [{}]: {}", remote,
                r.status().message());
    }
    co_return r;
  }

  awaitable<Reply> Commit(Action& a, const std::string& remote,
                          const std::string& tls_version,
                          const std::string& tls_cipher, bool trusted_sender) {
    // The message's share of smtp.max_memory_bytes, given back once the
    // queue has committed it (or refused it).
    MemoryReservation held = std::move(a.reservation);
    std::string head;  // a spooled message's first bytes, for the loop check
    if (a.spool != nullptr) {
      Status read = a.spool->Restart();
      while (read.ok() && head.size() < options.protocol.spool_threshold) {
        auto n = a.spool->Read(64 * 1024, &head);
        if (!n.ok()) read = n.status();
        if (!n.ok() || *n == 0) break;
      }
      if (!read.ok()) {
        rejected->Add();
        log::Error("smtp: spool file from [{}] does not read back: {}", remote,
                   read.ToString());
        co_return Reply::Make(451, "4.3.0", "Local error in processing");
      }
    }
    if (CountReceivedHeaders(a.spool != nullptr ? head : a.message) >=
        options.max_received_headers) {
      // RFC 5321 §6.3 loop detection; RFC 3463 X.4.6 routing loop.
      rejected->Add();
      log::Warn("smtp: mail loop from [{}]: too many Received headers", remote);
      co_return Reply::Make(554, "5.4.6",
                            "Too many hops: mail forwarding loop detected");
    }
    queue::IncomingMessage m;
    m.id = queue::NewQueueId();
    const Envelope& e = a.envelope;
    m.mail_from = e.mail_from;
    for (const Recipient& r : e.recipients) {
      m.recipients.push_back({r.address, r.notify, r.orcpt});
    }
    m.params.body_8bit = e.body == BodyType::k8BitMime;
    m.params.smtputf8 = e.smtputf8;
    m.params.ret = e.ret == DsnReturn::kFull      ? "FULL"
                   : e.ret == DsnReturn::kHeaders ? "HDRS"
                                                  : "";
    // A sender nobody checked (a client outside smtp.client_networks
    // without a login, or one the proxy names so) gets its bounces, ours
    // and the next hop's, with the header section only, whatever RET it
    // asked for: a forged MAIL FROM must not turn a failed delivery into
    // mail carrying its content to a third party (backscatter; was: the
    // whole message, up to 1 MiB, to whoever MAIL FROM named).
    if (!trusted_sender) m.params.ret = "HDRS";
    m.params.envid = e.envid;
    const ClientOrigin origin = OriginOf(e, remote);
    m.helo = origin.helo;
    m.client = origin.addr;
    m.proxy = origin.proxy;
    m.tls = tls_version.empty() ? "" : tls_version + " " + tls_cipher;
    m.trusted_sender = trusted_sender;
    m.login = e.auth_user;
    m.received = ReceivedHeader(e, m.id, origin, options.protocol.hostname,
                                tls_version, tls_cipher);
    m.content = std::move(a.message);
    std::string id = m.id;
    size_t size = m.received.size() + m.content.size();
    if (a.spool != nullptr) {
      std::string().swap(head);
      size += static_cast<size_t>(a.spool->size());
      m.spool = std::move(a.spool);
    }
    Status s = co_await AsyncCommit(std::move(m), asio::use_awaitable);
    if (s.ok()) {
      log::Debug("smtp: queued {} ({} bytes) from [{}]{}", id, size,
                 origin.addr,
                 origin.proxy.empty() ? "" : " via [" + origin.proxy + "]");
      co_return Reply::Make(250, "2.0.0", "Ok: queued as " + id);
    }
    rejected->Add();
    if (s.code() == StatusCode::kResourceExhausted) {
      // RFC 3463 X.3.1: mail system full.
      co_return Reply::Make(452, "4.3.1", "Insufficient system storage");
    }
    if (s.code() == StatusCode::kPermissionDenied &&
        s.Reason<queue::AcceptRefusal>() ==
            queue::AcceptRefusal::kCryptographicFailure) {
      // Protected mail that must be decrypted for inspection and cannot be
      // (TransportDecryptionSetting Mandatory): RFC 3463 X.7.5.
      co_return Reply::Make(554, "5.7.5", s.message());
    }
    if (s.Reason<queue::AcceptRefusal>() ==
        queue::AcceptRefusal::kHeaderTooBig) {
      // The header fields of its parts over the parse's budget: as a
      // top-level header over smtp.max_header_bytes, RFC 3463 X.3.4.
      co_return Reply::Make(552, "5.3.4", s.message());
    }
    if (s.code() == StatusCode::kPermissionDenied) {
      // Policy refused the message (a rule's reject, or an unknown template
      // asked for by the sender): RFC 3463 X.7.1, delivery not authorized.
      co_return Reply::Make(550, "5.7.1", s.message());
    }
    if (s.code() == StatusCode::kInvalidArgument) {
      // Something about this message will never change on a retry: say
      // what, permanently (RFC 3463 X.6.0), rather than a 4xx the sending
      // MTA would repeat for days.
      co_return Reply::Make(554, "5.6.0", s.message());
    }
    if (s.code() == StatusCode::kFailedPrecondition) {
      // Protection required but not possible now: never sent in clear; the
      // client retries (RFC 3463 X.7.0, security status).
      co_return Reply::Make(451, "4.7.0", s.message());
    }
    co_return Reply::Make(451, "4.3.0", "Local error in processing");
  }

  awaitable<void> Session(tcp::socket socket) override {
    auto self = shared_from_this();
    std::string remote = "unknown";
    std::string client_key = "unknown";
    bool trusted = false;
    bool xforward = false;
    {
      boost::system::error_code ec;
      auto ep = socket.remote_endpoint(ec);
      if (!ec) {
        auto addr = ep.address();
        if (addr.is_v6() && addr.to_v6().is_v4_mapped()) {
          addr = asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
        }
        remote = addr.to_string();
        client_key = net::ClientKey(addr.to_string());
        trusted = InNetworks(networks, addr);
        xforward = InNetworks(xforward_networks, addr);
      }
    }
    // This session keeps the certificate it started with across a reload.
    std::shared_ptr<ssl::context> tls_context = tls.Get();
    Stream stream(beast::tcp_stream(std::move(socket)), *tls_context);
    sessions->Add();
    // A proxy in smtp.xforward_hosts speaks for many clients: not counted.
    const bool counted =
        !trusted && !xforward && options.max_connections_per_client > 0;
    std::string_view full;
    if (open.fetch_add(1) >= options.max_connections) {
      full = " Too many connections, try later";
    } else if (counted && !TakeClientPlace(client_key)) {
      full = " Too many connections from your address, try later";
    }
    if (!full.empty()) {
      open.fetch_sub(1);
      refused->Add();
      // RFC 5321 §3.1: 421 instead of the greeting when out of resources.
      std::string msg =
          Reply::Make(421, "4.7.0",
                      options.protocol.hostname + std::string(full))
              .Wire();
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(5));
      co_await asio::async_write(stream.next_layer(), asio::buffer(msg), kUse);
      co_return;
    }
    connections->Add(1);
    auto live_entry = live.Add(beast::get_lowest_layer(stream));
    co_await Serve(stream, *live_entry, remote, client_key, trusted, xforward);
    connections->Add(-1);
    if (counted) GiveClientPlace(client_key);
    open.fetch_sub(1);
  }

  // A session's place among its client's (max_connections_per_client).
  bool TakeClientPlace(const std::string& client) SP_EXCLUDES(clients_mu) {
    MutexLock lock(&clients_mu);
    size_t& n = per_client[client];
    if (n >= options.max_connections_per_client) return false;
    ++n;
    return true;
  }
  void GiveClientPlace(const std::string& client) SP_EXCLUDES(clients_mu) {
    MutexLock lock(&clients_mu);
    auto it = per_client.find(client);
    if (it != per_client.end() && --it->second == 0) per_client.erase(it);
  }

  awaitable<bool> Flush(Stream& stream, bool tls_on, std::string& out) {
    if (out.empty()) co_return true;
    beast::get_lowest_layer(stream).expires_after(options.command_timeout);
    boost::system::error_code ec;
    if (tls_on) {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(stream, asio::buffer(out), kUse);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(
          stream.next_layer(), asio::buffer(out), kUse);
    }
    out.clear();
    co_return !ec;
  }

  awaitable<void> Serve(Stream& stream, net::LiveConnections::Entry& live_entry,
                        const std::string& remote,
                        const std::string& client_key, bool trusted,
                        bool xforward) {
    GatewayPolicy policy(
        trusted, options.accepted_domains, options.forged_internal_sender,
        [this](std::string_view forwarded) {
          boost::system::error_code ec;
          auto addr = asio::ip::make_address(std::string(forwarded), ec);
          return !ec && InNetworks(networks, addr);
        });
    ProtocolOptions popts = options.protocol;
    popts.tls_available = tls_loaded;
    popts.xforward_allowed = xforward;
    ServerProtocol proto(popts, &policy);
    bool tls_on = false;
    std::string tls_version, tls_cipher;
    std::string out;
    std::deque<Action> actions;
    for (Action& a : proto.Start()) actions.push_back(std::move(a));
    const auto session_end =
        std::chrono::steady_clock::now() + options.session_timeout;
    // Not zero-filled: a session per message would clear 64 KB each time.
    constexpr size_t kReadBuffer = 64 * 1024;
    std::unique_ptr<char[]> buf(new char[kReadBuffer]);
    for (;;) {
      while (!actions.empty()) {
        Action a = std::move(actions.front());
        actions.pop_front();
        switch (a.kind) {
          case Action::Kind::kReply:
            if (a.data_refused) rejected->Add();
            if (a.header_too_big) {
              // Never any of the header itself: whose and the limit.
              log::Warn(
                  "smtp: header section over smtp.max_header_bytes ({}) from "
                  "[{}]: refused",
                  options.protocol.max_header_bytes, remote);
            }
            if (a.header_line_too_long) {
              log::Warn("smtp: header line over {} bytes from [{}]: refused",
                        kMaxHeaderLine, remote);
            }
            out += a.reply.Wire();
            break;
          case Action::Kind::kStartTls: {
            if (!co_await Flush(stream, tls_on, out)) co_return;
            beast::get_lowest_layer(stream).expires_after(
                std::chrono::seconds(30));
            auto [ec] =
                co_await stream.async_handshake(ssl::stream_base::server, kUse);
            if (ec) {
              tls_failures->Add();
              log::Debug("smtp: STARTTLS from [{}] failed: {}", remote,
                         ec.message());
              co_return;
            }
            tls_on = true;
            SSL* s = stream.native_handle();
            tls_version = SSL_get_version(s);
            tls_cipher = SSL_get_cipher_name(s);
            proto.TlsStarted();
            break;
          }
          case Action::Kind::kAuth: {
            if (!co_await Flush(stream, tls_on, out)) co_return;
            live_entry.idle = false;
            Result<std::string> who =
                co_await VerifyLogin(std::move(a.login), remote, client_key);
            PushFront(actions, proto.AuthChecked(who));
            break;
          }
          case Action::Kind::kMessage: {
            if (!co_await Flush(stream, tls_on, out)) co_return;
            live_entry.idle = false;
            Reply r = co_await Commit(a, remote, tls_version, tls_cipher,
                                      policy.SenderTrusted(a.envelope));
            PushFront(actions, proto.Committed(std::move(r)));
            break;
          }
          case Action::Kind::kClose:
            co_await Flush(stream, tls_on, out);
            co_await Close(stream, tls_on);
            co_return;
        }
      }
      if (!co_await Flush(stream, tls_on, out)) co_return;
      if (proto.closed()) co_return;
      if (stopping && !proto.in_data()) {
        // RFC 5321 §3.8: 421 when the service is shutting down.
        out = Reply::Make(421, "4.3.2",
                          options.protocol.hostname + " Service shutting down")
                  .Wire();
        co_await Flush(stream, tls_on, out);
        co_return;
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= session_end) {
        out = Reply::Make(421, "4.4.2",
                          options.protocol.hostname + " Session time limit")
                  .Wire();
        co_await Flush(stream, tls_on, out);
        co_return;
      }
      auto timeout =
          proto.in_data() ? options.data_timeout : options.command_timeout;
      beast::get_lowest_layer(stream).expires_after(
          std::min<std::chrono::steady_clock::duration>(timeout,
                                                        session_end - now));
      live_entry.idle = !proto.in_data();
      boost::system::error_code ec;
      size_t n = 0;
      if (tls_on) {
        std::tie(ec, n) = co_await stream.async_read_some(
            asio::buffer(buf.get(), kReadBuffer), kUse);
      } else {
        std::tie(ec, n) = co_await stream.next_layer().async_read_some(
            asio::buffer(buf.get(), kReadBuffer), kUse);
      }
      live_entry.idle = false;
      if (ec) co_return;  // closed, reset, timed out (Beast closed it)
      for (Action& a : proto.Feed(std::string_view(buf.get(), n))) {
        actions.push_back(std::move(a));
      }
    }
  }

  static void PushFront(std::deque<Action>& actions, std::vector<Action> more) {
    for (auto it = more.rbegin(); it != more.rend(); ++it) {
      actions.push_front(std::move(*it));
    }
  }

  awaitable<void> Close(Stream& stream, bool tls_on) {
    beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
    if (tls_on) co_await stream.async_shutdown(kUse);
    boost::system::error_code ec;
    beast::get_lowest_layer(stream).socket().shutdown(
        tcp::socket::shutdown_both, ec);
  }
};

// Two threads: each Argon2id check holds 19 MiB, and the directory's
// throttle ends a guessing run long before threads would matter.
SmtpServer::SmtpServer(asio::io_context& io, SmtpServerOptions options,
                       queue::Acceptor& queue, MetricsRegistry& metrics)
    : auth_pool_(options.protocol.auth_available
                     ? std::make_unique<asio::thread_pool>(2)
                     : nullptr),
      impl_(std::make_shared<Impl>(io, std::move(options), queue, metrics,
                                   auth_pool_.get())) {}

SmtpServer::~SmtpServer() {
  if (auth_pool_) auth_pool_->join();
}

Status SmtpServer::Start() {
  SP_ASSIGN_OR_RETURN(
      impl_->networks,
      ParseNetworks(impl_->options.client_networks, "smtp.client_networks"));
  SP_ASSIGN_OR_RETURN(
      impl_->xforward_networks,
      ParseNetworks(impl_->options.xforward_hosts, "smtp.xforward_hosts"));
  SP_RETURN_IF_ERROR(impl_->LoadTls());
  return impl_->Listen(impl_->options.listen, "SMTP");
}

uint16_t SmtpServer::port() const { return impl_->port(); }

void SmtpServer::Shutdown() { impl_->Shutdown(); }

Status SmtpServer::ReloadTls() { return impl_->ReloadTls(); }

}  // namespace sealpost::smtp
