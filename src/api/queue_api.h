// The queue and TLS policy endpoints under /api/v1 (admin token):
//   GET    /api/v1/queue/messages[?state=queued|done&limit=N]
//   GET    /api/v1/queue/messages/:id          message, deliveries, trace
//   POST   /api/v1/queue/messages/:id/retry    deliver queued ones now
//   GET    /api/v1/tls/policies
//   PUT    /api/v1/tls/policies/:domain        {"policy", "ca_file"}
//   DELETE /api/v1/tls/policies/:domain
//
// Thread-safety: handlers are safe to call concurrently.
#ifndef SEALPOST_API_QUEUE_API_H_
#define SEALPOST_API_QUEUE_API_H_

#include "api/api.h"
#include "http/http.h"

namespace sealpost::api {

void RegisterQueueApi(http::Router& router, const ApiContext& context);

}  // namespace sealpost::api

#endif  // SEALPOST_API_QUEUE_API_H_
