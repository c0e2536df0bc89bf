#include "api/util.h"

#include <boost/json.hpp>

#include "base/encoding.h"
#include "base/json_quote.h"
#include "base/log.h"
#include "base/split.h"
#include "base/utf8.h"
#include "base/visible_text.h"
#include "license/directory.h"
#include "license/property_set.h"

namespace sealpost::api {

namespace {

// `v` as JSON text that is UTF-8 (RFC 8259 §8.1): Boost.JSON writes a
// string's bytes as they are, and some strings are kept as they came from
// outside (a next hop's reply, a Message-ID stored before it was made
// VisibleText); each byte of those that is no UTF-8 becomes U+FFFD, as in
// the error bodies (JsonQuote). Structure is ASCII, so only strings change.
std::string Utf8Json(const json::value& v) {
  std::string text = json::serialize(v);
  ReplaceInvalidUtf8(text);
  return text;
}

}  // namespace

Response JsonOk(int status, const json::value& v) {
  return Response::Json(status, Utf8Json(v));
}

Response JsonWithBase64(int status, std::string_view key,
                        std::string_view bytes, const json::object& rest) {
  if (rest.contains(key)) {
    // The object would name `key` twice: a caller's bug, never sent.
    return FromStatus(InternalError("JsonWithBase64: '" + std::string(key) +
                                    "' is also a member of rest"));
  }
  const std::string head = "{" + JsonQuote(key) + ":\"";
  const std::string members = rest.empty() ? "" : Utf8Json(rest);
  std::string body;
  body.reserve(head.size() + (bytes.size() + 2) / 3 * 4 + 2 + members.size());
  body.append(head);
  Base64EncodeTo(AsBytes(bytes), &body);
  body += '"';
  if (members.empty()) {
    body += '}';
  } else {
    body += ',';
    body.append(members, 1);  // past its '{'
  }
  return Response::Json(status, std::move(body));
}

void AuditAdmin(const ApiContext& ctx, std::string action, std::string object,
                std::string detail) {
  ctx.store->AppendAuditBestEffort({0, 0, "admin", std::move(action),
                                    std::move(object), "ok",
                                    std::move(detail)});
}

Response JsonItems(std::string_view key, size_t n,
                   const std::function<json::value(size_t)>& item) {
  json::array out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(item(i));
  return JsonOk(200, json::object{{key, std::move(out)}});
}

Response FromStatus(const Status& s) {
  struct Mapping {
    StatusCode code;
    int http;
    std::string_view name;
  };
  static constexpr Mapping kMappings[] = {
      {StatusCode::kInvalidArgument, 400, "invalid_argument"},
      {StatusCode::kNotFound, 404, "not_found"},
      {StatusCode::kAlreadyExists, 409, "already_exists"},
      {StatusCode::kPermissionDenied, 403, "forbidden"},
      {StatusCode::kUnauthenticated, 401, "unauthenticated"},
      {StatusCode::kFailedPrecondition, 409, "failed_precondition"},
      {StatusCode::kResourceExhausted, 429, "too_many_requests"},
      {StatusCode::kUnavailable, 503, "unavailable"},
  };
  for (const Mapping& m : kMappings) {
    if (m.code == s.code())
      return Response::JsonError(m.http, m.name, s.message());
  }
  log::Error("internal error: {}", s.ToString());
  return Response::JsonError(500, "internal", "internal error");
}

namespace {

// What a handler that may fail answers.
Response ResponseOf(Result<Response> r) {
  if (!r.ok()) return FromStatus(r.status());
  return std::move(r).value();
}

}  // namespace

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

Result<std::string> PrintableField(const json::object& o, std::string_view key,
                                   size_t max_chars) {
  SP_ASSIGN_OR_RETURN(std::string text, StringField(o, key, false));
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++chars) {
    char32_t c = 0;
    const size_t n = Utf8SequenceAt(text, i, &c);
    if (n == 0 || IsControlCodePoint(c) || chars == max_chars) {
      return InvalidArgumentError(
          "field '" + std::string(key) + "' must be at most " +
          std::to_string(max_chars) +
          " characters of printable text (no control characters)");
    }
    i += n;
  }
  return text;
}

