// The steps of RunServer (server.cc) that hold no object of the server's
// graph: the keys read at start, the process metrics, the routes of the
// admin API, the protection stage's settings and the start-up
// announcements. RunServer keeps the objects themselves on its frame, in
// the order their lifetimes need.
//
// Thread-safety: called on the main thread while the server starts.
#ifndef SEALPOST_SERVER_STARTUP_H_
#define SEALPOST_SERVER_STARTUP_H_

#include <string>

#include "api/api.h"
#include "base/config.h"
#include "base/metrics.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/master_key.h"
#include "http/http.h"
#include "portal/portal.h"
#include "protect/protector.h"
#include "server/dev.h"
#include "server/gateway.h"
#include "server/runtime.h"
#include "store/store.h"

namespace sealpost::search {
class Indexer;
}
namespace sealpost::smime {
class CertificateDirectory;
}

namespace sealpost::server {

// The master key and the queue's at-rest key, which is wrapped under it.
struct StartKeys {
  crypto::MasterKey master;
  crypto::Aead queue;
};
// Never a new master key for a store whose keys are wrapped under another:
// the master key file must unwrap what the store holds.
Result<StartKeys> LoadStartKeys(const Config& config, store::Store& store);

// sealpost_build_info and the uptime gauge, which it returns (owned by
// `metrics`).
Gauge* AddProcessMetrics(MetricsRegistry& metrics);

// Counts the store's audit writes in `metrics` while it lives. The registry
// goes before the store, so the hook is taken off first. Both must outlive
// the hook.
class AuditMetricsHook {
 public:
  AuditMetricsHook(store::Store& store, MetricsRegistry& metrics);
  ~AuditMetricsHook();
  AuditMetricsHook(const AuditMetricsHook&) = delete;
  AuditMetricsHook& operator=(const AuditMetricsHook&) = delete;

 private:
  store::Store& store_;  // not owned
};

// Every route of the admin API (api/), on one router.
void RegisterApis(http::Router& router, const api::ApiContext& context);

// The protection stage's settings; `indexer` is used only when protection
// indexes (search.index_at_protection). Both pointers must outlive the
// Protector.
protect::ProtectorOptions ProtectorOptionsOf(
    const Config& config, const std::string& url,
    smime::CertificateDirectory* certificates, search::Indexer* indexer);

// server.threads, or one I/O thread per core when it is 0.
int IoThreads(const Config& config);

// A portal sign-in client for each provider in
// portal.oidc_providers_file, each with its redirect URI at `url`
// (portal::OidcRedirectUri), logged at start.
Status AddOidcClients(const Config& config, const std::string& url,
                      portal::PortalServices& services);

// -dev: dev.json for the CLI and the banner on stdout.
Status AnnounceDev(const DevState& dev, const Gateway& gateway,
                   const std::string& url, const std::string& api_url);

// One line that says what runs where: the bound addresses (not only the
// public URL, which a proxy may front) and the data directory; then
// systemd hears that the listeners are bound (a Type=notify unit counts as
// started from here), and at shutdown that the server stops.
void AnnounceStarted(Runtime& runtime, const Config& config,
                     const std::string& https_bound, const std::string& url,
                     const std::string& admin_bound, const Gateway& gateway);

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_STARTUP_H_
