#include "api/api_routes.h"

#include <algorithm>
#include <boost/json.hpp>

#include "api/util.h"
#include "base/domain_name.h"
#include "base/files.h"
#include "base/strings.h"
#include "queue/queue.h"

namespace sealpost::api {
namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 10000;

json::object MessageJson(const store::QueuedMessage& m) {
  json::array rcpts;
  for (const auto& r : m.recipients) {
    rcpts.push_back({{"address", r.address},
                     {"state", r.state},
                     {"attempts", r.attempts},
                     {"next_attempt_ms", r.next_attempt_ms},
                     {"last_reply", r.last_reply}});
  }
  return {{"id", m.id},          {"received_ms", m.received_ms},
          {"from", m.mail_from}, {"message_id", m.header_message_id},
          {"size", m.size},      {"state", m.state},
          {"recipients", rcpts}};
}

// A domain name by IsDomainName's default rules (base/domain_name.h: an
// IDN as its xn-- A-label), lower-cased. A name of digits only is taken:
// the policy is looked up by a recipient's domain, exactly, and RFC 5321
// lets that be "123". The error shows the name with
// '?' for each control character (it reaches the CLI's terminal); bytes
// that are no UTF-8 are the error body's JsonQuote's to replace.
Result<std::string> NormalizeDomain(std::string_view d) {
  auto refuse = [d] {
    std::string shown(d);
    for (char& c : shown) {
      const auto u = static_cast<unsigned char>(c);
      if (u < 0x20 || u == 0x7f) c = '?';
    }
    return InvalidArgumentError("'" + shown + "' is not a domain name");
  };
  if (!IsDomainName(d)) return refuse();
  return AsciiLower(d);
}

}  // namespace

void RegisterQueueApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/queue/messages",
             Admin(ctx, [&ctx](Request& req) -> Response {
               std::string state = req.QueryParam("state");
               if (!state.empty() && state != "queued" && state != "done") {
                 return Response::JsonError(400, "invalid_argument",
                                            "state must be queued or done");
               }
               int limit = kDefaultLimit;
               std::string l = req.QueryParam("limit");
               if (!l.empty()) {
                 limit = std::clamp(std::atoi(l.c_str()), 1, kMaxLimit);
               }
               return ListJson(ctx.store->ListQueuedMessages(state, limit),
                               "messages", MessageJson);
             }));

  router.Add(
      "GET", "/api/v1/queue/messages/:id",
      Admin(ctx, [&ctx](Request& req) -> Response {
        const std::string& id = req.params["id"];
        auto m = ctx.store->GetQueuedMessage(id, /*with_content=*/false);
        if (!m.ok()) return FromStatus(m.status());
        if (!m->has_value()) {
          return Response::JsonError(404, "not_found", "no message " + id);
        }
        auto events = ctx.store->ListQueueEvents(id);
        if (!events.ok()) return FromStatus(events.status());
        json::array ev;
        for (const auto& e : *events) {
          ev.push_back({{"at_ms", e.at_ms},
                        {"recipient", e.recipient},
                        {"event", e.event},
                        {"detail", e.detail}});
        }
        return JsonOk(
            200, json::object{{"message", MessageJson(**m)}, {"events", ev}});
      }));

  router.Add("POST", "/api/v1/queue/messages/:id/retry",
             Admin(ctx, [&ctx](Request& req) -> Response {
               if (ctx.queue == nullptr) {
                 return Response::JsonError(503, "unavailable",
                                            "the mail queue is not running");
               }
               const std::string& id = req.params["id"];
               Status s = ctx.queue->Retry(id, "admin");
               if (s.code() == StatusCode::kNotFound) {
                 // Say why there is nothing to retry: a done message's
                 // body was deleted when its last recipient was done.
                 auto m = ctx.store->GetQueuedMessage(id, false);
                 if (m.ok() && m->has_value() && (*m)->state == "done") {
                   return Response::JsonError(
                       409, "failed_precondition",
                       "message " + id +
                           " is done: every recipient was delivered or "
                           "bounced, and its content was deleted then; "
                           "there is nothing left to retry (`sealpost "
                           "message trace " +
                           id + "` shows what happened)");
                 }
                 if (m.ok() && !m->has_value()) {
                   return Response::JsonError(
                       404, "not_found",
                       "no message " + id +
                           " in the queue or its history (done messages "
                           "are kept for queue.history_days)");
                 }
               }
               if (!s.ok()) return FromStatus(s);
               return JsonOk(200, json::object{{"id", id}, {"retry", true}});
             }));

  router.Add("GET", "/api/v1/tls/policies", Admin(ctx, [&ctx](Request&) {
               return ListJson(ctx.store->ListTlsPolicies(), "policies",
                               [](const store::TlsPolicyRecord& p) {
                                 return json::object{
                                     {"domain", p.domain},
                                     {"policy", p.policy},
                                     {"ca_file", p.ca_file},
                                     {"updated_at", p.updated_at}};
                               });
             }));

  router.Add(
      "PUT", "/api/v1/tls/policies/:domain",
      Admin(ctx, [&ctx](Request& req) -> Response {
        auto domain = NormalizeDomain(req.params["domain"]);
        if (!domain.ok()) return FromStatus(domain.status());
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto policy = StringField(*body, "policy", true);
        if (!policy.ok()) return FromStatus(policy.status());
        if (*policy != "may" && *policy != "encrypt" && *policy != "verify") {
          return Response::JsonError(
              400, "invalid_argument",
              "policy must be may, encrypt or verify, not '" + *policy + "'");
        }
        auto ca = StringField(*body, "ca_file", false);
        if (!ca.ok()) return FromStatus(ca.status());
        if (!ca->empty() && *policy != "verify") {
          return Response::JsonError(400, "invalid_argument",
                                     "ca_file applies only to policy verify");
        }
        if (!ca->empty() && !FileExists(*ca)) {
          return Response::JsonError(
              400, "invalid_argument",
              "ca_file " + *ca + " does not exist on the server");
        }
        store::TlsPolicyRecord rec{*domain, *policy, *ca, 0};
        if (Status s = ctx.store->PutTlsPolicy(rec); !s.ok()) {
          return FromStatus(s);
        }
        AuditAdmin(ctx, "tls.policy.set", *domain, *policy);
        return JsonOk(200, json::object{{"domain", *domain},
                                        {"policy", *policy},
                                        {"ca_file", *ca}});
      }));

  router.Add("DELETE", "/api/v1/tls/policies/:domain",
             Admin(ctx, [&ctx](Request& req) -> Response {
               auto domain = NormalizeDomain(req.params["domain"]);
               if (!domain.ok()) return FromStatus(domain.status());
               Status s = ctx.store->DeleteTlsPolicy(*domain);
               if (!s.ok()) return FromStatus(s);
               AuditAdmin(ctx, "tls.policy.remove", *domain);
               return JsonOk(200, json::object{{"removed", *domain}});
             }));
}

}  // namespace sealpost::api
