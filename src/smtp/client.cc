// The one translation unit that instantiates Asio/SSL templates for the SMTP
// client side (delivery to the next hop). What it says and how it reads the
// answers is in client_commands.h, the DATA payload in data_payload.h.
#include "smtp/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <map>
#include <set>

#include "base/log.h"
#include "base/thread_annotations.h"
#include "net/asio_names.h"
#include "smtp/client_commands.h"
#include "smtp/data_payload.h"

namespace sealpost::smtp {

using queue::DeliveryRequest;
using queue::DeliveryResult;
using queue::RecipientResult;
using queue::TlsMode;

namespace {

constexpr size_t kMaxReplyBytes = 64 * 1024;

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

struct SmtpTransport::Impl : std::enable_shared_from_this<Impl> {
  struct Conn {
    explicit Conn(asio::any_io_executor ex, ssl::context& ctx)
        : stream(beast::tcp_stream(ex), ctx) {}
    Stream stream;
    bool tls = false;
    std::string tls_info = "none";
    Caps caps;
    std::string buf;
    std::chrono::steady_clock::time_point idle_since;
  };

  Impl(asio::io_context& io, SmtpClientOptions o, MetricsRegistry& m)
      : io(io), options(std::move(o)), insecure(ssl::context::tls_client) {
    SSL_CTX* ctx = insecure.native_handle();
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    insecure.set_verify_mode(ssl::verify_none);
    connects = m.GetCounter("sealpost_smtp_client_connections_total",
                            "Connections opened to next hops");
    reused = m.GetCounter("sealpost_smtp_client_reused_total",
                          "Deliveries over a cached connection");
    tls_failures = m.GetCounter("sealpost_smtp_client_tls_failures_total",
                                "Failed or refused TLS to next hops");
  }

  asio::io_context& io;
  SmtpClientOptions options;
  ssl::context insecure;  // may / encrypt: no certificate check
  Mutex mu;
  std::map<std::string, std::unique_ptr<ssl::context>> verify_contexts
      SP_GUARDED_BY(mu);
  std::map<std::string, std::vector<std::unique_ptr<Conn>>> idle
      SP_GUARDED_BY(mu);
  std::set<Conn*> active SP_GUARDED_BY(mu);
  bool stopping SP_GUARDED_BY(mu) = false;
  Counter* connects;
  Counter* reused;
  Counter* tls_failures;

  Result<ssl::context*> VerifyContext(const std::string& ca_file) {
    MutexLock lock(&mu);
    auto& slot = verify_contexts[ca_file];
    if (!slot) {
      auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
      SSL_CTX* c = ctx->native_handle();
      SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION);
      SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
      ctx->set_verify_mode(ssl::verify_peer);
      int ok = ca_file.empty()
                   ? SSL_CTX_set_default_verify_paths(c)
                   : SSL_CTX_load_verify_locations(c, ca_file.c_str(), nullptr);
      if (ok != 1) {
        verify_contexts.erase(ca_file);
        return FailedPreconditionError("cannot load CA file " + ca_file);
      }
      slot = std::move(ctx);
    }
    return slot.get();
  }

  static std::string PoolKey(const DeliveryRequest& r) {
    return r.hop.Text() + "|" + queue::TlsModeName(r.tls.mode) + "|" +
           r.tls.ca_file;
  }

  std::unique_ptr<Conn> TakeIdle(const std::string& key) {
    MutexLock lock(&mu);
    auto it = idle.find(key);
    if (it == idle.end()) return nullptr;
    auto now = std::chrono::steady_clock::now();
    while (!it->second.empty()) {
      std::unique_ptr<Conn> c = std::move(it->second.back());
      it->second.pop_back();
      if (now - c->idle_since < options.idle_reuse) return c;
      // Too old: the server may have timed it out; just drop it.
    }
    return nullptr;
  }

  void PutIdle(const std::string& key, std::unique_ptr<Conn> c) {
    MutexLock lock(&mu);
    if (stopping) return;
    c->idle_since = std::chrono::steady_clock::now();
    auto& v = idle[key];
    if (v.size() < 64) v.push_back(std::move(c));
  }

