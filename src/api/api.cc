#include "api/api.h"

#include <boost/json.hpp>

#include "api/util.h"

#include "base/disk_space.h"
#include "base/log.h"
#include "base/secret_bytes.h"
#include "base/strings.h"
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

// The nodes seen in the last minute (their heartbeats) and the queue
// depth per lease holder ("" for messages nobody holds), for `status`.
Result<json::object> NodesJson(store::Store& store, const Clock& clock) {
  const int64_t now_ms = clock.NowUnix() * 1000;
  SP_ASSIGN_OR_RETURN(auto nodes, store.ListNodes(now_ms - 60'000));
  SP_ASSIGN_OR_RETURN(auto depth, store.QueueDepthByNode(now_ms));
  json::array seen;
  for (const store::NodeRecord& n : nodes) {
    seen.push_back({{"node_id", n.node_id},
                    {"hostname", n.hostname},
                    {"version", n.version},
                    {"started_at", n.started_ms / 1000},
                    {"seen_at", n.seen_ms / 1000}});
  }
  json::array queue;
  for (const store::NodeQueueDepth& d : depth) {
    queue.push_back({{"node_id", d.node},
                     {"messages", d.messages},
                     {"deliveries", d.deliveries}});
  }
  return json::object{{"nodes", std::move(seen)},
                      {"queue_by_node", std::move(queue)}};
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
               auto nodes = NodesJson(*ctx.store, *ctx.clock);
               if (!nodes.ok()) return FromStatus(nodes.status());
               int64_t now = ctx.clock->NowUnix();
               json::object out{
                   {"version", ctx.version},
                   {"started_at", ctx.started_at},
                   {"uptime_seconds", now - ctx.started_at},
                   {"store_engine", ctx.store->Engine()},
                   {"schema_version", *version},
                   {"dev_mode", ctx.dev_mode},
                   {"node_id", ctx.node_id},
                   {"store",
                    json::object{
                        {"file_bytes", stats->file_bytes},
                        {"free_bytes", stats->free_bytes},
                        {"queued_messages", stats->queued_messages},
                        {"done_messages", stats->done_messages},
                        {"portal_copies", stats->portal_copies},
                        {"protected_messages", stats->protected_messages},
                    }},
               };
               if (!ctx.spool_dir.empty()) {
                 // What new mail may still use (server.min_free_bytes).
                 json::object disk{{"min_free_bytes", ctx.min_free_bytes}};
                 if (auto free = AvailableBytes(ctx.spool_dir)) {
                   disk["available_bytes"] = *free;
                 }
                 out["disk"] = std::move(disk);
               }
               for (auto& [k, v] : *nodes) out[k] = std::move(v);
               json::array oidc;
               for (const auto& [name, uri] : ctx.oidc_redirect_uris) {
                 oidc.push_back({{"name", name}, {"redirect_uri", uri}});
               }
               out["oidc_providers"] = std::move(oidc);
               return JsonOk(200, std::move(out));
             }));

  router.Add("GET", "/api/v1/users", Admin(ctx, [&ctx](Request&) {
               return ListJson(ctx.store->ListUsers(), "users", UserJson);
             }));

  router.Add(
      "POST", "/api/v1/users",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        SP_ASSIGN_OR_RETURN(std::string email,
                            StringField(body, "email", true));
        SP_ASSIGN_OR_RETURN(std::string norm, license::NormalizeEmail(email));
        SP_ASSIGN_OR_RETURN(std::string password,
                            StringField(body, "password", false));
        SP_ASSIGN_OR_RETURN(std::string name,
                            StringField(body, "display_name", false));
        bool generated = password.empty();
        if (generated) password = crypto::GeneratePassword();
        if (password.size() < kMinPassword) {
          return Response::JsonError(400, "invalid_argument",
                                     "password must have at least 8 "
                                     "characters");
        }
        SP_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(password));
        store::UserRecord user{norm, hash, name, 0, false};
        SP_RETURN_IF_ERROR(ctx.directory->AddUser(user));
        AuditAdmin(ctx, "user.add", norm);
        json::object out = {{"email", norm}};
        if (generated) out["password"] = password;  // shown once, to the admin
        return JsonOk(201, out);
      }));

  router.Add(
      "PUT", "/api/v1/users/:email/password",
      Admin(ctx, [&ctx](Request& req) -> Result<Response> {
        SP_ASSIGN_OR_RETURN(json::object body, ParseObject(req));
        SP_ASSIGN_OR_RETURN(std::string password,
                            StringField(body, "password", true));
        if (password.size() < kMinPassword) {
          return Response::JsonError(
              400, "invalid_argument",
              "password must have at least 8 characters");
        }
        std::string email = AsciiLower(req.params["email"]);
        SP_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(password));
        // Only a user there is (404 when a removal came first), and
        // whoever learnt the old password is signed in no longer,
        // nor is a sign-in with it under way now.
        Status set = ctx.directory->SetPassword(email, hash);
        if (set.code() == StatusCode::kNotFound) {
          return Response::JsonError(404, "not_found", "no user " + email);
        }
        SP_RETURN_IF_ERROR(set);
        AuditAdmin(ctx, "user.passwd", email);
        return JsonOk(200, json::object{{"email", email}});
      }));

  // A portal reader's authenticator app (any address: readers are mostly
  // not users here), removed so that they enrol again (docs/portal.md).
  // Every session of the address ends with it: one that gave a code of the
  // lost app proves nothing now.
  router.Add("DELETE", "/api/v1/users/:email/second-factor",
             Admin(ctx, [&ctx](Request& req) -> Response {
               std::string email = AsciiLower(req.params["email"]);
               auto removed = ctx.store->DeleteSecondFactor(email);
               if (!removed.ok()) return FromStatus(removed.status());
               if (!*removed) {
                 return Response::JsonError(
                     404, "not_found", email + " has no authenticator app");
               }
               AuditAdmin(ctx, "second_factor.reset", email);
               if (Status ended = ctx.directory->EndSessionsOf(email);
                   !ended.ok()) {
                 return FromStatus(ended);
               }
               return JsonOk(200, json::object{{"reset", email}});
             }));

  router.Add(
      "DELETE", "/api/v1/users/:email",
      Admin(ctx, [&ctx](Request& req) -> Response {
        // Their sessions, API tokens and license assignment go with them.
        Status s = ctx.directory->RemoveUser(req.params["email"]);
        if (!s.ok()) return FromStatus(s);
        AuditAdmin(ctx, "user.remove", req.params["email"]);
        return JsonOk(200, json::object{{"removed", req.params["email"]}});
      }));
}

}  // namespace sealpost::api
