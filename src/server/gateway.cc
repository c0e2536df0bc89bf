#include "server/gateway.h"

#include <unistd.h>

#include "base/log.h"
#include "protect/protecting_acceptor.h"
#include "queue/queue.h"
#include "queue/routes.h"
#include "smtp/client.h"
#include "smtp/server.h"

namespace sealpost::server {
namespace {

std::vector<std::string> SplitDomains(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string item(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view()
                                           : text.substr(comma + 1);
    std::string d;
    for (char c : item) {
      if (c != ' ' && c != '\t') d += static_cast<char>(std::tolower(c));
    }
    if (!d.empty()) out.push_back(d);
  }
  return out;
}

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
    return "localhost";
  }
  return buf;
}

}  // namespace

std::vector<std::string> AcceptedDomains(const Config& config) {
  return SplitDomains(config.smtp_accepted_domains);
}

std::string SmtpHostname(const Config& config) {
  return config.smtp_hostname.empty() ? HostName() : config.smtp_hostname;
}

Result<std::unique_ptr<Gateway>> Gateway::Start(
    boost::asio::io_context& io, const Config& config, store::Store& store,
    MetricsRegistry& metrics, const Clock& clock, crypto::Aead content_key,
    protect::Protector* protector) {
  std::unique_ptr<Gateway> g(new Gateway());
  const std::string hostname = SmtpHostname(config);

  queue::QueueOptions qopts;
  qopts.hostname = hostname;
  SP_ASSIGN_OR_RETURN(qopts.routes, queue::Routes::Parse(config.smtp_next_hop,
                                                         config.smtp_routes));
  if (qopts.routes.default_hop().kind == queue::NextHop::Kind::kNone) {
    log::Warn(
        "smtp.next_hop is not set: mail is accepted and queued but not "
        "delivered until a next hop is configured");
  }
  qopts.retry_base = std::chrono::seconds(config.queue_retry_base_seconds);
  qopts.retry_max = std::chrono::seconds(config.queue_retry_max_seconds);
  qopts.retry_window = std::chrono::seconds(config.queue_retry_window_seconds);
  qopts.delivery_concurrency =
      static_cast<int>(std::max<int64_t>(1, config.queue_delivery_concurrency));

  smtp::SmtpClientOptions copts;
  copts.helo_name = hostname;
  g->transport_ = std::make_unique<smtp::SmtpTransport>(io, copts, metrics);
  g->queue_ = std::make_unique<queue::Queue>(store, clock, metrics,
                                             std::move(content_key), qopts,
                                             g->transport_.get());
  SP_RETURN_IF_ERROR(g->queue_->Start());

  smtp::SmtpServerOptions sopts;
  SP_ASSIGN_OR_RETURN(sopts.listen, ParseHostPort(config.smtp_listen));
  sopts.cert_file = config.tls_cert_file;
  sopts.key_file = config.tls_key_file;
  sopts.protocol.hostname = hostname;
  sopts.protocol.max_message_bytes =
      static_cast<uint64_t>(config.smtp_max_message_bytes);
  sopts.protocol.max_recipients =
      static_cast<size_t>(std::max<int64_t>(1, config.smtp_max_recipients));
  sopts.protocol.require_tls = config.smtp_require_tls;
  sopts.accepted_domains = AcceptedDomains(config);
  sopts.client_networks = config.smtp_client_networks;
  sopts.max_connections = static_cast<size_t>(config.smtp_max_connections);
  queue::Acceptor* front = g->queue_.get();
  if (protector != nullptr) {
    g->front_ = std::make_unique<protect::ProtectingAcceptor>(*protector,
                                                              *g->queue_, 2);
    front = g->front_.get();
  }
  g->server_ = std::make_unique<smtp::SmtpServer>(io, sopts, *front, metrics);
  SP_RETURN_IF_ERROR(g->server_->Start());
  const std::string& host = sopts.listen.host;
  g->smtp_address_ =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
      std::to_string(g->server_->port());
  log::Info("SMTP gateway listening on {}; next hop {}", g->smtp_address_,
            qopts.routes.default_hop().Text());
  return g;
}

Gateway::~Gateway() {
  front_.reset();  // joins its workers; their commits go to the queue
  if (queue_) queue_->Stop();
}

queue::Acceptor* Gateway::queue() const { return queue_.get(); }

void Gateway::Shutdown() {
  if (server_) server_->Shutdown();
  if (queue_) queue_->BeginShutdown();
}

}  // namespace sealpost::server