  // Coroutine parameters are taken by value: a reference to a temporary
  // argument would dangle across the suspension (GCC 12).
  awaitable<bool> Write(Conn& c, std::string data,
                        std::chrono::seconds timeout) {
    beast::get_lowest_layer(c.stream).expires_after(timeout);
    boost::system::error_code ec;
    if (c.tls) {
      std::tie(ec, std::ignore) =
          co_await asio::async_write(c.stream, asio::buffer(data), kUse);
    } else {
      std::tie(ec, std::ignore) = co_await asio::async_write(
          c.stream.next_layer(), asio::buffer(data), kUse);
    }
    co_return !ec;
  }

  // Reads one (possibly multiline) reply, RFC 5321 §4.2.1.
  awaitable<ServerReply> Read(Conn& c, std::chrono::seconds timeout) {
    ServerReply r;
    for (;;) {
      beast::get_lowest_layer(c.stream).expires_after(timeout);
      boost::system::error_code ec;
      size_t n = 0;
      auto buffer = asio::dynamic_buffer(c.buf, kMaxReplyBytes);
      if (c.tls) {
        std::tie(ec, n) =
            co_await asio::async_read_until(c.stream, buffer, "\r\n", kUse);
      } else {
        std::tie(ec, n) = co_await asio::async_read_until(c.stream.next_layer(),
                                                          buffer, "\r\n", kUse);
      }
      if (ec) {
        r.code = 0;
        r.text = "connection error: " + ec.message();
        co_return r;
      }
      std::string line = c.buf.substr(0, n - 2);
      c.buf.erase(0, n);
      if (AddReplyLine(std::move(line), &r)) co_return r;
    }
  }

  awaitable<ServerReply> Command(Conn& c, std::string cmd,
                                 std::chrono::seconds timeout) {
    cmd += "\r\n";
    if (!co_await Write(c, std::move(cmd), timeout)) {
      ServerReply failed;
      failed.text = "connection error while sending";
      co_return failed;
    }
    ServerReply reply = co_await Read(c, timeout);
    co_return reply;
  }

  awaitable<ServerReply> Hello(Conn& c) {
    ServerReply r = co_await Command(c, "EHLO " + options.helo_name,
                                     options.command_timeout);
    if (r.code == 250) {
      c.caps = ParseEhlo(r);
    } else if (r.code >= 500) {
      // RFC 5321 §3.2: fall back to HELO (no extensions).
      r = co_await Command(c, "HELO " + options.helo_name,
                           options.command_timeout);
      c.caps = Caps();
    }
    co_return r;
  }

