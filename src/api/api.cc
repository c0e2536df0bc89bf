#include "api/api.h"

#include <boost/json.hpp>

#include "base/log.h"
#include "base/secret_bytes.h"
#include "crypto/password.h"

namespace sealpost::api {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr size_t kMaxEmail = 254;
constexpr size_t kMinPassword = 8;

Response JsonOk(int status, const json::value& v) {
  return Response::Json(status, json::serialize(v));
}

Response FromStatus(const Status& s) {
  int code = 500;
  std::string name = "internal";
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      code = 400;
      name = "invalid_argument";
      break;
    case StatusCode::kNotFound:
      code = 404;
      name = "not_found";
      break;
    case StatusCode::kAlreadyExists:
      code = 409;
      name = "already_exists";
      break;
    case StatusCode::kPermissionDenied:
      code = 403;
      name = "forbidden";
      break;
    case StatusCode::kUnauthenticated:
      code = 401;
      name = "unauthenticated";
      break;
    case StatusCode::kFailedPrecondition:
      code = 409;
      name = "failed_precondition";
      break;
    case StatusCode::kResourceExhausted:
      code = 429;
      name = "exhausted";
      break;
    case StatusCode::kUnavailable:
      code = 503;
      name = "unavailable";
      break;
    default:
      break;
  }
  if (code == 500) {
    log::Error("internal error: {}", s.ToString());
    return Response::JsonError(500, name, "internal error");
  }
  return Response::JsonError(code, name, s.message());
}

// Parses a JSON object body; the error says where the JSON went wrong.
Result<json::object> ParseObject(const Request& req) {
  std::string_view ct = req.Header("content-type");
  if (!ct.empty() && ct.find("application/json") == std::string_view::npos) {
    return InvalidArgumentError("Content-Type must be application/json");
  }
  boost::system::error_code ec;
  json::value v = json::parse(req.body, ec);
  if (ec) return InvalidArgumentError("invalid JSON body: " + ec.message());
  if (!v.is_object()) {
    return InvalidArgumentError("JSON body must be an object");
  }
  return std::move(v.as_object());
}

Result<std::string> StringField(const json::object& o, std::string_view key,
                                bool required) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) {
    if (required) {
      return InvalidArgumentError("missing field '" + std::string(key) + "'");
    }
    return std::string();
  }
  if (!it->value().is_string()) {
    return InvalidArgumentError("field '" + std::string(key) +
                                "' must be a string");
  }
  return std::string(it->value().as_string());
}

Result<std::string> NormalizeEmail(std::string_view email) {
  std::string out;
  for (char c : email) out += static_cast<char>(std::tolower(c));
  auto at = out.find('@');
  if (out.size() > kMaxEmail || at == std::string::npos || at == 0 ||
      at + 1 == out.size() || out.find('@', at + 1) != std::string::npos ||
      out.find_first_of(" \t\r\n<>\",;") != std::string::npos) {
    return InvalidArgumentError("'" + std::string(email) +
                                "' is not an e-mail address");
  }
  return out;
}

json::object UserJson(const store::UserRecord& u) {
  return {{"email", u.email},
          {"display_name", u.display_name},
          {"created_at", u.created_at},
          {"disabled", u.disabled}};
}

// Wraps an admin-only handler.
http::Handler Admin(const ApiContext& ctx,
                    std::function<Response(Request&)> inner) {
  return [&ctx, inner = std::move(inner)](Request& req) {
    if (!IsAdmin(req, ctx)) {
      Response r =
          Response::JsonError(401, "unauthenticated", "admin token required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sealpost\"");
      return r;
    }
    return inner(req);
  };
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
               int64_t now = ctx.clock->NowUnix();
               return JsonOk(200, json::object{
                                      {"version", ctx.version},
                                      {"started_at", ctx.started_at},
                                      {"uptime_seconds", now - ctx.started_at},
                                      {"store_engine", ctx.store->Engine()},
                                      {"schema_version", *version},
                                      {"dev_mode", ctx.dev_mode},
                                  });
             }));

  router.Add("GET", "/api/v1/users", Admin(ctx, [&ctx](Request&) {
               auto users = ctx.store->ListUsers();
               if (!users.ok()) return FromStatus(users.status());
               json::array out;
               for (const auto& u : *users) out.push_back(UserJson(u));
               return JsonOk(200, json::object{{"users", out}});
             }));

  router.Add(
      "POST", "/api/v1/users", Admin(ctx, [&ctx](Request& req) -> Response {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto email = StringField(*body, "email", true);
        if (!email.ok()) return FromStatus(email.status());
        auto norm = NormalizeEmail(*email);
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
        auto existing = ctx.store->GetUser(*norm);
        if (!existing.ok()) return FromStatus(existing.status());
        if (existing->has_value()) {
          return Response::JsonError(409, "already_exists",
                                     "user " + *norm + " already exists");
        }
        auto hash = crypto::HashPassword(*password);
        if (!hash.ok()) return FromStatus(hash.status());
        store::UserRecord user{*norm, *hash, *name, 0, false};
        if (Status s = ctx.store->PutUser(user); !s.ok()) return FromStatus(s);
        (void)ctx.store->AppendAudit(
            {0, 0, "admin", "user.add", *norm, "ok", ""});
        json::object out = {{"email", *norm}};
        if (generated) out["password"] = *password;  // shown once, to the admin
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
               (void)ctx.store->AppendAudit(
                   {0, 0, "admin", "user.passwd", (*user)->email, "ok", ""});
               return JsonOk(200, json::object{{"email", (*user)->email}});
             }));

  router.Add(
      "DELETE", "/api/v1/users/:email",
      Admin(ctx, [&ctx](Request& req) -> Response {
        Status s = ctx.store->DeleteUser(req.params["email"]);
        if (!s.ok()) return FromStatus(s);
        (void)ctx.store->AppendAudit(
            {0, 0, "admin", "user.remove", req.params["email"], "ok", ""});
        return JsonOk(200, json::object{{"removed", req.params["email"]}});
      }));
}

}  // namespace sealpost::api
