#include "server/gateway.h"

#include <algorithm>

#include "base/disk_space.h"
#include "base/log.h"
#include "base/split.h"
#include "base/strings.h"
#include "license/directory.h"
#include "protect/protecting_acceptor.h"
#include "queue/queue.h"
#include "queue/routes.h"
#include "queue/spool_file.h"
#include "server/node_id.h"
#include "smtp/client.h"
#include "smtp/server.h"

namespace sealpost::server {
namespace {

std::vector<std::string> SplitDomains(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::string_view item = TakeField(text, ",");
    std::string d;
    for (char c : item) {
      if (c != ' ' && c != '\t') d += AsciiLowerByte(c);
    }
    if (!d.empty()) out.push_back(d);
  }
  return out;
}

// SMTP AUTH against the directory: the same passwords and the same
// failure limits (per address, per client) as every other sign-in.
class DirectoryAuthenticator final : public smtp::Authenticator {
 public:
  explicit DirectoryAuthenticator(license::Directory& directory)
      : directory_(directory) {}
  Result<std::string> Verify(std::string_view user, const SecretBytes& password,
                             std::string_view client) override {
    return directory_.CheckPassword(user, password.InsecureStringView(),
                                    client);
  }

 private:
  license::Directory& directory_;  // not owned: outlives the SMTP server
};

std::string AddressText(const std::string& host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
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
    protect::Protector* protector, license::Directory* directory) {
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
  qopts.history = std::chrono::hours(24 * config.queue_history_days);
  qopts.portal_retention =
      std::chrono::seconds(config.portal_retention_days * 86400);
  qopts.node_id = config.node_id;
  qopts.lease = std::chrono::seconds(config.queue_lease_seconds);
  qopts.version = SEALPOST_VERSION;

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
  // Both listeners (the submission one copies these options).
  sopts.protocol.max_header_bytes =
      static_cast<size_t>(config.smtp_max_header_bytes);
  sopts.protocol.max_recipients =
      static_cast<size_t>(std::max<int64_t>(1, config.smtp_max_recipients));
  sopts.protocol.require_tls = config.smtp_require_tls;
  sopts.protocol.bare_newline = config.smtp_bare_newline == "normalize"
                                    ? smtp::BareNewline::kNormalize
                                    : smtp::BareNewline::kReject;
  sopts.forged_internal_sender =
      config.smtp_forged_internal_sender == "external"
          ? smtp::ForgedSender::kExternal
          : smtp::ForgedSender::kReject;
  sopts.accepted_domains = AcceptedDomains(config);
  sopts.client_networks = config.smtp_client_networks;
  sopts.xforward_hosts = config.smtp_xforward_hosts;
  sopts.max_connections = static_cast<size_t>(config.smtp_max_connections);
  sopts.max_connections_per_client =
      static_cast<size_t>(config.smtp_max_connections_per_client);
  g->memory_ = std::make_unique<MemoryBudget>(config.smtp_max_memory_bytes);
  sopts.protocol.memory_budget = g->memory_.get();
  // A session holds at most the spool threshold and a step of it (no spool:
  // the whole message).
  const int64_t most_held =
      config.data_dir.empty()
          ? config.smtp_max_message_bytes
          : std::min<int64_t>(config.smtp_max_message_bytes,
                              2 * static_cast<int64_t>(queue::kSpoolThreshold));
  if (config.smtp_max_memory_bytes > 0 &&
      config.smtp_max_memory_bytes < most_held) {
    log::Warn(
        "smtp.max_memory_bytes ({}) is below what one SMTP session may hold "
        "({}): the largest messages will always get 452",
        config.smtp_max_memory_bytes, most_held);
  }
  if (!config.data_dir.empty()) {
    // Messages past 256 KiB arrive into encrypted temporary files there
    // (issue 14); what a crashed process left is removed first.
    const std::string dir = config.data_dir + "/spool";
    SP_RETURN_IF_ERROR(queue::PrepareSpoolDir(dir));
    sopts.protocol.spool_threshold = queue::kSpoolThreshold;
    if (config.min_free_bytes > 0) {
      sopts.protocol.disk_has_room =
          DiskRoomCheck(DiskFloor(config.data_dir,
                                  static_cast<uint64_t>(config.min_free_bytes)),
                        "smtp: new mail gets 452");
    }
    sopts.protocol.open_spool = [dir]() -> Result<std::unique_ptr<ByteSpool>> {
      auto f = queue::SpoolFile::Create(dir);
      if (!f.ok()) {
        log::Warn("smtp: cannot open a spool file: {}", f.status().ToString());
        return f.status();
      }
      return std::unique_ptr<ByteSpool>(std::move(*f));
    };
  }
  queue::Acceptor* front = g->queue_.get();
  if (protector != nullptr) {
    g->front_ = std::make_unique<protect::ProtectingAcceptor>(*protector,
                                                              *g->queue_, 2);
    front = g->front_.get();
  }
  g->server_ = std::make_unique<smtp::SmtpServer>(io, sopts, *front, metrics);
  SP_RETURN_IF_ERROR(g->server_->Start());
  g->smtp_address_ = AddressText(sopts.listen.host, g->server_->port());
  log::Info("SMTP gateway listening on {}; next hop {}", g->smtp_address_,
            qopts.routes.default_hop().Text());
  if (!config.submission_listen.empty() && directory != nullptr) {
    SP_RETURN_IF_ERROR(
        g->StartSubmission(io, config, sopts, *front, metrics, *directory));
  }
  return g;
}

// RFC 6409: the same listener settings, but AUTH (after STARTTLS) before
// MAIL, and the sender bound to the login.
Status Gateway::StartSubmission(boost::asio::io_context& io,
                                const Config& config,
                                smtp::SmtpServerOptions options,
                                queue::Acceptor& front,
                                MetricsRegistry& metrics,
                                license::Directory& directory) {
  if (options.cert_file.empty()) {
    return InvalidArgumentError(
        "server.submission_listen needs a TLS certificate (tls.cert_file): "
        "AUTH is offered only after STARTTLS");
  }
  SP_ASSIGN_OR_RETURN(options.listen, ParseHostPort(config.submission_listen));
  authenticator_ = std::make_unique<DirectoryAuthenticator>(directory);
  options.authenticator = authenticator_.get();
  options.protocol.auth_available = true;
  options.protocol.require_auth = true;
  submission_ = std::make_unique<smtp::SmtpServer>(io, options, front, metrics);
  SP_RETURN_IF_ERROR(submission_->Start());
  submission_address_ = AddressText(options.listen.host, submission_->port());
  log::Info("SMTP submission listening on {} (AUTH after STARTTLS)",
            submission_address_);
  return Status::Ok();
}

Gateway::~Gateway() {
  front_.reset();  // joins its workers; their commits go to the queue
  if (queue_) queue_->Stop();
}

queue::Queue* Gateway::queue() const { return queue_.get(); }

Status Gateway::ReloadTls() {
  Status first = Status::Ok();
  for (smtp::SmtpServer* s : {server_.get(), submission_.get()}) {
    if (s == nullptr) continue;
    Status st = s->ReloadTls();
    if (first.ok()) first = std::move(st);
  }
  return first;
}

void Gateway::Shutdown() {
  if (server_) server_->Shutdown();
  if (submission_) submission_->Shutdown();
  if (queue_) queue_->BeginShutdown();
}

}  // namespace sealpost::server
