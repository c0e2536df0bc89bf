// The JSON API under /api/v1, used by the CLI and clients. Every endpoint
// answers JSON; errors are {"error": {"code", "message"}} with a 4xx/5xx
// status. Admin endpoints need "Authorization: Bearer <admin token>".
//
// Thread-safety: handlers are safe to call concurrently; ApiContext's
// members are themselves thread-safe.
#ifndef SEALPOST_API_API_H_
#define SEALPOST_API_API_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "http/http.h"
#include "store/store.h"

namespace sealpost::branding {
class BrandingStore;
}
namespace sealpost::queue {
class Queue;
}  // namespace sealpost::queue
namespace sealpost::policy {
class RuleStore;
}
namespace sealpost::smime {
class CertificateDirectory;
}
namespace sealpost::search {
class EDiscovery;
class Indexer;
}  // namespace sealpost::search
namespace sealpost::license {
class Directory;
class KeyService;
class LicenseService;
class TemplateStore;
}  // namespace sealpost::license

namespace sealpost::api {

// Not owned (every pointer below): the server's objects (server/server.cc),
// which outlive the API that reads them.
struct ApiContext {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  MetricsRegistry* metrics = nullptr;
  std::string admin_token;
  std::string version;
  int64_t started_at = 0;  // unix seconds
  bool dev_mode = false;
  std::string public_url;  // portal links: https://host:port
  // Rights management; null when not wired (tests of other endpoints).
  license::Directory* directory = nullptr;
  license::KeyService* keys = nullptr;
  license::TemplateStore* templates = nullptr;
  license::LicenseService* licenses = nullptr;
  branding::BrandingStore* branding = nullptr;
  policy::RuleStore* rules = nullptr;
  // Set once the gateway has started; null until then (and in tests).
  queue::Queue* queue = nullptr;
  // S/MIME certificates on file (cert_api.cc); null: not wired.
  smime::CertificateDirectory* certificates = nullptr;
  // The organisation's mail domains (smtp.accepted_domains), lower-case:
  // journal addresses must be in one of them or verified over TLS.
  std::vector<std::string> accepted_domains;
  // eDiscovery search, export and reindex (search_api.cc); null: not
  // wired.
  search::EDiscovery* ediscovery = nullptr;
  // Terms for mail protected through /api/v1/protect
  // (search.index_at_protection); null: not indexed there.
  search::Indexer* indexer = nullptr;
  // This node's id (server.node_id) for `sealpost status`.
  std::string node_id;
  // Where the S/MIME open and protect of a spooled message keep what they
  // make (crypto::Spool: encrypted, unlinked); empty: /tmp. (A spooled
  // /api/v1/protect seals into the server's copy, store::BodyStore.)
  std::string spool_dir;
  // server.min_free_bytes, for `sealpost status` beside the free space of
  // spool_dir's file system (the data directory).
  int64_t min_free_bytes = 0;
  // Each OpenID Connect provider's name and the redirect URI to register
  // with it (portal::OidcRedirectUri), for `sealpost status`.
  std::vector<std::pair<std::string, std::string>> oidc_redirect_uris;
};

void RegisterApi(http::Router& router, const ApiContext& context);
// /api/v1/auth, rms, irm, templates, license-assignments, groups, protect,
// licenses, protected (rights_api.cc; one file per noun, api_routes.h).
void RegisterRightsApi(http::Router& router, const ApiContext& context);
// /api/v1/rules and /api/v1/branding (policy_api.cc).
void RegisterPolicyApi(http::Router& router, const ApiContext& context);

// True when the request carries the admin token (compared in constant time).
bool IsAdmin(const http::Request& request, const ApiContext& context);

}  // namespace sealpost::api

#endif  // SEALPOST_API_API_H_
