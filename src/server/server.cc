#include "server/server.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>

#include "api/api.h"
#include "api/util.h"
#include "base/disk_space.h"
#include "base/files.h"
#include "base/log.h"
#include "branding/branding.h"
#include "crypto/random.h"
#include "license/directory.h"
#include "license/key_service.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "net/listener.h"
#include "policy/rule_store.h"
#include "portal/portal.h"
#include "protect/protector.h"
#include "queue/queue.h"
#include "search/ediscovery.h"
#include "search/index_merger.h"
#include "server/dev.h"
#include "server/gateway.h"
#include "server/http_server.h"
#include "server/metrics_endpoint.h"
#include "server/node_id.h"
#include "server/runtime.h"
#include "server/shared_changes.h"
#include "server/startup.h"
#include "smime/certificate_directory.h"
#include "store/store.h"

#ifndef SEALPOST_VERSION
#define SEALPOST_VERSION "0.0.0"
#endif

namespace sealpost::server {
namespace {

// The largest raw message `POST /api/v1/protect` takes (spooled).
constexpr size_t kMaxSpooledProtectBytes = size_t{160} << 20;

// Reads the admin token file, creating it (0600) with a fresh token when
// missing.
Result<std::string> LoadAdminToken(const std::string& path) {
  auto existing = ReadFile(path);
  if (existing.ok()) {
    std::string token = *existing;
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) {
      token.pop_back();
    }
    if (token.size() < 16) {
      return FailedPreconditionError("admin token in " + path +
                                     " is shorter than 16 characters");
    }
    return token;
  }
  if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  std::string token = crypto::RandomToken(32);
  SP_RETURN_IF_ERROR(WriteFileAtomic(path, token + "\n", 0600));
  log::Info("created admin token file {}", path);
  return token;
}

std::string HostPortText(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) {
    return "[" + host + "]:" + std::to_string(port);
  }
  return host + ":" + std::to_string(port);
}

// The HTTPS connection limit, within what the descriptor limit allows: half
// of the descriptors, the rest for SMTP, delivery, the store and logs. A
// cap above the descriptors would let accept() fail for everyone instead.
size_t HttpsConnectionBudget(const Config& config) {
  size_t descriptors = net::RaiseDescriptorLimit();
  size_t budget = descriptors > 256 ? (descriptors - 128) / 2 : 64;
  size_t wanted = static_cast<size_t>(config.https_max_connections);
  if (wanted == 0) return budget;
  if (wanted > budget) {
    log::Warn(
        "server.https_max_connections {}: {} open descriptors allow {}; "
        "using {}",
        wanted, descriptors, budget, budget);
    return budget;
  }
  return wanted;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "sealpost server: %s\n", s.message().c_str());
  return 1;
}

// The configuration (file, environment, flags), the logger set up from it,
// dev mode's state or the checks outside dev mode, and the admin token
// (into dev->admin_token, which is where the API reads it in either mode).
Result<Config> LoadServerConfig(const ServerOptions& options, DevState* dev) {
  ConfigSources sources;
  sources.file = options.config_file;
  sources.flags = options.flags;
  SP_ASSIGN_OR_RETURN(Config config, LoadConfig(sources));
  log::Init(*log::ParseFormat(config.log_format),
            *log::ParseLevel(config.log_level));

  if (options.dev) {
    SP_ASSIGN_OR_RETURN(*dev, PrepareDev(config));
  } else {
    if (config.data_dir.empty()) {
      return InvalidArgumentError(
          "server.data_dir is required (set it in the config file, with "
          "SEALPOST_SERVER_DATA_DIR or --data-dir), or run with -dev");
    }
    SP_RETURN_IF_ERROR(MakeDirs(config.data_dir));
    // Without the organisation's domains every address is outside, and a
    // rule for external recipients would encrypt internal mail too.
    if (AcceptedDomains(config).empty()) {
      return InvalidArgumentError(
          "smtp.accepted_domains is required outside dev mode: the "
          "organisation's mail domains, e.g. accepted_domains = "
          "\"example.com\" under [smtp] (or SEALPOST_SMTP_ACCEPTED_DOMAINS)");
    }
    if (config.tls_cert_file.empty() || config.tls_key_file.empty()) {
      return InvalidArgumentError(
          "tls.cert_file and tls.key_file are required outside dev mode");
    }
  }
  if (config.admin_token_file.empty()) {
    config.admin_token_file = config.data_dir + "/admin.token";
  }
  SP_ASSIGN_OR_RETURN(config.node_id, ResolveNodeId(config));
  SP_ASSIGN_OR_RETURN(dev->admin_token,
                      LoadAdminToken(config.admin_token_file));
  return config;
}

