// Sign-in: a user's e-mail and password for a session token, and sign-out.
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/directory.h"

namespace sealpost::api {

void RegisterAuthApi(http::Router& router, const ApiContext& ctx) {
  router.Add("POST", "/api/v1/auth/token", [&ctx](Request& req) {
    auto body = ParseObject(req);
    if (!body.ok()) return FromStatus(body.status());
    auto email = StringField(*body, "email", true);
    auto password = StringField(*body, "password", true);
    if (!email.ok()) return FromStatus(email.status());
    if (!password.ok()) return FromStatus(password.status());
    auto r = ctx.directory->SignIn(*email, *password, req.remote_address);
    if (!r.ok()) return FromStatus(r.status());
    return JsonOk(
        201, json::object{{"token", r->token}, {"expires_at", r->expires_at}});
  });
  router.Add("DELETE", "/api/v1/auth/token", [&ctx](Request& req) {
    std::string_view auth = req.Header("authorization");
    if (auth.starts_with("Bearer ")) {
      (void)ctx.directory->SignOut(auth.substr(7));
    }
    return JsonOk(200, json::object{{"signed_out", true}});
  });
}

}  // namespace sealpost::api
