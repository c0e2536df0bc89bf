// Protected messages: status and license log, the sealed copy the server
// keeps, revocation and expiry.
#include "api/api_routes.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/util.h"
#include "base/strings.h"
#include "license/license_service.h"
#include "store/body_store.h"
#include "store/store.h"

namespace sealpost::api {
namespace {

json::object MessageJson(const license::MessageState& s) {
  const auto& r = s.record;
  json::value recipients = json::parse(r.recipients_json);
  return {{"id", r.id},
          {"owner", r.owner},
          {"template_id", r.template_id},
          {"recipients", recipients},
          {"created_at", r.created_at},
          {"expires_at", r.expires_at},
          {"revoked_at", r.revoked_at},
          {"revoked_by", r.revoked_by},
          {"state", s.state}};
}

// Decimal digits only, at most 18 of them (so std::stoll cannot overflow).
bool IsSmallNumber(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(), IsAsciiDigit);
}

// GET /api/v1/protected (RegisterProtectedApi says what it takes).
Response ListProtected(const ApiContext& ctx, Request& req,
                       const Caller& caller) {
  store::ProtectedMessageQuery q;
  q.owner = caller.admin ? req.QueryParam("owner") : caller.email;
  q.state = req.QueryParam("state");
  if (!q.state.empty() && q.state != "active" && q.state != "revoked" &&
      q.state != "expired") {
    return Response::JsonError(400, "invalid_argument",
                               "state must be active, revoked or expired");
  }
  q.now = ctx.clock->NowUnix();
  q.recipient = req.QueryParam("recipient");
  auto number = [&](const char* name, int64_t* out) {
    std::string v = req.QueryParam(name);
    if (v.empty()) return true;
    if (!IsSmallNumber(v)) return false;
    *out = std::stoll(v);
    return true;
  };
  int64_t limit = 100;
  if (!number("since", &q.since) || !number("limit", &limit) || limit < 1 ||
      limit > 500) {
    return Response::JsonError(400, "invalid_argument",
                               "since must be unix seconds, limit 1 to 500");
  }
  q.limit = static_cast<int>(limit) + 1;
  std::string before = req.QueryParam("before");
  if (!before.empty()) {
    size_t dot = before.find('.');
    int64_t at = 0;
    std::string at_text = before.substr(0, dot);
    if (dot == std::string::npos || dot == 0 || !IsSmallNumber(at_text)) {
      return Response::JsonError(400, "invalid_argument",
                                 "before is the `next` of a page");
    }
    at = std::stoll(at_text);
    q.before_created_at = at;
    q.before_id = before.substr(dot + 1);
  }
  auto list = ctx.store->QueryProtectedMessages(q);
  if (!list.ok()) return FromStatus(list.status());
  json::object body;
  if (list->size() > static_cast<size_t>(limit)) {
    list->resize(static_cast<size_t>(limit));
    body["next"] =
        std::to_string(list->back().created_at) + "." + list->back().id;
  }
  json::array out;
  for (const auto& r : *list) {
    auto st = ctx.licenses->GetState(r.id);
    if (!st.ok()) continue;
    json::object m = MessageJson(*st);
    if (!caller.admin && r.owner == caller.email) {
      auto subject = ctx.licenses->Subject(r);
      if (subject.ok() && subject->has_value()) m["subject"] = **subject;
    }
    out.push_back(std::move(m));
  }
  body["messages"] = std::move(out);
  return JsonOk(200, body);
}

}  // namespace