// /healthz, /readyz (the store answers) on `router` and /metrics on
// `metrics_router` (the admin listener's when server.admin_listen is set;
// who may read it: metrics_endpoint.h). The references must outlive the
// routers.
void AddProbes(http::Router& router, http::Router& metrics_router,
               store::Store& store, MetricsRegistry& metrics, Gauge& uptime,
               const Clock& clock, int64_t started_at,
               std::string metrics_token) {
  router.Add("GET", "/healthz",
             [](http::Request&) { return http::Response::Text(200, "ok\n"); });
  router.Add("GET", "/readyz", [&store](http::Request&) {
    auto v = store.SchemaVersion();
    if (!v.ok()) return http::Response::Text(503, "store unavailable\n");
    return http::Response::Text(200, "ready\n");
  });
  AddMetricsEndpoint(metrics_router, metrics, uptime, clock, started_at,
                     std::move(metrics_token));
}

// The HTTPS server's settings from the configuration; the callbacks that
// need the API and the portal are RunServer's.
HttpServerOptions HttpsOptions(const Config& config, int threads) {
  HttpServerOptions http_options;
  http_options.listen = *ParseHostPort(config.https_listen);
  http_options.cert_file = config.tls_cert_file;
  http_options.key_file = config.tls_key_file;
  http_options.max_body_bytes = static_cast<size_t>(config.max_request_bytes);
  http_options.max_memory_bytes = config.https_max_memory_bytes;
  // Most handler time is waiting on the store (a key release waits for the
  // group commit of its audit record): enough threads that many requests
  // share one commit. CPU-heavy work is bounded elsewhere (Argon2 hashes:
  // one per core).
  http_options.handler_threads = std::max(16, threads * 8);
  http_options.max_connections = HttpsConnectionBudget(config);
  http_options.max_connections_per_client =
      static_cast<size_t>(config.https_max_connections_per_client);
  // Whole messages, base64 in JSON: room for a 50 MB message.
  // Portal replies and new messages carry attachments (multipart forms).
  // (Only the pages that take files: a 36 MiB form to a PIN or passcode
  // page was read whole for any signed-in reader.)
  // A form with files is held about 8 times at its peak (measured: a
  // 30 MB reply grew the server by 245 MB): all 8 are counted.
  http_options.large_body_paths = {{"/api/v1/protect", 72 << 20},
                                   {"/m/*/reply", 36 << 20, 8},
                                   {"/m/*/forward", 36 << 20, 8},
                                   {"/compose", 36 << 20, 8},
                                   // base64 of a 1 MiB certificate file
                                   {"/api/v1/smime/*", 2 << 20},
                                   // whole messages, as for protect
                                   {"/api/v1/smime/open", 72 << 20},
                                   {"/api/v1/smime/protect", 72 << 20}};
  // A raw message to protect (with the wrapper or S/MIME) or to open
  // (S/MIME) is spooled as it arrives (issue 14), never whole in memory:
  // up to 150 MB (Exchange Online's largest message) with room for its
  // encoding. The JSON form keeps the limit above.
  http_options.spooled_bodies = {
      {"/api/v1/protect", "message/rfc822", kMaxSpooledProtectBytes},
      {"/api/v1/smime/protect", "message/rfc822", kMaxSpooledProtectBytes},
      {"/api/v1/smime/open", "message/rfc822", kMaxSpooledProtectBytes}};
  http_options.spool_dir = config.data_dir;
  if (config.min_free_bytes > 0 && !config.data_dir.empty()) {
    http_options.disk_has_room =
        DiskRoomCheck(DiskFloor(config.data_dir,
                                static_cast<uint64_t>(config.min_free_bytes)),
                      "large API uploads get 503");
  }
  return http_options;
}

