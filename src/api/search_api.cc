#include "api/api_routes.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/util.h"
#include "license/license_service.h"
#include "search/ediscovery.h"

namespace sealpost::api {
namespace {

Response NotWired() {
  return Response::JsonError(503, "unavailable", "search is not wired");
}

Response AdminReadsNoContent() {
  return Response::JsonError(
      403, "forbidden",
      "the admin token reads no content: sign in (--user) as a member of the "
      "eDiscovery Manager group");
}

// A route that reads content: for a signed-in user (the eDiscovery service
// decides whether a member of the eDiscovery Manager group), never for the
// admin token.
http::Handler Reader(const ApiContext& ctx,
                     std::function<Response(Request&, const Caller&)> inner) {
  auto guarded = [&ctx, inner = std::move(inner)](
                     Request& req, const Caller& caller) -> Response {
    if (ctx.ediscovery == nullptr) return NotWired();
    if (caller.admin) return AdminReadsNoContent();
    return inner(req, caller);
  };
  return Authed(ctx, std::move(guarded));
}

json::object HitJson(const search::SearchHit& h) {
  const auto& r = h.record;
  json::array recipients;
  for (const auto& a : license::RecipientsOf(r))
    recipients.push_back(json::value(a));
  return {{"id", r.id},
          {"owner", r.owner},
          {"recipients", recipients},
          {"template_id", r.template_id},
          {"created_at", r.created_at},
          {"state", h.state},
          {"subject", h.subject}};
}

}  // namespace

void RegisterSearchApi(http::Router& router, const ApiContext& ctx) {
  router.Add(
      "POST", "/api/v1/search",
      Reader(ctx, [&ctx](Request& req, const Caller& caller) -> Response {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        search::SearchRequest q;
        auto text = [&](const char* key, std::string* out) -> Status {
          SP_ASSIGN_OR_RETURN(*out, StringField(*body, key, false));
          return Status::Ok();
        };
        if (Status st = text("query", &q.query); !st.ok())
          return FromStatus(st);
        if (Status st = text("from", &q.from); !st.ok()) return FromStatus(st);
        if (Status st = text("to", &q.to); !st.ok()) return FromStatus(st);
        if (Status st = text("template", &q.template_name); !st.ok()) {
          return FromStatus(st);
        }
        auto after = IntField(*body, "after");
        auto before = IntField(*body, "before");
        auto limit = IntField(*body, "limit");
        if (!after.ok()) return FromStatus(after.status());
        if (!before.ok()) return FromStatus(before.status());
        if (!limit.ok()) return FromStatus(limit.status());
        q.after = *after;
        q.before = *before;
        q.limit = *limit == 0
                      ? 100
                      : static_cast<int>(std::clamp<int64_t>(*limit, 1, 1000));
        if (const json::value* v = body->if_contains("has_attachment")) {
          q.has_attachment = v->is_bool() && v->as_bool();
        }
        auto hits = ctx.ediscovery->Search(caller.email, q);
        if (!hits.ok()) return FromStatus(hits.status());
        return JsonItems("messages", hits->size(),
                         [&](size_t i) { return HitJson((*hits)[i]); });
      }));
  router.Add(
      "GET", "/api/v1/search/messages/:id",
      Reader(ctx, [&ctx](Request& req, const Caller& caller) -> Response {
        auto released = ctx.ediscovery->Export(caller.email, req.params["id"]);
        if (!released.ok()) return FromStatus(released.status());
        Response r;
        r.content_type = "message/rfc822";
        r.body = std::move(released->original);
        return r;
      }));
  router.Add(
      "POST", "/api/v1/search/reindex", Admin(ctx, [&ctx](Request& req) {
        if (ctx.ediscovery == nullptr) return NotWired();
        std::string limit_text = req.QueryParam("limit");
        int limit = 200;
        if (!limit_text.empty()) {
          if (limit_text.size() > 4 ||
              limit_text.find_first_not_of("0123456789") != std::string::npos) {
            return Response::JsonError(400, "invalid_argument",
                                       "limit must be 1 to 1000");
          }
          limit = std::stoi(limit_text);
        }
        auto progress =
            ctx.ediscovery->Reindex(req.QueryParam("cursor"), limit);
        if (!progress.ok()) return FromStatus(progress.status());
        if (progress->indexed > 0) {
          ctx.store->AppendAuditBestEffort(
              {0, ctx.clock->NowUnix(), "admin", "search.reindex", "", "ok",
               std::to_string(progress->indexed) + " messages indexed"});
        }
        return JsonOk(200, json::object{{"indexed", progress->indexed},
                                        {"skipped", progress->skipped},
                                        {"next", progress->next}});
      }));
  router.Add("GET", "/api/v1/search/index", Admin(ctx, [&ctx](Request&) {
               auto size = ctx.store->CountSearchIndex();
               if (!size.ok()) return FromStatus(size.status());
               auto stats = ctx.store->Stats();
               if (!stats.ok()) return FromStatus(stats.status());
               return JsonOk(200, json::object{{"messages", size->messages},
                                               {"pending", size->pending},
                                               {"protected_messages",
                                                stats->protected_messages}});
             }));
  router.Add("POST", "/api/v1/protected/:id/shred",
             Admin(ctx, [&ctx](Request& req) {
               auto made_of = ctx.licenses->Shred(req.params["id"], "admin");
               if (!made_of.ok()) return FromStatus(made_of.status());
               // also_shredded: the records made of it (its forwards, their
               // forwards, its attachments' sealed copies), which went with it.
               return JsonOk(200, json::object{{"id", req.params["id"]},
                                               {"shredded", true},
                                               {"also_shredded", *made_of}});
             }));
}

}  // namespace sealpost::api
