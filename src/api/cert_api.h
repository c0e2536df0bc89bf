// The S/MIME certificate endpoints under /api/v1/smime (admin token), for
// `sealpost cert ...` (docs/smime.md):
//   POST   /api/v1/smime/certs          {"file": base64, "password"}
//   GET    /api/v1/smime/certs[?email=A]
//   GET    /api/v1/smime/certs/:id      id or a unique prefix (8+ hex)
//   DELETE /api/v1/smime/certs/:id
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
//                                       "certificate", "signatures": [...]}
//   POST   /api/v1/smime/protect?to=A,B[&sign=true]  message/rfc822 → the
//                                       S/MIME message (message/rfc822)
// A certificate's JSON never carries its private key.
//
// Thread-safety: handlers are safe to call concurrently.
#ifndef SEALPOST_API_CERT_API_H_
#define SEALPOST_API_CERT_API_H_

#include "api/api.h"
#include "http/http.h"

namespace sealpost::api {

void RegisterCertApi(http::Router& router, const ApiContext& context);
void RegisterSmimeConfigApi(http::Router& router, const ApiContext& context);
void RegisterSmimeUserApi(http::Router& router, const ApiContext& context);

}  // namespace sealpost::api

#endif  // SEALPOST_API_CERT_API_H_