// Bodies over 64 KiB only for an API token or a live portal session;
// handlers that never block run on the I/O threads. `api_context` and
// `portal_inline` must outlive the server.
void SetRequestGates(HttpServerOptions& http_options,
                     const api::ApiContext& api_context,
                     const std::atomic<portal::Portal*>& portal_inline) {
  http_options.authenticated = [&api_context,
                                &portal_inline](const http::Request& r) {
    if (api::Authenticate(r, api_context).ok()) return true;
    // A portal session opens the portal only: it lifts no limit on the
    // API's paths (was: a reader's cookie had 72 MiB read there, to be
    // answered 401).
    if (r.path.starts_with("/api/")) return false;
    portal::Portal* p = portal_inline.load(std::memory_order_acquire);
    return p != nullptr && p->SignedIn(r);
  };
  http_options.may_spool = [&api_context](const http::Request& r) {
    return api::Authenticate(r, api_context).ok();
  };
  http_options.run_inline = [&portal_inline](const http::Request& r) {
    if (r.path == "/healthz" || r.path.starts_with("/portal/static/")) {
      return true;
    }
    portal::Portal* p = portal_inline.load(std::memory_order_acquire);
    return p != nullptr && p->ServesInline(r);
  };
}

// server.admin_listen: the admin API and /metrics on a listener of their
// own (the same certificate and request limits as `public_options`, which
// then no longer routes them). Null when the setting is empty.
Result<std::unique_ptr<HttpServer>> StartAdminListener(
    Runtime& runtime, const Config& config,
    const HttpServerOptions& public_options, const http::Router& admin_router,
    MetricsRegistry& metrics) {
  if (config.admin_listen.empty()) return std::unique_ptr<HttpServer>();
  HttpServerOptions options = public_options;
  SP_ASSIGN_OR_RETURN(options.listen, ParseHostPort(config.admin_listen));
  options.handler_threads = 2;
  options.max_connections = std::min<size_t>(options.max_connections, 64);
  options.run_inline = nullptr;
  auto admin = std::make_unique<HttpServer>(
      runtime.io(), options,
      [&admin_router](http::Request& r) { return admin_router.Dispatch(r); },
      metrics);
  SP_RETURN_IF_ERROR(admin->Start().WithContext("server.admin_listen"));
  runtime.OnShutdown([a = admin.get()] { a->Shutdown(); });
  return admin;
}

// SIGHUP: the log settings from the configuration as it is now (the
// certificates are the listeners' to reload).
void ReloadLogSettings(const ServerOptions& options) {
  ConfigSources sources;
  sources.file = options.config_file;
  sources.flags = options.flags;
  Result<Config> fresh = LoadConfig(sources);
  if (!fresh.ok()) {
    log::Error("reload: configuration not read, log settings kept: {}",
               fresh.status().message());
    return;
  }
  log::Init(*log::ParseFormat(fresh->log_format),
            *log::ParseLevel(fresh->log_level));
  log::Info("reload: log level {}, format {}", fresh->log_level,
            fresh->log_format);
}

// SIGHUP (systemctl reload; certbot's deploy hook): the certificate and
// key files again, and the log settings from the configuration as it is
// now. Everything else needs a restart (docs/operations.md). The servers
// must outlive the runtime's handlers.
void ReloadOnSighup(Runtime& runtime, const ServerOptions& options,
                    HttpServer& https, HttpServer* admin, Gateway& gateway) {
  runtime.OnReload([&options, &https, admin, &gateway] {
    ReloadLogSettings(options);
    (void)https.ReloadTls();  // each says in the log what happened
    if (admin != nullptr) (void)admin->ReloadTls();
    (void)gateway.ReloadTls();
  });
}

// server.public_url, else the HTTPS listener's bound address.
std::string PublicUrl(const Config& config, const std::string& https_bound) {
  return config.public_url.empty() ? "https://" + https_bound
                                   : config.public_url;
}

portal::PortalOptions PortalOptionsOf(const Config& config,
                                      const std::string& url, bool dev) {
  portal::PortalOptions portal_options;
  portal_options.public_url = url;
  portal_options.hostname = SmtpHostname(config);
  portal_options.otp_sender = config.portal_otp_sender;
  portal_options.accepted_domains = AcceptedDomains(config);
  if (portal_options.otp_sender.empty()) {
    const auto& domains = portal_options.accepted_domains;
    portal_options.otp_sender =
        "noreply@" +
        (domains.empty() ? portal_options.hostname : domains.front());
  }
  portal_options.send_limit_per_user =
      static_cast<int>(config.portal_send_limit_per_user);
  portal_options.send_limit_per_client =
      static_cast<int>(config.portal_send_limit_per_client);
  portal_options.max_recipients =
      static_cast<size_t>(config.portal_max_recipients);
  portal_options.dev = dev;
  portal_options.dev_mailbox = config.data_dir + "/mailbox";
  return portal_options;
}

