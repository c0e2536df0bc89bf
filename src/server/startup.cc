#include "server/startup.h"

#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "api/api_routes.h"
#include "base/log.h"
#include "base/sd_notify.h"
#include "license/key_service.h"
#include "portal/oidc.h"
#include "queue/queue.h"

#ifndef SEALPOST_VERSION
#define SEALPOST_VERSION "0.0.0"
#endif

namespace sealpost::server {

Result<StartKeys> LoadStartKeys(const Config& config, store::Store& store) {
  SP_ASSIGN_OR_RETURN(std::optional<std::string> queue_blob,
                      queue::StoredContentKey(store));
  std::vector<std::string> wrapped;
  if (queue_blob.has_value()) wrapped.push_back(*queue_blob);
  SP_ASSIGN_OR_RETURN(
      crypto::MasterKey master,
      license::LoadMasterKeyForStore(config.master_key_file, store, wrapped));
  SP_ASSIGN_OR_RETURN(crypto::Aead queue_key,
                      queue::LoadOrCreateContentKey(store, master));
  return StartKeys{std::move(master), std::move(queue_key)};
}

Gauge* AddProcessMetrics(MetricsRegistry& metrics) {
  metrics
      .GetCounter("sealpost_build_info{version=\"" SEALPOST_VERSION "\"}",
                  "Build information")
      ->Add();
  return metrics.GetGauge("sealpost_uptime_seconds", "Seconds since start");
}

AuditMetricsHook::AuditMetricsHook(store::Store& store,
                                   MetricsRegistry& metrics)
    : store_(store) {
  store_.SetAuditFailureCounter(
      metrics.GetCounter("sealpost_audit_write_failures_total",
                         "Audit records that could not be written"));
  store_.SetAuditMetrics(&metrics);
}

AuditMetricsHook::~AuditMetricsHook() {
  store_.SetAuditFailureCounter(nullptr);
  store_.SetAuditMetrics(nullptr);
}

void RegisterApis(http::Router& router, const api::ApiContext& context) {
  api::RegisterApi(router, context);
  api::RegisterRightsApi(router, context);
  api::RegisterPolicyApi(router, context);
  api::RegisterQueueApi(router, context);
  api::RegisterCertApi(router, context);
  api::RegisterSmimeConfigApi(router, context);
  api::RegisterSmimeUserApi(router, context);
  api::RegisterJournalApi(router, context);
  api::RegisterSearchApi(router, context);
}

protect::ProtectorOptions ProtectorOptionsOf(
    const Config& config, const std::string& url,
    smime::CertificateDirectory* certificates, search::Indexer* indexer) {
  protect::ProtectorOptions options{
      AcceptedDomains(config), url, SmtpHostname(config), {}};
  options.certificates = certificates;
  options.smime_prefer_when_certificate = config.smime_prefer_when_certificate;
  options.smime_harvest = config.smime_harvest;
  options.smime_decrypt_inbound = config.smime_decrypt_inbound;
  // The temporary files the protection stage makes (a decrypted copy, a
  // signature's content) go where SMTP's spool files go, the directory
  // emptied at start-up of what a crash left (gateway.cc, PrepareSpoolDir).
  if (!config.data_dir.empty()) options.spool_dir = config.data_dir + "/spool";
  if (config.search_index_at_protection) options.indexer = indexer;
  return options;
}

int IoThreads(const Config& config) {
  return config.threads > 0
             ? static_cast<int>(config.threads)
             : static_cast<int>(std::thread::hardware_concurrency());
}

Status AddOidcClients(const Config& config, const std::string& url,
                      portal::PortalServices& services) {
  SP_ASSIGN_OR_RETURN(auto providers, portal::LoadOidcProviders(
                                          config.portal_oidc_providers_file));
  for (auto& p : providers) {
    std::string redirect_uri =
        portal::OidcRedirectUri(url, p, providers.size());
    // What the admin registers with the provider (docs/portal.md); also in
    // `sealpost status`.
    log::Info("portal: OIDC provider {}: redirect URI {}", p.name,
              redirect_uri);
    services.oidc.push_back(
        std::make_unique<portal::OidcClient>(p, std::move(redirect_uri)));
  }
  return Status::Ok();
}

Status AnnounceDev(const DevState& dev, const Gateway& gateway,
                   const std::string& url, const std::string& api_url) {
  const std::string& smtp = gateway.smtp_address();
  const std::string& submission = gateway.submission_address();
  SP_RETURN_IF_ERROR(WriteDevJson(dev, smtp, submission, url, api_url));
  std::cout << DevBanner(dev, smtp, submission, url, api_url) << std::flush;
  return Status::Ok();
}

void AnnounceStarted(Runtime& runtime, const Config& config,
                     const std::string& https_bound, const std::string& url,
                     const std::string& admin_bound, const Gateway& gateway) {
  const std::string& submission = gateway.submission_address();
  log::Info(
      "sealpost {} started: store {}, data {}, HTTPS {} (public URL {}{}{}), "
      "SMTP {}{}",
      SEALPOST_VERSION, config.store_engine, config.data_dir, https_bound, url,
      admin_bound.empty() ? "" : "; admin API and /metrics on " + admin_bound,
      config.metrics_token_file.empty() ? "; /metrics for loopback only"
                                        : "; /metrics needs its token",
      gateway.smtp_address(),
      submission.empty() ? "" : ", submission " + submission);
  runtime.OnShutdown([] { (void)NotifySystemd("STOPPING=1"); });
  if (Status s = NotifySystemd("READY=1\nSTATUS=serving\nMAINPID=" +
                               std::to_string(getpid()));
      !s.ok()) {
    log::Warn("{}", s.message());
  }
}

}  // namespace sealpost::server
