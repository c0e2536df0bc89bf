// eDiscovery and shredding under /api/v1 (docs/compliance.md), for
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
//
// Thread-safety: handlers are safe to call concurrently.
#ifndef SEALPOST_API_SEARCH_API_H_
#define SEALPOST_API_SEARCH_API_H_

#include "api/api.h"
#include "http/http.h"

namespace sealpost::api {

void RegisterSearchApi(http::Router& router, const ApiContext& context);

}  // namespace sealpost::api

#endif  // SEALPOST_API_SEARCH_API_H_