  // Connects and negotiates per the TLS policy. On failure returns null and
  // sets `fail` to the reply every recipient gets.
  awaitable<std::unique_ptr<Conn>> Open(const DeliveryRequest& req,
                                        bool allow_tls, RecipientResult& fail) {
    const auto& hop = req.hop;
    ssl::context* ctx = &insecure;
    if (req.tls.mode == TlsMode::kVerify) {
      auto v = VerifyContext(req.tls.ca_file);
      if (!v.ok()) {
        fail = {451, "451 4.7.5 " + v.status().message()};
        co_return nullptr;
      }
      ctx = *v;
    }
    auto executor = co_await asio::this_coro::executor;
    auto c = std::make_unique<Conn>(executor, *ctx);
    tcp::resolver resolver(executor);
    auto [rec, endpoints] = co_await resolver.async_resolve(
        hop.host, std::to_string(hop.port), kUse);
    if (rec) {
      fail = {451,
              "451 4.4.3 cannot resolve " + hop.host + ": " + rec.message()};
      co_return nullptr;
    }
    auto& tcp_layer = beast::get_lowest_layer(c->stream);
    tcp_layer.expires_after(options.connect_timeout);
    auto [cec, ep] = co_await tcp_layer.async_connect(endpoints, kUse);
    if (cec) {
      fail = {451, "451 4.4.1 cannot connect to " + hop.Text() + ": " +
                       cec.message()};
      co_return nullptr;
    }
    connects->Add();
    {
      // A pipelined envelope or the body's last segment must not wait for
      // the next hop's delayed ACK (Nagle); see net/listener.cc.
      boost::system::error_code nodelay_ec;
      tcp_layer.socket().set_option(tcp::no_delay(true), nodelay_ec);
    }
    {
      MutexLock lock(&mu);
      active.insert(c.get());
      if (stopping) {
        active.erase(c.get());
        fail = {451, "451 4.3.2 shutting down"};
        co_return nullptr;
      }
    }
    ServerReply greet = co_await Read(*c, options.command_timeout);
    if (greet.code != 220) {
      // A refusing greeting is treated as temporary, as MTAs do.
      fail = {451, "451 4.4.2 " + hop.Text() + " greeted: " + greet.text};
      Drop(std::move(c));
      co_return nullptr;
    }
    ServerReply hello = co_await Hello(*c);
    if (hello.code != 250) {
      fail = {451, "451 4.4.2 " + hop.Text() + " refused EHLO: " + hello.text};
      Drop(std::move(c));
      co_return nullptr;
    }
    const bool required = req.tls.mode != TlsMode::kMay;
    if (!c->caps.starttls || !allow_tls) {
      if (required) {
        tls_failures->Add();
        // SPEC §2 "No silent downgrade": never in clear when TLS is due.
        fail = {451, "451 4.7.4 TLS required by policy (" +
                         std::string(queue::TlsModeName(req.tls.mode)) +
                         ") but " + hop.Text() + " does not offer STARTTLS"};
        co_await Command(*c, "QUIT", std::chrono::seconds(5));
        Drop(std::move(c));
        co_return nullptr;
      }
      co_return c;
    }
    ServerReply st = co_await Command(*c, "STARTTLS", options.command_timeout);
    if (st.code != 220) {
      if (required) {
        tls_failures->Add();
        fail = {451, "451 4.7.4 TLS required but STARTTLS refused: " + st.text};
        Drop(std::move(c));
        co_return nullptr;
      }
      co_return c;  // RFC 3207 §4: the session goes on in plaintext
    }
    SSL* ssl_handle = c->stream.native_handle();
    if (!IsIpAddress(hop.host)) {
      SSL_set_tlsext_host_name(ssl_handle, hop.host.c_str());
    }
    if (req.tls.mode == TlsMode::kVerify) {
      if (IsIpAddress(hop.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle),
                                      hop.host.c_str());
      } else {
        SSL_set_hostflags(ssl_handle, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        SSL_set1_host(ssl_handle, hop.host.c_str());
      }
    }
    beast::get_lowest_layer(c->stream).expires_after(options.connect_timeout);
    auto [hec] =
        co_await c->stream.async_handshake(ssl::stream_base::client, kUse);
    if (hec) {
      tls_failures->Add();
      long verify = SSL_get_verify_result(ssl_handle);
      std::string why = verify != X509_V_OK
                            ? X509_verify_cert_error_string(verify)
                            : hec.message();
      if (verify == X509_V_ERR_HOSTNAME_MISMATCH ||
          verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
        why = "its certificate does not name " + hop.host;
      }
      fail = {451,
              "451 4.7.5 TLS handshake with " + hop.Text() + " failed: " + why};
      fail.reply += allow_tls && !required ? " [retry-plain]" : "";
      Drop(std::move(c));
      co_return nullptr;
    }
    c->tls = true;
    c->tls_info = std::string(SSL_get_version(ssl_handle)) + " " +
                  SSL_get_cipher_name(ssl_handle);
    c->buf.clear();
    // RFC 3207 §4.2: EHLO again; what was learnt before TLS is forgotten.
    ServerReply again = co_await Hello(*c);
    if (again.code != 250) {
      fail = {451, "451 4.4.2 EHLO after STARTTLS failed: " + again.text};
      Drop(std::move(c));
      co_return nullptr;
    }
    co_return c;
  }

  void Drop(std::unique_ptr<Conn> c) {
    {
      MutexLock lock(&mu);
      active.erase(c.get());
    }
    boost::system::error_code ec;
    beast::get_lowest_layer(c->stream).socket().close(ec);
  }

