// The JSON API's route groups under /api/v1, one Register*Api each (each in
// its own file, named beside it), with the routes it adds. RegisterApi,
// RegisterRightsApi (the rights management nouns below, all at once) and
// RegisterPolicyApi are in api.h; server/startup.cc registers every group.
//
// Thread-safety: handlers are safe to call concurrently.
#ifndef SEALPOST_API_ROUTES_H_
#define SEALPOST_API_ROUTES_H_

#include "api/api.h"
#include "http/http.h"

namespace sealpost::api {

// ---- Rights management, one file per noun (rights_api.cc adds them all).

// POST, DELETE /api/v1/auth/token: sign-in and sign-out (auth_api.cc).
void RegisterAuthApi(http::Router& router, const ApiContext& context);
// GET /api/v1/rms, POST /api/v1/rms/activate|rotate-key (rms_api.cc).
void RegisterRmsApi(http::Router& router, const ApiContext& context);
// GET, PATCH /api/v1/irm; POST /api/v1/irm/test (irm_api.cc).
void RegisterIrmApi(http::Router& router, const ApiContext& context);
// GET, POST /api/v1/templates; GET, PATCH /api/v1/templates/:id
// (templates_api.cc).
void RegisterTemplatesApi(http::Router& router, const ApiContext& context);
// GET, POST /api/v1/license-assignments; DELETE
// /api/v1/license-assignments/:kind/:name (license_assignments_api.cc).
void RegisterLicenseAssignmentsApi(http::Router& router,
                                   const ApiContext& context);
// /api/v1/groups[/:name[/members[/:email]]] (groups_api.cc).
void RegisterGroupsApi(http::Router& router, const ApiContext& context);
// POST /api/v1/protect (protect_api.cc).
void RegisterProtectApi(http::Router& router, const ApiContext& context);
// POST /api/v1/licenses: use licenses (licenses_api.cc).
void RegisterLicensesApi(http::Router& router, const ApiContext& context);
// GET /api/v1/protected[/:id[/sealed]]; POST /api/v1/protected/:id/revoke
// and /expire (protected_api.cc).
void RegisterProtectedApi(http::Router& router, const ApiContext& context);

// ---- The queue and TLS policy endpoints (queue_api.cc; admin token):
//   GET    /api/v1/queue/messages[?state=queued|done&limit=N]
//   GET    /api/v1/queue/messages/:id          message, deliveries, trace
//   POST   /api/v1/queue/messages/:id/retry    deliver queued ones now
//   GET    /api/v1/tls/policies
//   PUT    /api/v1/tls/policies/:domain        {"policy", "ca_file"}
//   DELETE /api/v1/tls/policies/:domain
void RegisterQueueApi(http::Router& router, const ApiContext& context);

// ---- The S/MIME certificate endpoints (cert_api.cc; admin token), for
// `sealpost cert ...` (docs/smime.md):
//   POST   /api/v1/smime/certs          {"file": base64, "password"}
//   GET    /api/v1/smime/certs[?email=A]
//   GET    /api/v1/smime/certs/:id      id or a unique prefix (8+ hex)
//   DELETE /api/v1/smime/certs/:id      and refuses it (never harvested
//                                       again; an import takes it back)
//   GET    /api/v1/smime/refused[?email=A]
//   POST   /api/v1/smime/trust          {"file": base64}
//   GET    /api/v1/smime/trust
//   DELETE /api/v1/smime/trust/:id
//   POST   /api/v1/smime/crls           {"file": base64}
//   GET    /api/v1/smime/crls
// and the settings and self-test (smime_api.cc, `sealpost smime ...`):
//   GET    /api/v1/smime/config         Get-SmimeConfig
//   PATCH  /api/v1/smime/config         {"OWAClearSign": false, ...}
//   POST   /api/v1/smime/test           {"recipient": A}
// and for signed-in users, each with their own key on file only
// (smime_user_api.cc; the admin token is refused):
//   POST   /api/v1/smime/open           message/rfc822 → {"message": base64,
//                                       "certificate", "signatures": [...]};
//                                       with Accept: message/rfc822 the
//                                       message itself, streamed, and
//                                       X-Sealpost-Smime-Certificate and
//                                       -Signatures (base64 of that JSON)
//   POST   /api/v1/smime/protect?to=A,B[&sign=true]  message/rfc822 → the
//                                       S/MIME message (message/rfc822)
// A certificate's JSON never carries its private key.
void RegisterCertApi(http::Router& router, const ApiContext& context);
void RegisterSmimeConfigApi(http::Router& router, const ApiContext& context);
void RegisterSmimeUserApi(http::Router& router, const ApiContext& context);

// ---- The journaling endpoints (journal_api.cc; admin token), for
// `sealpost journal ...` (docs/compliance.md; New-JournalRule,
// JournalingReportNdrTo):
//   GET    /api/v1/journal/rules
//   POST   /api/v1/journal/rules        {"name", "scope", "recipient",
//                                         "journal_address"}
//   GET    /api/v1/journal/rules/:id    id or name (case-insensitive)
//   PATCH  /api/v1/journal/rules/:id    {"enabled": bool}
//   DELETE /api/v1/journal/rules/:id
//   GET    /api/v1/journal              {"ndr_to"}
//   PUT    /api/v1/journal              {"ndr_to"} ("" clears it)
// A journal address must be the organisation's (smtp.accepted_domains) or
// in a domain whose TLS policy is `verify`: reports carry the mail.
void RegisterJournalApi(http::Router& router, const ApiContext& context);

// ---- eDiscovery and shredding (search_api.cc; docs/compliance.md), for
// `sealpost search ...` and `sealpost message shred`:
//   POST /api/v1/search        {"query", "from", "to", "after", "before",
//                               "template", "has_attachment", "limit"}
//   GET  /api/v1/search/messages/:id      the original (message/rfc822)
//   POST /api/v1/search/reindex?cursor=C&limit=N   (admin token)
//   GET  /api/v1/search/index               its size   (admin token)
//   POST /api/v1/protected/:id/shred                   (admin token)
// Search and export read content: they take a signed-in user's token (a
// `cli` session) of a member of the eDiscovery Manager group, with
// EDiscoverySuperUserEnabled True; the admin token alone gets 403, as for
// every other read of content (docs/security.md). The query travels in a
// POST body, never in a URL that a proxy or log might keep.
void RegisterSearchApi(http::Router& router, const ApiContext& context);

}  // namespace sealpost::api

#endif  // SEALPOST_API_ROUTES_H_
