// The IRM configuration (Get-/Set-IRMConfiguration) and its self-test
// (Test-IRMConfiguration), admin token.
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/irm_config.h"
#include "license/license_service.h"

namespace sealpost::api {
namespace {

json::value IrmJson(const license::IrmConfig& c, const ApiContext& ctx) {
  json::object props;
  for (const auto& [k, v] : c.Display()) props[k] = v;
  return json::object{
      {"Identity", "ControlPoint Configuration"},
      {"properties", props},
      {"raw", json::parse(c.ToJson())},
      {"ServiceLocation", ctx.public_url},
      {"PublishingLocation", ctx.public_url + "/api/v1/protect"},
      {"LicensingLocationService", ctx.public_url + "/api/v1/licenses"}};
}

}  // namespace

void RegisterIrmApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/irm", Admin(ctx, [&ctx](Request&) {
               auto c = ctx.licenses->LoadIrm();
               if (!c.ok()) return FromStatus(c.status());
               return JsonOk(200, IrmJson(*c, ctx));
             }));
  router.Add("PATCH", "/api/v1/irm", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               // All or nothing: nothing is saved if any value is bad.
               // Made to the stored settings, again if another change
               // came first, so that both hold.
               std::string changed;
               auto c = ctx.licenses->UpdateIrm(
                   [&](license::IrmConfig& irm) -> Status {
                     SP_ASSIGN_OR_RETURN(changed, SetProperties(irm, *body));
                     return Status::Ok();
                   });
               if (!c.ok()) return FromStatus(c.status());
               AuditAdmin(ctx, "irm.set", "irm", changed);
               return JsonOk(200, IrmJson(*c, ctx));
             }));
  router.Add(
      "POST", "/api/v1/irm/test", Admin(ctx, [&ctx](Request& req) {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto sender = StringField(*body, "sender", true);
        if (!sender.ok()) return FromStatus(sender.status());
        auto recipient = StringField(*body, "recipient", false);
        if (!recipient.ok()) return FromStatus(recipient.status());
        std::string to = recipient->empty() ? *sender : *recipient;
        auto checks = ctx.licenses->SelfTest(*sender, to);
        json::array out;
        bool pass = !checks.empty();
        for (const auto& c : checks) {
          pass = pass && c.pass;
          out.push_back(json::object{
              {"step", c.step}, {"pass", c.pass}, {"detail", c.detail}});
        }
        ctx.store->AppendAuditBestEffort({0, 0, "admin", "irm.test",
                                          *sender + " -> " + to,
                                          pass ? "pass" : "fail", ""});
        return JsonOk(200, json::object{{"checks", out}, {"pass", pass}});
      }));
}

}  // namespace sealpost::api