// The engine store.engine names: SQLite in the data directory, or the
// PostgreSQL at store.url (docs/scaling.md).
Result<std::unique_ptr<store::Store>> OpenStore(const Config& config,
                                                const Clock& clock) {
  if (config.store_engine != "postgres") {
    return store::OpenSqliteStore(config.data_dir + "/sealpost.db", clock);
  }
  SP_ASSIGN_OR_RETURN(store::PostgresOptions options,
                      PostgresOptionsOf(config));
  return store::OpenPostgresStore(options, clock);
}

}  // namespace

Result<store::PostgresOptions> PostgresOptionsOf(
    const Config& config, const std::string& password_file) {
  store::PostgresOptions options;
  options.url = config.store_url;
  options.pool_size = static_cast<int>(config.store_pool_size);
  const std::string& file =
      password_file.empty() ? config.store_password_file : password_file;
  if (!file.empty()) {
    SP_ASSIGN_OR_RETURN(options.password, ReadFile(file));
    while (!options.password.empty() && (options.password.back() == '\n' ||
                                         options.password.back() == '\r')) {
      options.password.pop_back();
    }
  } else if (const char* pw = std::getenv("SEALPOST_STORE_PASSWORD")) {
    options.password = pw;
  }
  return options;
}

// Long: on purpose, this is the object graph.
// Each object lives on this frame, outlives every object built after it
// that holds a pointer to it, and is destroyed in the reverse order;
// split up, those lifetimes would hide in structs that exist for nothing
// else. The steps that need no such lifetime are the helpers above and in
// startup.h.
int RunServer(const ServerOptions& options) {
  DevState dev;
  auto loaded = LoadServerConfig(options, &dev);
  if (!loaded.ok()) return Fail(loaded.status());
  Config config = *loaded;

  const Clock& clock = SystemClock::Get();
  auto store = OpenStore(config, clock);
  if (!store.ok()) return Fail(store.status());
  log::Info("store: {}, node: {}", (*store)->Engine(), config.node_id);

  // Rights management: the key service is the only holder of the master key.
  if (config.master_key_file.empty()) {
    config.master_key_file = config.data_dir + "/master.key";
  }
  auto start_keys = LoadStartKeys(config, **store);
  if (!start_keys.ok()) return Fail(start_keys.status());
  // After this the key service is the master key's only holder.
  license::KeyService keys(**store, std::move(start_keys->master));
  if (Status s = keys.Load(); !s.ok()) return Fail(s);
  // Dev users only once the keys are known to be right: a start that
  // fails on the master key leaves the store as it was.
  if (options.dev) {
    if (Status s = SeedDevUsers(dev, **store); !s.ok()) return Fail(s);
  }
  license::Directory directory(**store, clock);
  license::TemplateStore templates(**store);
  branding::BrandingStore brandings(**store);
  policy::RuleStore rules(**store);
  smime::CertificateDirectory certificates(
      **store, keys, clock, AcceptedDomains(config),
      {static_cast<int>(config.smime_revocation_timeout_seconds),
       static_cast<int>(config.smime_revocation_total_seconds),
       static_cast<size_t>(config.smime_crl_max_bytes)});
  if (options.dev) {
    if (Status s = SetUpDevRights(dev, keys, directory); !s.ok()) {
      return Fail(s);
    }
  }

  MetricsRegistry metrics;
  Gauge* uptime = AddProcessMetrics(metrics);
  AuditMetricsHook audit_metrics(**store, metrics);
  api::ApiContext api_context{
      store->get(),     &clock,          &metrics,   dev.admin_token,
      SEALPOST_VERSION, clock.NowUnix(), options.dev};

  // The public listener's routes (portal, probes) and the admin API's:
  // one router unless server.admin_listen gives the API its own listener.
  http::Router router;
  http::Router admin_router;
  http::Router& api_router =
      config.admin_listen.empty() ? router : admin_router;
  auto metrics_token = LoadMetricsToken(config.metrics_token_file);
  if (!metrics_token.ok()) return Fail(metrics_token.status());
  AddProbes(router, api_router, **store, metrics, *uptime, clock,
            api_context.started_at, std::move(*metrics_token));
  api_context.directory = &directory;
  api_context.keys = &keys;
  api_context.templates = &templates;
  api_context.branding = &brandings;
  api_context.rules = &rules;
  api_context.certificates = &certificates;
  api_context.accepted_domains = AcceptedDomains(config);
  api_context.node_id = config.node_id;
  RegisterApis(api_router, api_context);

  const int threads = IoThreads(config);
  Runtime runtime(threads);
  HttpServerOptions http_options = HttpsOptions(config, threads);
  // The portal's cached message pages run on the I/O threads once the portal
  // exists (portal_inline).
  std::atomic<portal::Portal*> portal_inline{nullptr};
  SetRequestGates(http_options, api_context, portal_inline);
  HttpServer https(
      runtime.io(), http_options,
      [&router](http::Request& r) { return router.Dispatch(r); }, metrics);
  if (Status s = https.Start(); !s.ok()) return Fail(s);
  runtime.OnShutdown([&https] { https.Shutdown(); });
  auto admin =
      StartAdminListener(runtime, config, http_options, admin_router, metrics);
  if (!admin.ok()) return Fail(admin.status());
  const std::string url =
      PublicUrl(config, HostPortText(http_options.listen.host, https.port()));
  // Where the CLI finds the API (dev.json, the banner, the start-up line).
  const std::string admin_bound =
      *admin ? HostPortText(ParseHostPort(config.admin_listen)->host,
                            (*admin)->port())
             : "";
  const std::string api_url = *admin ? "https://" + admin_bound : url;
  // Handlers run only once runtime.Run() starts the I/O threads, so the
  // URL-dependent parts can be completed here.
  api_context.public_url = url;
  api_context.spool_dir = config.data_dir;
  api_context.min_free_bytes = config.min_free_bytes;
  license::LicenseService licenses(**store, keys, directory, templates, clock,
                                   url);
  licenses.SetRetention(config.portal_retention_days * 86400);
  api_context.licenses = &licenses;
  // eDiscovery (docs/compliance.md): the blind index, filled at protection
  // time (search.index_at_protection) or by `search reindex`, merged in
  // the background, searched by the API and the portal.
  search::Indexer indexer(keys);
  search::EDiscovery ediscovery(**store, licenses, templates, indexer);
  api_context.ediscovery = &ediscovery;
  if (config.search_index_at_protection) api_context.indexer = &indexer;
  search::IndexMerger index_merger(**store);
  index_merger.Start();
  // Other nodes on the same PostgreSQL: their changes reach the caches here.
  auto shared_changes =
      WatchSharedChanges(**store, {&licenses, &keys, &rules, &certificates});
  if (!shared_changes.ok()) return Fail(shared_changes.status());

  // The SMTP gateway: protection stage, queue, delivery workers, listener
  // (docs/gateway.md, docs/mail-flow.md).
  protect::Protector protector(
      licenses, directory, templates, brandings, rules, **store, clock,
      ProtectorOptionsOf(config, url, &certificates, &indexer));

  // The portal (docs/portal.md). Routes are added before runtime.Run()
  // starts serving.
  portal::PortalServices portal_services;
  if (Status s = AddOidcClients(config, url, portal_services); !s.ok()) {
    return Fail(s);
  }
  for (const auto& client : portal_services.oidc) {
    api_context.oidc_redirect_uris.emplace_back(client->config().name,
                                                client->redirect_uri());
  }
  portal_services.store = store->get();
  portal_services.clock = &clock;
  portal_services.licenses = &licenses;
  portal_services.directory = &directory;
  portal_services.templates = &templates;
  portal_services.branding = &brandings;
  portal_services.protector = &protector;
  portal_services.ediscovery = &ediscovery;
  auto portal = std::make_unique<portal::Portal>(
      std::move(portal_services), PortalOptionsOf(config, url, options.dev));
  portal->Register(router);
  portal_inline.store(portal.get(), std::memory_order_release);

  auto gateway =
      Gateway::Start(runtime.io(), config, **store, metrics, clock,
                     std::move(start_keys->queue), &protector, &directory);
  if (!gateway.ok()) return Fail(gateway.status());
  portal->SetQueue((*gateway)->queue());
  api_context.queue = (*gateway)->queue();
  runtime.OnShutdown([g = gateway->get()] { g->Shutdown(); });
  if (options.dev) {
    if (Status s = AnnounceDev(dev, **gateway, url, api_url); !s.ok()) {
      return Fail(s);
    }
  }
  ReloadOnSighup(runtime, options, https, admin->get(), **gateway);
  AnnounceStarted(runtime, config,
                  HostPortText(http_options.listen.host, https.port()), url,
                  admin_bound, **gateway);
  runtime.Run();
  log::Info("stopped cleanly");
  return 0;
}

}  // namespace sealpost::server