  // One mail transaction. `healthy`: the connection may be reused.
  // `stale`: it failed before the server answered anything (a cached
  // connection the server had closed), so a fresh one may be tried.
  awaitable<DeliveryResult> Transaction(Conn& c, const DeliveryRequest& req,
                                        bool& healthy, bool& stale) {
    healthy = false;
    stale = false;
    const size_t n = req.recipients.size();
    DeliveryResult result;
    result.tls = c.tls_info;
    if (req.params.smtputf8 && !c.caps.smtputf8) {
      // RFC 6531 §3.4: cannot be downgraded; a permanent failure.
      result = queue::AllRecipients(
          n, 553,
          "553 5.6.7 next hop does not support SMTPUTF8 for this message",
          c.tls_info);
      co_return result;
    }
    // Readable before the transaction starts: a body file that cannot be
    // opened defers the delivery without a word to the next hop.
    auto content = queue::OpenContent(req);
    if (!content.ok()) {
      log::Warn("smtp: cannot read {}: {}", req.message_id,
                content.status().message());
      co_return queue::AllRecipients(
          n, 451, "451 4.3.0 queued message unreadable", c.tls_info);
    }
    const std::string mail = MailCommand(req, c.caps);
    const std::vector<std::string> rcpts = RcptCommands(req, c.caps);
    ServerReply mail_reply;
    std::vector<ServerReply> rcpt_replies;
    ServerReply data_reply;
    if (c.caps.pipelining) {
      // RFC 2920 §3.1: MAIL, RCPT... and DATA in one group.
      std::string batch = mail + "\r\n";
      for (const auto& r : rcpts) batch += r + "\r\n";
      batch += "DATA\r\n";
      if (!co_await Write(c, std::move(batch), options.command_timeout)) {
        stale = true;
        co_return queue::AllRecipients(n, 451, "451 4.4.2 connection lost",
                                       c.tls_info);
      }
      mail_reply = co_await Read(c, options.command_timeout);
      if (mail_reply.code == 0) stale = true;
      for (size_t i = 0; i < n && mail_reply.code != 0; ++i) {
        ServerReply r = co_await Read(c, options.command_timeout);
        rcpt_replies.push_back(std::move(r));
      }
      if (mail_reply.code != 0) {
        data_reply = co_await Read(c, options.command_timeout);
      }
    } else {
      mail_reply = co_await Command(c, mail, options.command_timeout);
      if (mail_reply.code == 0) stale = true;
      if (mail_reply.code / 100 == 2) {
        for (const auto& r : rcpts) {
          ServerReply reply = co_await Command(c, r, options.command_timeout);
          rcpt_replies.push_back(std::move(reply));
        }
      }
    }
    if (mail_reply.code / 100 != 2) {
      int code = mail_reply.code == 0 ? 451 : mail_reply.code;
      std::string text = mail_reply.code == 0 ? "451 4.4.2 " + mail_reply.text
                                              : mail_reply.text;
      result = queue::AllRecipients(n, code, "MAIL FROM: " + text, c.tls_info);
      // The pipelined DATA (if any) was refused too; after RSET the
      // connection is fine for the next message.
      if (mail_reply.code != 0 &&
          (!c.caps.pipelining || data_reply.code != 0)) {
        ServerReply rset = co_await Command(c, "RSET", options.command_timeout);
        healthy = rset.code == 250;
      }
      co_return result;
    }
    const size_t accepted = RcptResults(rcpt_replies, n, &result);
    if (accepted == 0) {
      if (c.caps.pipelining && data_reply.code == 354) {
        // RFC 2920 §3.1: DATA was accepted anyway; end it empty.
        co_await Write(c, ".\r\n", options.data_timeout);
        co_await Read(c, options.final_timeout);
      }
      if (!c.caps.pipelining || data_reply.code != 0) {
        ServerReply rset = co_await Command(c, "RSET", options.command_timeout);
        healthy = rset.code == 250;
      }
      co_return result;
    }
    if (!c.caps.pipelining) {
      data_reply = co_await Command(c, "DATA", options.command_timeout);
    }
    auto fail_accepted = [&](int code, const std::string& text) {
      for (size_t i = 0; i < n; ++i) {
        if (i < rcpt_replies.size() && rcpt_replies[i].code / 100 == 2) {
          result.recipients[i] = {code, text};
        }
      }
    };
    if (data_reply.code != 354) {
      int code = data_reply.code == 0 ? 451 : data_reply.code;
      fail_accepted(code, "DATA: " + (data_reply.code == 0
                                          ? "451 4.4.2 " + data_reply.text
                                          : data_reply.text));
      co_return result;
    }
    // A slice at a time: neither the message nor its stuffed copy is ever
    // whole in memory (RFC 5321 §4.5.3.2.5: the data block timeout is per
    // block, here per slice).
    DataPayload payload(std::move(*content));
    for (;;) {
      std::string slice;
      Result<bool> more = payload.Next(&slice);
      if (!more.ok()) {
        // Never the final dot after a message cut short: the connection
        // is dropped (healthy stays false) and the delivery retried.
        log::Error("smtp: reading {} during DATA: {}", req.message_id,
                   more.status().message());
        fail_accepted(451, "451 4.3.0 queued message unreadable");
        co_return result;
      }
      if (!*more) break;
      if (!co_await Write(c, std::move(slice), options.data_timeout)) {
        fail_accepted(451, "451 4.4.2 connection lost during DATA");
        co_return result;
      }
    }
    ServerReply final_reply = co_await Read(c, options.final_timeout);
    if (final_reply.code == 0) {
      // Unknown outcome: retry (a duplicate beats a loss).
      fail_accepted(451,
                    "451 4.4.2 no reply to end of data: " + final_reply.text);
      co_return result;
    }
    fail_accepted(final_reply.code, final_reply.text);
    healthy = true;
    co_return result;
  }

