// Mail flow rules and OME branding endpoints (admin token).
#include <boost/json.hpp>

#include "api/api.h"
#include "api/util.h"
#include "base/encoding.h"
#include "branding/branding.h"
#include "license/templates.h"
#include "policy/rule_json.h"
#include "policy/rule_store.h"

namespace sealpost::api {
namespace {

Result<std::vector<std::string>> TemplateNames(const ApiContext& ctx) {
  SP_ASSIGN_OR_RETURN(auto list, ctx.templates->List());
  std::vector<std::string> names;
  for (const auto& t : list) {
    names.push_back(t.name);
    names.push_back(t.id);
  }
  return names;
}

// Every branding identity a rule names must exist.
Status CheckBrandings(const ApiContext& ctx, const policy::Rule& rule) {
  for (const auto& a : rule.actions) {
    if (!a.branding.empty()) {
      SP_RETURN_IF_ERROR(ctx.branding->Get(a.branding).status());
    }
  }
  return Status::Ok();
}

// The template names and ids a rule may apply (RuleStore::Create and
// Update check its actions against them), once every branding it names is
// known to exist.
Result<std::vector<std::string>> TemplateNamesFor(const ApiContext& ctx,
                                                  const policy::Rule& rule) {
  SP_ASSIGN_OR_RETURN(auto names, TemplateNames(ctx));
  SP_RETURN_IF_ERROR(CheckBrandings(ctx, rule));
  return names;
}

json::value BrandingJson(const branding::Branding& b) {
  json::object o;
  for (const auto& [k, v] : branding::Display(b)) o[k] = v;
  return o;
}

// Applies {"fields": {Name: value}, "reset": [Name], "image": base64}.
Status ApplyBranding(branding::Branding& b, const json::object& body) {
  if (const json::value* f = body.if_contains("fields")) {
    if (!f->is_object()) {
      return InvalidArgumentError("'fields' must be an object");
    }
    for (const auto& [k, v] : f->as_object()) {
      SP_ASSIGN_OR_RETURN(std::string text, SettingText(k, v, true));
      SP_RETURN_IF_ERROR(branding::SetField(b, k, text));
    }
  }
  if (const json::value* r = body.if_contains("reset")) {
    if (!r->is_array()) return InvalidArgumentError("'reset' must be a list");
    for (const auto& name : r->as_array()) {
      if (!name.is_string()) {
        return InvalidArgumentError("'reset' must list field names");
      }
      SP_RETURN_IF_ERROR(branding::ResetField(b, name.as_string()));
    }
  }
  if (const json::value* img = body.if_contains("image")) {
    if (!img->is_string()) {
      return InvalidArgumentError("'image' must be base64 text");
    }
    SP_ASSIGN_OR_RETURN(std::string bytes, Base64Decode(img->as_string()));
    SP_RETURN_IF_ERROR(branding::SetImage(b, std::move(bytes)));
  }
  return Status::Ok();
}

}  // namespace

void RegisterPolicyApi(http::Router& router, const ApiContext& ctx) {
  // ---- Rules ---------------------------------------------------------
  router.Add("GET", "/api/v1/rules", Admin(ctx, [&ctx](Request&) {
               return ListJson(ctx.rules->List(), "rules",
                               policy::RuleToJsonValue);
             }));
  router.Add("GET", "/api/v1/rules/:id", Admin(ctx, [&ctx](Request& req) {
               auto r = ctx.rules->Get(req.params["id"]);
               if (!r.ok()) return FromStatus(r.status());
               return JsonOk(200, policy::RuleToJsonValue(*r));
             }));
  router.Add("POST", "/api/v1/rules", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               body->erase("id");
               auto rule = policy::RuleFromJsonValue(*body);
               if (!rule.ok()) return FromStatus(rule.status());
               if (!body->contains("priority")) rule->priority = 1 << 30;
               auto names = TemplateNamesFor(ctx, *rule);
               if (!names.ok()) return FromStatus(names.status());
               auto created = ctx.rules->Create(*rule, *names);
               if (!created.ok()) return FromStatus(created.status());
               AuditAdmin(ctx, "rule.new", created->id, created->name);
               return JsonOk(201, policy::RuleToJsonValue(*created));
             }));
  router.Add("PATCH", "/api/v1/rules/:id", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto names = TemplateNames(ctx);
               if (!names.ok()) return FromStatus(names.status());
               // Merge: the stored rule's fields, overwritten by the body's
               // (the rule as stored when the change is saved: another
               // change of it at once holds too).
               auto updated = ctx.rules->Update(
                   req.params["id"],
                   [&](const policy::Rule& current) -> Result<policy::Rule> {
                     json::object merged =
                         policy::RuleToJsonValue(current).as_object();
                     for (const auto& [k, v] : *body) merged[k] = v;
                     merged["id"] = current.id;
                     SP_ASSIGN_OR_RETURN(policy::Rule rule,
                                         policy::RuleFromJsonValue(merged));
                     SP_RETURN_IF_ERROR(CheckBrandings(ctx, rule));
                     return rule;
                   },
                   *names);
               if (!updated.ok()) return FromStatus(updated.status());
               AuditAdmin(ctx, "rule.set", updated->id);
               return JsonOk(200, policy::RuleToJsonValue(*updated));
             }));
  router.Add("DELETE", "/api/v1/rules/:id", Admin(ctx, [&ctx](Request& req) {
               Status s = ctx.rules->Remove(req.params["id"]);
               if (!s.ok()) return FromStatus(s);
               AuditAdmin(ctx, "rule.remove", req.params["id"]);
               return JsonOk(200, json::object{{"removed", req.params["id"]}});
             }));

  // ---- Branding ------------------------------------------------------
  router.Add("GET", "/api/v1/branding", Admin(ctx, [&ctx](Request&) {
               return ListJson(ctx.branding->List(), "branding", BrandingJson);
             }));
  router.Add("GET", "/api/v1/branding/:identity",
             Admin(ctx, [&ctx](Request& req) {
               auto b = ctx.branding->Get(req.params["identity"]);
               if (!b.ok()) return FromStatus(b.status());
               return JsonOk(200, BrandingJson(*b));
             }));
  router.Add("POST", "/api/v1/branding", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto identity = StringField(*body, "identity", true);
               if (!identity.ok()) return FromStatus(identity.status());
               branding::Branding b;
               b.identity = *identity;
               if (Status s = ApplyBranding(b, *body); !s.ok()) {
                 return FromStatus(s);
               }
               if (Status s = ctx.branding->Create(b); !s.ok()) {
                 return FromStatus(s);
               }
               AuditAdmin(ctx, "branding.new", b.identity);
               return JsonOk(201, BrandingJson(b));
             }));
  router.Add(
      "PATCH", "/api/v1/branding/:identity", Admin(ctx, [&ctx](Request& req) {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        // All or nothing: saved only if every field is OK; made to
        // the branding as stored, so another change at once holds.
        auto b = ctx.branding->Update(
            req.params["identity"], [&](branding::Branding& stored) -> Status {
              return ApplyBranding(stored, *body);
            });
        if (!b.ok()) return FromStatus(b.status());
        AuditAdmin(ctx, "branding.set", b->identity);
        return JsonOk(200, BrandingJson(*b));
      }));
  router.Add(
      "DELETE", "/api/v1/branding/:identity", Admin(ctx, [&ctx](Request& req) {
        Status s = ctx.branding->Remove(req.params["identity"]);
        if (!s.ok()) return FromStatus(s);
        AuditAdmin(ctx, "branding.remove", req.params["identity"]);
        return JsonOk(200, json::object{{"removed", req.params["identity"]}});
      }));
}

}  // namespace sealpost::api
