// Rights templates: listed and read by signed-in users, created and changed
// by the admin.
#include "api/api_routes.h"

#include <boost/json.hpp>

#include "api/util.h"
#include "license/irm_config.h"
#include "license/license_service.h"
#include "license/templates.h"

namespace sealpost::api {
namespace {

Result<rights::Template> TemplateFromBody(const json::object& o,
                                          rights::Template t) {
  if (o.contains("name")) {
    SP_ASSIGN_OR_RETURN(t.name, StringField(o, "name", true));
  }
  if (o.contains("description")) {
    SP_ASSIGN_OR_RETURN(t.description, StringField(o, "description", false));
  }
  if (o.contains("grants")) {
    // Reuse the stored form's parser for [{principal, rights}].
    json::object wrapper{{"grants", o.at("grants")}, {"name", t.name}};
    SP_ASSIGN_OR_RETURN(auto parsed,
                        license::TemplateFromJson(json::serialize(wrapper)));
    t.grants = parsed.grants;
  }
  for (const char* key : {"expiry_days", "offline_days"}) {
    if (const json::value* v = o.if_contains(key)) {
      if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > 36500) {
        return InvalidArgumentError(std::string(key) +
                                    " must be a whole number of days from 0 "
                                    "to 36500");
      }
      (std::string_view(key) == "expiry_days" ? t.expiry_days
                                              : t.offline_days) =
          static_cast<int32_t>(v->as_int64());
    }
  }
  for (const char* key : {"org_only", "extend_to_forwardees", "archived"}) {
    if (const json::value* v = o.if_contains(key)) {
      if (!v->is_bool()) {
        return InvalidArgumentError(std::string(key) + " must be true/false");
      }
      bool b = v->as_bool();
      std::string_view k = key;
      if (k == "org_only") t.org_only = b;
      if (k == "extend_to_forwardees") t.extend_to_forwardees = b;
      if (k == "archived") t.archived = b;
    }
  }
  return t;
}

}  // namespace

void RegisterTemplatesApi(http::Router& router, const ApiContext& ctx) {
  router.Add("GET", "/api/v1/templates",
             Authed(ctx, [&ctx](Request& req, const Caller&) {
               auto irm = ctx.licenses->LoadIrm();
               if (!irm.ok()) return FromStatus(irm.status());
               auto list = ctx.templates->List();
               if (!list.ok()) return FromStatus(list.status());
               std::string type =
                   req.QueryParam("type");  // all|archived|distributed
               json::array out;
               // As Get-RMSTemplate: nothing when InternalLicensingEnabled
               // is False.
               if (irm->GetBool("InternalLicensingEnabled")) {
                 for (const auto& t : *list) {
                   if (type == "archived" && !t.archived) continue;
                   if (type == "distributed" && t.archived) continue;
                   out.push_back(json::parse(license::TemplateToJson(t)));
                 }
               }
               return JsonOk(200, json::object{{"templates", out}});
             }));
  router.Add("GET", "/api/v1/templates/:id",
             Authed(ctx, [&ctx](Request& req, const Caller&) {
               auto t = ctx.templates->Find(req.params["id"]);
               if (!t.ok()) return FromStatus(t.status());
               return JsonOk(200, json::parse(license::TemplateToJson(*t)));
             }));
  router.Add("POST", "/api/v1/templates", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto t = TemplateFromBody(*body, rights::Template{});
               if (!t.ok()) return FromStatus(t.status());
               auto created = ctx.templates->Create(*t);
               if (!created.ok()) return FromStatus(created.status());
               AuditAdmin(ctx, "template.new", created->id);
               return JsonOk(201,
                             json::parse(license::TemplateToJson(*created)));
             }));
  router.Add("PATCH", "/api/v1/templates/:id", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto current = ctx.templates->Find(req.params["id"]);
               if (!current.ok()) return FromStatus(current.status());
               // Archiving alone works for defaults too.
               if (body->size() == 1 && body->contains("archived")) {
                 if (!body->at("archived").is_bool()) {
                   return Response::JsonError(400, "invalid_argument",
                                              "archived must be true/false");
                 }
                 Status s = ctx.templates->SetArchived(
                     current->id, body->at("archived").as_bool());
                 if (!s.ok()) return FromStatus(s);
               } else {
                 // Made to the template as stored when it is saved, so
                 // that another change of it at once holds too.
                 Status s = ctx.templates->Update(
                     current->id, [&](const rights::Template& stored) {
                       return TemplateFromBody(*body, stored);
                     });
                 if (!s.ok()) return FromStatus(s);
               }
               AuditAdmin(ctx, "template.set", current->id);
               auto updated = ctx.templates->Find(current->id);
               if (!updated.ok()) return FromStatus(updated.status());
               return JsonOk(200,
                             json::parse(license::TemplateToJson(*updated)));
             }));
}

}  // namespace sealpost::api
