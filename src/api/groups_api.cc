// Groups of users and their members (admin token).
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/directory.h"

namespace sealpost::api {

void RegisterGroupsApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/groups", Admin(ctx, [&ctx](Request&) {
               auto groups = ctx.directory->Groups();
               if (!groups.ok()) return FromStatus(groups.status());
               json::object out;
               for (const auto& [name, members] : *groups) {
                 json::array a;
                 for (const auto& m : members) a.emplace_back(m);
                 out[name] = a;
               }
               return JsonOk(200, json::object{{"groups", out}});
             }));
  router.Add("POST", "/api/v1/groups", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto name = StringField(*body, "name", true);
               if (!name.ok()) return FromStatus(name.status());
               Status s = ctx.directory->AddGroup(*name);
               if (!s.ok()) return FromStatus(s);
               return JsonOk(201, json::object{{"group", *name}});
             }));
  router.Add(
      "DELETE", "/api/v1/groups/:name", Admin(ctx, [&ctx](Request& req) {
        Status s = ctx.directory->RemoveGroup(req.params["name"]);
        if (!s.ok()) return FromStatus(s);
        return JsonOk(200, json::object{{"removed", req.params["name"]}});
      }));
  router.Add("POST", "/api/v1/groups/:name/members",
             Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto email = StringField(*body, "email", true);
               if (!email.ok()) return FromStatus(email.status());
               Status s = ctx.directory->AddMember(req.params["name"], *email);
               if (!s.ok()) return FromStatus(s);
               return JsonOk(200, json::object{{"group", req.params["name"]},
                                               {"added", *email}});
             }));
  router.Add(
      "DELETE", "/api/v1/groups/:name/members/:email",
      Admin(ctx, [&ctx](Request& req) {
        Status s = ctx.directory->RemoveMember(req.params["name"],
                                               req.params["email"]);
        if (!s.ok()) return FromStatus(s);
        return JsonOk(200, json::object{{"removed", req.params["email"]}});
      }));
}

}  // namespace sealpost::api
