#include "net/listener.h"

#include <errno.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

#include "base/log.h"

namespace sealpost::net {

namespace asio = boost::asio;
using asio::ip::tcp;

Status ConfigureServerTls(asio::ssl::context& tls, const std::string& cert_file,
                          const std::string& key_file, std::string_view what) {
  SSL_CTX* ctx = tls.native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20");
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return FailedPreconditionError(
        std::string(what) + ": cannot load TLS certificate " + cert_file);
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) !=
          1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    return FailedPreconditionError(std::string(what) +
                                   ": cannot load TLS key " + key_file);
  }
  return Status::Ok();
}

ServerTls::ServerTls()
    : context_(std::make_shared<asio::ssl::context>(
          asio::ssl::context::tls_server)) {}

Status ServerTls::Load(const std::string& cert_file,
                       const std::string& key_file, std::string_view what) {
  auto fresh =
      std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SP_RETURN_IF_ERROR(ConfigureServerTls(*fresh, cert_file, key_file, what));
  MutexLock lock(&mu_);
  context_ = std::move(fresh);
  return Status::Ok();
}

Status ServerTls::Reload(const std::string& cert_file,
                         const std::string& key_file, std::string_view what) {
  Status s = Load(cert_file, key_file, what);
  if (s.ok()) {
    log::Info("{}: TLS certificate reloaded from {}", what, cert_file);
  } else {
    log::Error("{}; keeping the certificate in use", s.message());
  }
  return s;
}

std::shared_ptr<asio::ssl::context> ServerTls::Get() const {
  MutexLock lock(&mu_);
  return context_;
}

Status Listen(tcp::acceptor& acceptor, const HostPort& listen,
              std::string_view what) {
  boost::system::error_code ec;
  std::string host = listen.host == "localhost" ? "127.0.0.1" : listen.host;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgumentError(
        std::string(what) +
        " listen address must be an IP address: " + listen.host);
  }
  tcp::endpoint ep(addr, listen.port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return UnavailableError("cannot listen for " + std::string(what) + " on " +
                            listen.host + ":" + std::to_string(listen.port) +
                            ": " + ec.message());
  }
  return Status::Ok();
}

asio::awaitable<void> AcceptLoop(tcp::acceptor& acceptor,
                                 const std::atomic<bool>& stopping,
                                 Session session) {
  constexpr auto kUse = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(
        asio::make_strand(acceptor.get_executor()), kUse);
    if (stopping) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted) co_return;
      // Out of descriptors or memory stays so for a while: pause rather
      // than spin. Anything else (a connection reset before accept) is
      // that one connection's problem.
      if (ec == asio::error::no_descriptors || ec.value() == ENFILE ||
          ec == asio::error::no_buffer_space || ec == asio::error::no_memory) {
        asio::steady_timer pause(acceptor.get_executor(),
                                 std::chrono::milliseconds(50));
        co_await pause.async_wait(kUse);
      }
      continue;
    }
    // Replies leave as several writes (TLS records, a header then a body):
    // with Nagle on, the second waits for the peer's delayed ACK, 40 ms on
    // Linux, which was 40 of the 43 ms a /sent page took (nginx sets
    // tcp_nodelay for the same reason).
    boost::system::error_code nodelay_ec;
    socket.set_option(tcp::no_delay(true), nodelay_ec);
    auto exec = socket.get_executor();
    asio::co_spawn(exec, session(std::move(socket)), asio::detached);
  }
}

Status StartListening(tcp::acceptor& acceptor, const HostPort& listen,
                      std::string_view what, const std::atomic<bool>& stopping,
                      Session session) {
  SP_RETURN_IF_ERROR(Listen(acceptor, listen, what));
  asio::co_spawn(acceptor.get_executor(),
                 AcceptLoop(acceptor, stopping, std::move(session)),
                 asio::detached);
  return Status::Ok();
}

size_t RaiseDescriptorLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? size_t{1} << 20
                                         : static_cast<size_t>(limit.rlim_cur);
}

void CloseAcceptor(tcp::acceptor& acceptor, std::shared_ptr<const void> owner) {
  asio::post(acceptor.get_executor(), [&acceptor, owner = std::move(owner)] {
    boost::system::error_code ec;
    acceptor.close(ec);
  });
}

Listener::Listener(asio::io_context& io, LiveConnections::Limits limits)
    : acceptor(io), live(limits) {}

Status Listener::Listen(const HostPort& listen, std::string_view what) {
  return StartListening(acceptor, listen, what, stopping,
                        [self = shared_from_this()](tcp::socket socket) {
                          return self->Session(std::move(socket));
                        });
}

uint16_t Listener::port() const {
  boost::system::error_code ec;
  return acceptor.local_endpoint(ec).port();
}

void Listener::Shutdown() {
  stopping = true;
  CloseAcceptor(acceptor, shared_from_this());
  live.CancelIdle();
}

void LiveConnections::Entry::SetIdle(bool now_idle) {
  if (now_idle) {
    idle_since_ns.store(
        std::chrono::steady_clock::now().time_since_epoch().count(),
        std::memory_order_relaxed);
  }
  idle.store(now_idle, std::memory_order_release);
}

LiveConnections::Registration::~Registration() {
  if (owner_ != nullptr && entry_ != nullptr) owner_->Remove(entry_);
}

LiveConnections::Registration LiveConnections::Add(
    boost::beast::tcp_stream& stream, std::string client) {
  auto entry = std::make_shared<Entry>();
  entry->stream = &stream;
  entry->client = std::move(client);
  entry->SetIdle(true);
  MutexLock lock(&mu_);
  auto mine = per_client_.find(entry->client);
  if (limits_.max_per_client > 0 && mine != per_client_.end() &&
      mine->second >= limits_.max_per_client && !EvictIdle(entry->client)) {
    return {};
  }
  if (limits_.max_total > 0 && live_.size() >= limits_.max_total &&
      !EvictIdle("")) {
    return {};
  }
  live_.insert(entry);
  ++per_client_[entry->client];
  return Registration(this, std::move(entry));
}

bool LiveConnections::EvictIdle(const std::string& client) {
  std::shared_ptr<Entry> oldest;
  for (const auto& e : live_) {
    if (!e->idle.load(std::memory_order_acquire)) continue;
    if (!client.empty() && e->client != client) continue;
    if (oldest == nullptr ||
        e->idle_since_ns.load(std::memory_order_relaxed) <
            oldest->idle_since_ns.load(std::memory_order_relaxed)) {
      oldest = e;
    }
  }
  if (oldest == nullptr) return false;
  // It no longer counts: its session ends as soon as its strand runs the
  // cancel (and a busy one is left alone there).
  live_.erase(oldest);
  if (--per_client_[oldest->client] == 0) per_client_.erase(oldest->client);
  asio::post(oldest->stream->get_executor(), [oldest] {
    if (!oldest->closed && oldest->idle) oldest->stream->cancel();
  });
  return true;
}

void LiveConnections::Remove(const std::shared_ptr<Entry>& entry) {
  entry->closed = true;
  MutexLock lock(&mu_);
  if (live_.erase(entry) == 0) return;  // evicted: already uncounted
  if (--per_client_[entry->client] == 0) per_client_.erase(entry->client);
}

void LiveConnections::CancelIdle() {
  MutexLock lock(&mu_);
  for (const auto& entry : live_) {
    asio::post(entry->stream->get_executor(), [entry] {
      if (!entry->closed && entry->idle) entry->stream->cancel();
    });
  }
}

}  // namespace sealpost::net