  awaitable<void> Run(DeliveryRequest req,
                      std::function<void(DeliveryResult)> done) {
    auto self = shared_from_this();
    const std::string key = PoolKey(req);
    DeliveryResult result;
    bool allow_tls = true;
    for (int attempt = 0; attempt < 3; ++attempt) {
      std::unique_ptr<Conn> c = TakeIdle(key);
      const bool was_cached = c != nullptr;
      if (was_cached) {
        reused->Add();
        MutexLock lock(&mu);
        active.insert(c.get());
      } else {
        RecipientResult fail;
        c = co_await Open(req, allow_tls, fail);
        if (!c) {
          if (fail.reply.ends_with(" [retry-plain]")) {
            // Opportunistic TLS failed: RFC 3207 §4.1 lets the client go
            // on without it when the policy does not require TLS.
            allow_tls = false;
            continue;
          }
          result = queue::AllRecipients(req.recipients.size(), fail.code,
                                        fail.reply);
          break;
        }
      }
      bool healthy = false, stale = false;
      result = co_await Transaction(*c, req, healthy, stale);
      {
        MutexLock lock(&mu);
        active.erase(c.get());
      }
      if (healthy) {
        PutIdle(key, std::move(c));
      } else {
        boost::system::error_code ec;
        beast::get_lowest_layer(c->stream).socket().close(ec);
      }
      if (stale && was_cached) continue;  // the cached one had gone stale
      break;
    }
    {
      // Shutting down: a delivery that reached no final answer is not
      // recorded, so it is retried promptly at the next start.
      MutexLock lock(&mu);
      bool final_answer = false;
      for (const auto& r : result.recipients) {
        final_answer |= r.code / 100 == 2 || r.code / 100 == 5;
      }
      result.cancelled = stopping && !final_answer;
    }
    if (result.recipients.size() != req.recipients.size()) {
      result.recipients.resize(req.recipients.size(),
                               {451, "451 4.3.0 no result"});
    }
    done(std::move(result));
  }

  void Shutdown() {
    MutexLock lock(&mu);
    stopping = true;
    idle.clear();  // closes cached connections (no operation pending on them)
    for (Conn* c : active) {
      // Runs on the connection's strand; the connection may be gone by then.
      asio::post(beast::get_lowest_layer(c->stream).get_executor(),
                 [self = shared_from_this(), c] {
                   MutexLock inner(&self->mu);
                   if (self->active.count(c) != 0) {
                     beast::get_lowest_layer(c->stream).cancel();
                   }
                 });
    }
  }
};

SmtpTransport::SmtpTransport(asio::io_context& io, SmtpClientOptions options,
                             MetricsRegistry& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(options), metrics)) {}

SmtpTransport::~SmtpTransport() = default;

void SmtpTransport::Deliver(DeliveryRequest request,
                            std::function<void(DeliveryResult)> done) {
  {
    MutexLock lock(&impl_->mu);
    if (impl_->stopping) {
      DeliveryResult r;
      r.cancelled = true;
      r.recipients.resize(request.recipients.size());
      done(std::move(r));
      return;
    }
  }
  auto strand = asio::make_strand(impl_->io);
  asio::co_spawn(strand, impl_->Run(std::move(request), std::move(done)),
                 asio::detached);
}

void SmtpTransport::Shutdown() { impl_->Shutdown(); }

}  // namespace sealpost::smtp