void RegisterProtectedApi(http::Router& router, const ApiContext& ctx) {
  // Newest first, a page at a time: `limit` (default 100, at most 500),
  // `before` (the `next` of the previous page), filters `owner` (admin
  // only: a user always lists their own), `state`, `since` (unix seconds)
  // and `recipient`. The owner listing their own also gets each subject.
  router.Add("GET", "/api/v1/protected",
             Authed(ctx, [&ctx](Request& req, const Caller& caller) {
               return ListProtected(ctx, req, caller);
             }));
  router.Add("GET", "/api/v1/protected/:id",
             Authed(ctx, [&ctx](Request& req, const Caller& caller) {
               auto st = ctx.licenses->GetState(req.params["id"]);
               if (!st.ok()) return FromStatus(st.status());
               if (!caller.admin && st->record.owner != caller.email) {
                 return Response::JsonError(
                     403, "forbidden",
                     "only the sender or an admin can see "
                     "a message's status");
               }
               json::object out = MessageJson(*st);
               auto audit = ctx.store->ListAudit(req.params["id"], 200);
               json::array events;
               if (audit.ok()) {
                 for (const auto& a : *audit) {
                   // Who searched, exported or journaled the message is
                   // the organisation's business, not its sender's.
                   if (!caller.admin && store::IsComplianceAction(a.action)) {
                     continue;
                   }
                   json::object e{{"at", a.at},
                                  {"actor", a.actor},
                                  {"action", a.action},
                                  {"result", a.result},
                                  {"detail", a.detail}};
                   // A reader's key release from the portal only.
                   if (!a.device.empty()) e["device"] = a.device;
                   if (!a.sign_in.empty()) e["sign_in"] = a.sign_in;
                   events.push_back(std::move(e));
                 }
               }
               out["events"] = events;
               return JsonOk(200, out);
             }));
  // The sealed container of a message the portal keeps (external
  // recipients' wrappers do not carry it), for `sealpost open` of such a
  // wrapper: to its owner and recipients only. Opening it still needs a
  // use license (POST /api/v1/licenses).
  router.Add(
      "GET", "/api/v1/protected/:id/sealed",
      Authed(ctx, [&ctx](Request& req, const Caller& caller) -> Response {
        const std::string& id = req.params["id"];
        auto record = ctx.store->GetProtectedMessage(id);
        if (!record.ok()) return FromStatus(record.status());
        bool allowed = false;
        if (record->has_value() && !caller.admin) {
          auto rs = license::RecipientsOf(**record);
          allowed = (*record)->owner == caller.email ||
                    std::find(rs.begin(), rs.end(), caller.email) != rs.end();
        }
        if (!record->has_value()) {
          return Response::JsonError(404, "not_found",
                                     "no protected message " + id);
        }
        if (!allowed) {
          // The same words as a refused license: this is the same refusal.
          return Response::JsonError(403, "forbidden", "not a recipient");
        }
        // A copy in a body file is sent from there a slice at a time
        // (issue 14); one in its row is read whole.
        if (store::BodyStore* bodies = store::BodyStoreOf(*ctx.store)) {
          auto file = bodies->OpenBody(store::BodyKind::kPortal, id);
          if (file.ok() && (*file)->size() >= 0) {
            Response r;
            r.content_type = "application/vnd.sealpost.sealed";
            r.stream =
                std::make_shared<http::OwningBodyStream<store::BodyReader>>(
                    std::move(*file));
            return r;
          }
          if (!file.ok() && file.status().code() != StatusCode::kNotFound) {
            return FromStatus(file.status());
          }
        }
        auto copy = ctx.store->GetPortalCopy(id);
        if (!copy.ok()) return FromStatus(copy.status());
        if (!copy->has_value()) {
          return Response::JsonError(404, "not_found",
                                     "the server keeps no copy of " + id);
        }
        Response r;
        r.content_type = "application/vnd.sealpost.sealed";
        r.body = std::move(**copy);
        return r;
      }));
  router.Add("POST", "/api/v1/protected/:id/revoke",
             Authed(ctx, [&ctx](Request& req, const Caller& caller) {
               Status s = ctx.licenses->Revoke(
                   req.params["id"], caller.admin ? "admin" : caller.email,
                   caller.admin);
               if (!s.ok()) return FromStatus(s);
               auto st = ctx.licenses->GetState(req.params["id"]);
               if (!st.ok()) return FromStatus(st.status());
               return JsonOk(200, MessageJson(*st));
             }));
  router.Add("POST", "/api/v1/protected/:id/expire",
             Authed(ctx, [&ctx](Request& req, const Caller& caller) {
               int64_t at = ctx.clock->NowUnix();
               if (!req.body.empty()) {
                 auto body = ParseObject(req);
                 if (!body.ok()) return FromStatus(body.status());
                 if (const json::value* v = body->if_contains("expires_at")) {
                   if (!v->is_int64() || v->as_int64() < 0) {
                     return Response::JsonError(
                         400, "invalid_argument",
                         "expires_at must be unix seconds");
                   }
                   at = v->as_int64();
                 }
               }
               Status s = ctx.licenses->SetExpiry(
                   req.params["id"], at, caller.admin ? "admin" : caller.email,
                   caller.admin);
               if (!s.ok()) return FromStatus(s);
               auto st = ctx.licenses->GetState(req.params["id"]);
               if (!st.ok()) return FromStatus(st.status());
               return JsonOk(200, MessageJson(*st));
             }));
}

}  // namespace sealpost::api
