// Rights management endpoints: sign-in, activation and keys, IRM
// configuration and self-test, templates, license assignments, groups,
// protection, license acquisition, and revocation/expiry of protected mail.
// Each noun has its own file (api_routes.h).
#include "api/api_routes.h"

namespace sealpost::api {

void RegisterRightsApi(http::Router& router, const ApiContext& ctx) {
  RegisterAuthApi(router, ctx);
  RegisterRmsApi(router, ctx);
  RegisterIrmApi(router, ctx);
  RegisterTemplatesApi(router, ctx);
  RegisterLicenseAssignmentsApi(router, ctx);
  RegisterGroupsApi(router, ctx);
  RegisterProtectApi(router, ctx);
  RegisterLicensesApi(router, ctx);
  RegisterProtectedApi(router, ctx);
}

}  // namespace sealpost::api
