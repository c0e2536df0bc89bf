// Rights management activation and the org keys (admin token).
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/key_service.h"

namespace sealpost::api {

void RegisterRmsApi(http::Router& router, const ApiContext& ctx) {
  auto rms_status = [&ctx]() {
    return json::object{{"active", ctx.keys->active()},
                        {"primary_key_version", ctx.keys->primary_version()},
                        {"key_versions", ctx.keys->version_count()}};
  };
  router.Add("GET", "/api/v1/rms", Admin(ctx, [rms_status](Request&) {
               return JsonOk(200, rms_status());
             }));
  router.Add("POST", "/api/v1/rms/activate",
             Admin(ctx, [&ctx, rms_status](Request&) {
               Status s = ctx.keys->Activate();
               if (!s.ok()) return FromStatus(s);
               AuditAdmin(ctx, "rms.activate", "");
               return JsonOk(200, rms_status());
             }));
  router.Add("POST", "/api/v1/rms/rotate-key",
             Admin(ctx, [&ctx, rms_status](Request&) {
               auto v = ctx.keys->Rotate();
               if (!v.ok()) return FromStatus(v.status());
               AuditAdmin(ctx, "rms.rotate", std::to_string(*v));
               return JsonOk(200, rms_status());
             }));
}

}  // namespace sealpost::api
