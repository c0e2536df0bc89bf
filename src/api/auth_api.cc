// Sign-in: a user's e-mail and password for a session token, and sign-out.
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/directory.h"

namespace sealpost::api {

void RegisterAuthApi(http::Router& router, const ApiContext& ctx) {
  router.Add("POST", "/api/v1/auth/token",
             Public([&ctx](Request& req) -> Result<Response> {
               SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
               SP_ASSIGN_OR_RETURN(std::string email,
                                   StringField(body, "email", true));
               SP_ASSIGN_OR_RETURN(std::string password,
                                   StringField(body, "password", true));
               SP_ASSIGN_OR_RETURN(
                   auto session,
                   ctx.directory->SignIn(email, password, req.remote_address));
               return JsonOk(201,
                             json::object{{"token", session.token},
                                          {"expires_at", session.expires_at}});
             }));
  router.Add("DELETE", "/api/v1/auth/token", [&ctx](Request& req) {
    std::string_view auth = req.Header("authorization");
    if (auth.starts_with("Bearer ")) {
      (void)ctx.directory->SignOut(auth.substr(7));
    }
    return JsonOk(200, json::object{{"signed_out", true}});
  });
}

}  // namespace sealpost::api
