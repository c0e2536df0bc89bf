// Groups of users and their members (admin token).
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/directory.h"

namespace sealpost::api {

void RegisterGroupsApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/groups",
             Admin(ctx, [&ctx](Request&) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(auto groups, ctx.directory->Groups());
               json::object out;
               for (const auto& [name, members] : groups) {
                 json::array a;
                 for (const auto& m : members) a.emplace_back(m);
                 out[name] = a;
               }
               return JsonOk(200, json::object{{"groups", out}});
             }));
  router.Add("POST", "/api/v1/groups",
             Admin(ctx, [&ctx](Request& req) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
               SP_ASSIGN_OR_RETURN(std::string name,
                                   StringField(body, "name", true));
               SP_RETURN_IF_ERROR(ctx.directory->AddGroup(name));
               AuditAdmin(ctx, "group.add", name);
               return JsonOk(201, json::object{{"group", name}});
             }));
  router.Add(
      "DELETE", "/api/v1/groups/:name",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_RETURN_IF_ERROR(ctx.directory->RemoveGroup(req.params["name"]));
        AuditAdmin(ctx, "group.remove", req.params["name"]);
        return JsonOk(200, json::object{{"removed", req.params["name"]}});
      }));
  router.Add(
      "POST", "/api/v1/groups/:name/members",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        SP_ASSIGN_OR_RETURN(std::string email,
                            StringField(body, "email", true));
        SP_RETURN_IF_ERROR(ctx.directory->AddMember(req.params["name"], email));
        // Membership grants rights (Administrators, eDiscovery): audited.
        AuditAdmin(ctx, "group.member_add", req.params["name"], email);
        return JsonOk(
            200, json::object{{"group", req.params["name"]}, {"added", email}});
      }));
  router.Add(
      "DELETE", "/api/v1/groups/:name/members/:email",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_RETURN_IF_ERROR(ctx.directory->RemoveMember(req.params["name"],
                                                       req.params["email"]));
        AuditAdmin(ctx, "group.member_remove", req.params["name"],
                   req.params["email"]);
        return JsonOk(200, json::object{{"removed", req.params["email"]}});
      }));
}

}  // namespace sealpost::api
