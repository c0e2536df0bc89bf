// Use licenses: a signed-in user's content key and rights for a sealed
// message's header.
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "base/encoding.h"
#include "license/license_service.h"

namespace sealpost::api {
namespace {

// The mail client's name ("sealpost open"), which labels the audit record
// of the release that `sealpost message status` and /admin show.
constexpr size_t kMaxClientChars = 64;

}  // namespace

void RegisterLicensesApi(http::Router& router, const ApiContext& ctx) {
  router.Add(
      "POST", "/api/v1/licenses",
      SignedIn(
          ctx, "licenses are issued to signed-in users, not the admin token",
          [&ctx](Request& req, const Caller& caller) -> Result<Response> {
            SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
            SP_ASSIGN_OR_RETURN(std::string header,
                                Base64Field(body, "header"));
            // Printable text only (was: anything, so a recipient could
            // write escapes and fake lines into the audit trail).
            SP_ASSIGN_OR_RETURN(
                std::string client,
                PrintableField(body, "client", kMaxClientChars));
            // The PIN of a message whose sender asked for one.
            auto pin = StringField(body, "pin", false);
            SP_ASSIGN_OR_RETURN(auto lic, ctx.licenses->AcquireForClient(
                                              caller.email, header,
                                              client.empty() ? "api" : client,
                                              pin.ok() ? *pin : ""));
            json::array rights;
            for (rights::Right r : lic.rights.List()) {
              rights.emplace_back(rights::RightName(r));
            }
            return JsonOk(
                200,
                json::object{{"message_id", lic.message_id},
                             {"content_key",
                              Base64Encode(lic.content_key.InsecureBytes())},
                             {"rights", rights},
                             {"signing_public_key",
                              Base64Encode(AsBytes(lic.signing_public_key))},
                             {"owner", lic.owner},
                             {"template", lic.template_name},
                             {"expires_at", lic.expires_at}});
          }));
}

}  // namespace sealpost::api
