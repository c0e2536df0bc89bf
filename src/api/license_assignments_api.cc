// Who may protect mail: licenses assigned to users and groups (admin
// token).
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/directory.h"

namespace sealpost::api {

void RegisterLicenseAssignmentsApi(http::Router& router,
                                   const ApiContext& ctx) {
  router.Add(
      "GET", "/api/v1/license-assignments",
      Admin(ctx, [&ctx](Request&) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(auto lic, ctx.directory->Licenses());
        json::array users, groups;
        for (const auto& u : lic.users) users.emplace_back(u);
        for (const auto& g : lic.groups) groups.emplace_back(g);
        return JsonOk(200, json::object{{"users", users}, {"groups", groups}});
      }));
  router.Add(
      "POST", "/api/v1/license-assignments",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        SP_ASSIGN_OR_RETURN(std::string kind, StringField(body, "kind", true));
        SP_ASSIGN_OR_RETURN(std::string name, StringField(body, "name", true));
        SP_RETURN_IF_ERROR(ctx.directory->AssignLicense(kind, name));
        AuditAdmin(ctx, "license.assign", kind + ":" + name);
        return JsonOk(200, json::object{{"assigned", name}});
      }));
  router.Add(
      "DELETE", "/api/v1/license-assignments/:kind/:name",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_RETURN_IF_ERROR(ctx.directory->RemoveLicense(req.params["kind"],
                                                        req.params["name"]));
        AuditAdmin(ctx, "license.remove",
                   req.params["kind"] + ":" + req.params["name"]);
        return JsonOk(200, json::object{{"removed", req.params["name"]}});
      }));
}

}  // namespace sealpost::api