Result<int64_t> IntField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return int64_t{0};
  // A uint64 is one past int64's range (Boost.JSON makes every integer
  // that fits an int64); converting it threw, a 500.
  if (!v->is_int64()) {
    return InvalidArgumentError(
        std::string(key) +
        " must be an integer from -9223372036854775808 to "
        "9223372036854775807");
  }
  return v->as_int64();
}

Result<std::vector<std::string>> StringList(const json::object& o,
                                            std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) {
    return InvalidArgumentError("'" + std::string(key) +
                                "' must be an array of strings");
  }
  std::vector<std::string> out;
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) {
      return InvalidArgumentError("'" + std::string(key) +
                                  "' must be an array of strings");
    }
    out.emplace_back(e.as_string());
  }
  return out;
}

std::vector<std::string> CommaList(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    std::string_view item = TakeField(list, ",");
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

Result<std::string> Base64Field(const json::object& o, std::string_view key) {
  SP_ASSIGN_OR_RETURN(std::string text, StringField(o, key, true));
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) {
    return InvalidArgumentError("'" + std::string(key) + "' must be base64: " +
                                bytes.status().message());
  }
  return *bytes;
}

Result<Caller> Authenticate(const Request& req, const ApiContext& ctx) {
  if (IsAdmin(req, ctx)) return Caller{true, ""};
  std::string_view auth = req.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!auth.starts_with(kBearer) || ctx.directory == nullptr) {
    return UnauthenticatedError("sign-in required");
  }
  SP_ASSIGN_OR_RETURN(std::string email,
                      ctx.directory->Authenticate(auth.substr(kBearer.size())));
  return Caller{false, email};
}

http::Handler Public(Inner inner) {
  return [inner = std::move(inner)](Request& req) {
    return ResponseOf(inner(req));
  };
}

http::Handler Admin(const ApiContext& ctx, Inner inner) {
  return [&ctx, inner = std::move(inner)](Request& req) {
    if (!IsAdmin(req, ctx)) {
      Response r =
          Response::JsonError(401, "unauthenticated", "admin token required");
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sealpost\"");
      return r;
    }
    return ResponseOf(inner(req));
  };
}

http::Handler Authed(const ApiContext& ctx, CallerInner inner) {
  return [&ctx, inner = std::move(inner)](Request& req) {
    auto caller = Authenticate(req, ctx);
    if (!caller.ok()) {
      Response r = FromStatus(caller.status());
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"sealpost\"");
      return r;
    }
    return ResponseOf(inner(req, *caller));
  };
}

http::Handler SignedIn(const ApiContext& ctx, std::string admin_refusal,
                       CallerInner inner) {
  auto guarded = [refusal = std::move(admin_refusal), inner = std::move(inner)](
                     Request& req, const Caller& caller) -> Result<Response> {
    if (caller.admin) {
      return Response::JsonError(403, "forbidden", refusal);
    }
    return inner(req, caller);
  };
  return Authed(ctx, std::move(guarded));
}

Result<std::string> SettingText(std::string_view key, const json::value& v,
                                bool allow_int) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return std::string(v.as_bool() ? "True" : "False");
  if (allow_int && v.is_int64()) return std::to_string(v.as_int64());
  return InvalidArgumentError(
      std::string(key) + (allow_int ? ": value must be a string, bool or int"
                                    : ": value must be a string or bool"));
}

Result<std::string> SetProperties(license::PropertySet& set,
                                  const json::object& body) {
  if (body.empty()) return InvalidArgumentError("no property to set");
  std::string changed;
  for (const auto& [k, v] : body) {
    SP_ASSIGN_OR_RETURN(std::string text, SettingText(k, v, false));
    SP_RETURN_IF_ERROR(set.Set(k, text));
    changed +=
        std::string(changed.empty() ? "" : ",") + std::string(k) + "=" + text;
  }
  return changed;
}

}  // namespace sealpost::api
