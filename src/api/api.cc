#include "api/api.h"

#include <boost/json.hpp>

#include "api/util.h"

#include "base/log.h"
#include "base/secret_bytes.h"
#include "crypto/password.h"
#include "license/directory.h"

namespace sealpost::api {
namespace {

constexpr size_t kMinPassword = 8;

json::object UserJson(const store::UserRecord& u) {
  return {{"email", u.email},
          {"display_name", u.display_name},
          {"created_at", u.created_at},
          {"disabled", u.disabled}};
}

}  // namespace

bool IsAdmin(const Request& request, const ApiContext& context) {
  std::string_view auth = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer) || context.admin_token.empty()) return false;
  return ConstantTimeEquals(auth.substr(kBearer.size()), context.admin_token);
}

void RegisterApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/sys/status", Admin(ctx, [&ctx](Request&) {
               auto version = ctx.store->SchemaVersion();
               if (!version.ok()) return FromStatus(version.status());
               auto stats = ctx.store->Stats();
               if (!stats.ok()) return FromStatus(stats.status());
               int64_t now = ctx.clock->NowUnix();
               return JsonOk(
                   200,
                   json::object{
                       {"version", ctx.version},
                       {"started_at", ctx.started_at},
                       {"uptime_seconds", now - ctx.started_at},
                       {"store_engine", ctx.store->Engine()},
                       {"schema_version", *version},
                       {"dev_mode", ctx.dev_mode},
                       {"store",
                        json::object{
                            {"file_bytes", stats->file_bytes},
                            {"free_bytes", stats->free_bytes},
                            {"queued_messages", stats->queued_messages},
                            {"done_messages", stats->done_messages},
                            {"portal_copies", stats->portal_copies},
                            {"protected_messages", stats->protected_messages},
                        }},
                   });
             }));

  router.Add("GET", "/api/v1/users", Admin(ctx, [&ctx](Request&) {
               return ListJson(ctx.store->ListUsers(), "users", UserJson);
             }));

  router.Add("POST", "/api/v1/users",
             Admin(ctx, [&ctx](Request& req) -> Response {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto email = StringField(*body, "email", true);
               if (!email.ok()) return FromStatus(email.status());
               auto norm = license::NormalizeEmail(*email);
               if (!norm.ok()) return FromStatus(norm.status());
               auto password = StringField(*body, "password", false);
               if (!password.ok()) return FromStatus(password.status());
               auto name = StringField(*body, "display_name", false);
               if (!name.ok()) return FromStatus(name.status());
               bool generated = password->empty();
               if (generated) *password = crypto::GeneratePassword();
               if (password->size() < kMinPassword) {
                 return Response::JsonError(400, "invalid_argument",
                                            "password must have at least 8 "
                                            "characters");
               }
               auto hash = crypto::HashPassword(*password);
               if (!hash.ok()) return FromStatus(hash.status());
               store::UserRecord user{*norm, *hash, *name, 0, false};
               if (Status s = ctx.directory->AddUser(user); !s.ok()) {
                 return FromStatus(s);
               }
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "user.add", *norm, "ok", ""});
               json::object out = {{"email", *norm}};
               if (generated)
                 out["password"] = *password;  // shown once, to the admin
               return JsonOk(201, out);
             }));

  router.Add("PUT", "/api/v1/users/:email/password",
             Admin(ctx, [&ctx](Request& req) -> Response {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto password = StringField(*body, "password", true);
               if (!password.ok()) return FromStatus(password.status());
               if (password->size() < kMinPassword) {
                 return Response::JsonError(
                     400, "invalid_argument",
                     "password must have at least 8 characters");
               }
               auto user = ctx.store->GetUser(req.params["email"]);
               if (!user.ok()) return FromStatus(user.status());
               if (!user->has_value()) {
                 return Response::JsonError(404, "not_found",
                                            "no user " + req.params["email"]);
               }
               auto hash = crypto::HashPassword(*password);
               if (!hash.ok()) return FromStatus(hash.status());
               (*user)->password_hash = *hash;
               if (Status s = ctx.store->PutUser(**user); !s.ok()) {
                 return FromStatus(s);
               }
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "user.passwd", (*user)->email, "ok", ""});
               return JsonOk(200, json::object{{"email", (*user)->email}});
             }));

  router.Add(
      "DELETE", "/api/v1/users/:email",
      Admin(ctx, [&ctx](Request& req) -> Response {
        // Their sessions, API tokens and license assignment go with them.
        Status s = ctx.directory->RemoveUser(req.params["email"]);
        if (!s.ok()) return FromStatus(s);
        ctx.store->AppendAuditBestEffort(
            {0, 0, "admin", "user.remove", req.params["email"], "ok", ""});
        return JsonOk(200, json::object{{"removed", req.params["email"]}});
      }));
}

}  // namespace sealpost::api
