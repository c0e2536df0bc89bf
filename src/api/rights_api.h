// The rights management endpoints under /api/v1, one file per noun; each
// Register*Api adds that noun's routes. RegisterRightsApi (api.h) adds them
// all.
//
// Thread-safety: handlers are safe to call concurrently.
#ifndef SEALPOST_API_RIGHTS_API_H_
#define SEALPOST_API_RIGHTS_API_H_

#include "api/api.h"
#include "http/http.h"

namespace sealpost::api {

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

}  // namespace sealpost::api

#endif  // SEALPOST_API_RIGHTS_API_H_
