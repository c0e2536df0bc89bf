// Rights management endpoints: sign-in, activation and keys, IRM
// configuration and self-test, templates, license assignments, groups,
// protection, license acquisition, and revocation/expiry of protected mail.
#include <boost/json.hpp>

#include <algorithm>

#include "api/api.h"
#include "api/util.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "branding/branding.h"
#include "license/directory.h"
#include "license/key_service.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "mime/wrapper.h"

namespace sealpost::api {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

constexpr size_t kMaxRecipients = 500;

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

Result<std::string> Base64Field(const json::object& o, std::string_view key) {
  SP_ASSIGN_OR_RETURN(std::string text, StringField(o, key, true));
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) {
    return InvalidArgumentError("'" + std::string(key) + "' must be base64: " +
                                bytes.status().message());
  }
  return *bytes;
}

json::value IrmJson(const license::IrmConfig& c, const ApiContext& ctx) {
  json::object props;
  for (const auto& [k, v] : c.Display()) props[k] = v;
  return json::object{
      {"Identity", "ControlPoint Configuration"},
      {"properties", props},
      {"raw", json::parse(c.ToJson())},
      {"ServiceLocation", ctx.public_url},
      {"PublishingLocation", ctx.public_url + "/api/v1/protect"},
      {"LicensingLocationService", ctx.public_url + "/api/v1/licenses"}};
}

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

void RegisterRightsApi(http::Router& router, const ApiContext& ctx) {
  // ---- Sign-in -------------------------------------------------------
  router.Add("POST", "/api/v1/auth/token", [&ctx](Request& req) {
    auto body = ParseObject(req);
    if (!body.ok()) return FromStatus(body.status());
    auto email = StringField(*body, "email", true);
    auto password = StringField(*body, "password", true);
    if (!email.ok()) return FromStatus(email.status());
    if (!password.ok()) return FromStatus(password.status());
    auto r = ctx.directory->SignIn(*email, *password, req.remote_address);
    if (!r.ok()) return FromStatus(r.status());
    return JsonOk(
        201, json::object{{"token", r->token}, {"expires_at", r->expires_at}});
  });
  router.Add("DELETE", "/api/v1/auth/token", [&ctx](Request& req) {
    std::string_view auth = req.Header("authorization");
    if (auth.starts_with("Bearer ")) {
      (void)ctx.directory->SignOut(auth.substr(7));
    }
    return JsonOk(200, json::object{{"signed_out", true}});
  });

  // ---- Activation and keys -------------------------------------------
  auto rms_status = [&ctx]() {
    return json::object{{"active", ctx.keys->active()},
                        {"primary_key_version", ctx.keys->primary_version()},
                        {"key_versions", ctx.keys->version_count()}};
  };
  router.Add("GET", "/api/v1/rms", Admin(ctx, [rms_status](Request&) {
               return JsonOk(200, rms_status());
             }));
  router.Add("POST", "/api/v1/rms/activate",
             Admin(ctx, [&ctx, rms_status](Request&) {
               Status s = ctx.keys->Activate();
               if (!s.ok()) return FromStatus(s);
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "rms.activate", "", "ok", ""});
               return JsonOk(200, rms_status());
             }));
  router.Add("POST", "/api/v1/rms/rotate-key",
             Admin(ctx, [&ctx, rms_status](Request&) {
               auto v = ctx.keys->Rotate();
               if (!v.ok()) return FromStatus(v.status());
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "rms.rotate", std::to_string(*v), "ok", ""});
               return JsonOk(200, rms_status());
             }));

  // ---- IRM configuration ---------------------------------------------
  router.Add("GET", "/api/v1/irm", Admin(ctx, [&ctx](Request&) {
               auto c = ctx.licenses->LoadIrm();
               if (!c.ok()) return FromStatus(c.status());
               return JsonOk(200, IrmJson(*c, ctx));
             }));
  router.Add("PATCH", "/api/v1/irm", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto c = ctx.licenses->LoadIrm();
               if (!c.ok()) return FromStatus(c.status());
               if (body->empty()) {
                 return Response::JsonError(400, "invalid_argument",
                                            "no property to set");
               }
               std::string changed;
               for (const auto& [k, v] : *body) {
                 std::string text;
                 if (v.is_bool()) {
                   text = v.as_bool() ? "True" : "False";
                 } else if (v.is_string()) {
                   text = std::string(v.as_string());
                 } else {
                   return Response::JsonError(
                       400, "invalid_argument",
                       std::string(k) + ": value must be a string or bool");
                 }
                 // All or nothing: nothing is saved if any value is bad.
                 Status s = c->Set(k, text);
                 if (!s.ok()) return FromStatus(s);
                 changed += std::string(changed.empty() ? "" : ",") +
                            std::string(k) + "=" + text;
               }
               if (Status s = ctx.licenses->SaveIrm(*c); !s.ok()) {
                 return FromStatus(s);
               }
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "irm.set", "irm", "ok", changed});
               return JsonOk(200, IrmJson(*c, ctx));
             }));
  router.Add(
      "POST", "/api/v1/irm/test", Admin(ctx, [&ctx](Request& req) {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto sender = StringField(*body, "sender", true);
        if (!sender.ok()) return FromStatus(sender.status());
        auto recipient = StringField(*body, "recipient", false);
        if (!recipient.ok()) return FromStatus(recipient.status());
        std::string to = recipient->empty() ? *sender : *recipient;
        auto checks = ctx.licenses->SelfTest(*sender, to);
        json::array out;
        bool pass = !checks.empty();
        for (const auto& c : checks) {
          pass = pass && c.pass;
          out.push_back(json::object{
              {"step", c.step}, {"pass", c.pass}, {"detail", c.detail}});
        }
        ctx.store->AppendAuditBestEffort({0, 0, "admin", "irm.test",
                                          *sender + " -> " + to,
                                          pass ? "pass" : "fail", ""});
        return JsonOk(200, json::object{{"checks", out}, {"pass", pass}});
      }));

  // ---- Templates -------------------------------------------------------
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
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "template.new", created->id, "ok", ""});
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
                 auto t = TemplateFromBody(*body, *current);
                 if (!t.ok()) return FromStatus(t.status());
                 if (Status s = ctx.templates->Update(*t); !s.ok()) {
                   return FromStatus(s);
                 }
               }
               ctx.store->AppendAuditBestEffort(
                   {0, 0, "admin", "template.set", current->id, "ok", ""});
               auto updated = ctx.templates->Find(current->id);
               if (!updated.ok()) return FromStatus(updated.status());
               return JsonOk(200,
                             json::parse(license::TemplateToJson(*updated)));
             }));

  // ---- License assignments and groups ---------------------------------
  router.Add(
      "GET", "/api/v1/license-assignments", Admin(ctx, [&ctx](Request&) {
        auto lic = ctx.directory->Licenses();
        if (!lic.ok()) return FromStatus(lic.status());
        json::array users, groups;
        for (const auto& u : lic->users) users.emplace_back(u);
        for (const auto& g : lic->groups) groups.emplace_back(g);
        return JsonOk(200, json::object{{"users", users}, {"groups", groups}});
      }));
  router.Add(
      "POST", "/api/v1/license-assignments", Admin(ctx, [&ctx](Request& req) {
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto kind = StringField(*body, "kind", true);
        auto name = StringField(*body, "name", true);
        if (!kind.ok()) return FromStatus(kind.status());
        if (!name.ok()) return FromStatus(name.status());
        Status s = ctx.directory->AssignLicense(*kind, *name);
        if (!s.ok()) return FromStatus(s);
        ctx.store->AppendAuditBestEffort(
            {0, 0, "admin", "license.assign", *kind + ":" + *name, "ok", ""});
        return JsonOk(200, json::object{{"assigned", *name}});
      }));
  router.Add(
      "DELETE", "/api/v1/license-assignments/:kind/:name",
      Admin(ctx, [&ctx](Request& req) {
        Status s = ctx.directory->RemoveLicense(req.params["kind"],
                                                req.params["name"]);
        if (!s.ok()) return FromStatus(s);
        ctx.store->AppendAuditBestEffort(
            {0, 0, "admin", "license.remove",
             req.params["kind"] + ":" + req.params["name"], "ok", ""});
        return JsonOk(200, json::object{{"removed", req.params["name"]}});
      }));
  router.Add("GET", "/api/v1/groups", Admin(ctx, [&ctx](Request&) {
               auto groups = ctx.directory->Groups();
               if (!groups.ok()) return FromStatus(groups.status());
               json::object out;
               for (const auto& [name, members] : *groups) {
                 json::array a;
                 for (const auto& m : members) a.emplace_back(m);
                 out[name] = a;
               }
               return JsonOk(200, json::object{{"groups", out}});
             }));
  router.Add("POST", "/api/v1/groups", Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto name = StringField(*body, "name", true);
               if (!name.ok()) return FromStatus(name.status());
               Status s = ctx.directory->AddGroup(*name);
               if (!s.ok()) return FromStatus(s);
               return JsonOk(201, json::object{{"group", *name}});
             }));
  router.Add(
      "DELETE", "/api/v1/groups/:name", Admin(ctx, [&ctx](Request& req) {
        Status s = ctx.directory->RemoveGroup(req.params["name"]);
        if (!s.ok()) return FromStatus(s);
        return JsonOk(200, json::object{{"removed", req.params["name"]}});
      }));
  router.Add("POST", "/api/v1/groups/:name/members",
             Admin(ctx, [&ctx](Request& req) {
               auto body = ParseObject(req);
               if (!body.ok()) return FromStatus(body.status());
               auto email = StringField(*body, "email", true);
               if (!email.ok()) return FromStatus(email.status());
               Status s = ctx.directory->AddMember(req.params["name"], *email);
               if (!s.ok()) return FromStatus(s);
               return JsonOk(200, json::object{{"group", req.params["name"]},
                                               {"added", *email}});
             }));
  router.Add(
      "DELETE", "/api/v1/groups/:name/members/:email",
      Admin(ctx, [&ctx](Request& req) {
        Status s = ctx.directory->RemoveMember(req.params["name"],
                                               req.params["email"]);
        if (!s.ok()) return FromStatus(s);
        return JsonOk(200, json::object{{"removed", req.params["email"]}});
      }));

  // ---- Protection and licenses ----------------------------------------
  router.Add(
      "POST", "/api/v1/protect",
      Authed(ctx, [&ctx](Request& req, const Caller& caller) -> Response {
        if (caller.admin) {
          return Response::JsonError(
              403, "forbidden",
              "protect as a signed-in user, not with the admin token");
        }
        // Two forms: the raw message (Content-Type: message/rfc822, with
        // ?template=NAME&to=A,B) answered with the raw wrapper mail, which
        // spares large messages the base64 and JSON round trips; or JSON
        // {template, recipients, message (base64)} answered with JSON.
        bool raw = req.Header("content-type").starts_with("message/rfc822");
        std::string tmpl;
        std::vector<std::string> recipients;
        std::string message;
        if (raw) {
          tmpl = req.QueryParam("template");
          std::string to = req.QueryParam("to");
          size_t start = 0;
          while (start < to.size()) {
            size_t comma = to.find(',', start);
            if (comma == std::string::npos) comma = to.size();
            if (comma > start)
              recipients.push_back(to.substr(start, comma - start));
            start = comma + 1;
          }
          if (tmpl.empty()) {
            return Response::JsonError(400, "invalid_argument",
                                       "missing query parameter 'template'");
          }
          message = std::move(req.body);
        } else {
          auto body = ParseObject(req);
          if (!body.ok()) return FromStatus(body.status());
          auto t = StringField(*body, "template", true);
          if (!t.ok()) return FromStatus(t.status());
          tmpl = *t;
          auto r = StringList(*body, "recipients");
          if (!r.ok()) return FromStatus(r.status());
          recipients = std::move(*r);
          auto m = Base64Field(*body, "message");
          if (!m.ok()) return FromStatus(m.status());
          message = std::move(*m);
        }
        if (recipients.size() > kMaxRecipients) {
          return Response::JsonError(400, "invalid_argument",
                                     "at most 500 recipients");
        }
        auto sealed = ctx.licenses->Protect(
            {caller.email, tmpl, recipients, message, ""});
        if (!sealed.ok()) return FromStatus(sealed.status());
        mime::WrapperOptions wrap{
            sealed->message_id, sealed->license.template_name, ctx.public_url};
        if (ctx.branding != nullptr) {
          auto b = ctx.branding->Get(branding::kDefaultIdentity);
          if (!b.ok()) return FromStatus(b.status());
          wrap.branding = branding::ToWrapperBranding(*b);
        }
        wrap.expires_at = sealed->license.expiry;
        wrap.seal = [&](std::string_view header, std::string_view body) {
          return ctx.licenses->SealWrapper(
              sealed->message_id, sealed->license.template_name, header, body);
        };
        auto mail = mime::BuildWrapperMail(message, sealed->container, wrap);
        if (!mail.ok()) return FromStatus(mail.status());
        if (raw) {
          Response r;
          r.status = 201;
          r.content_type = "message/rfc822";
          r.headers = {{"X-Sealpost-Message-Id", sealed->message_id},
                       {"X-Sealpost-Template", sealed->license.template_name}};
          r.body = std::move(*mail);
          return r;
        }
        return JsonOk(201,
                      json::object{{"id", sealed->message_id},
                                   {"template", sealed->license.template_name},
                                   {"mail", Base64Encode(AsBytes(*mail))}});
      }));
  router.Add(
      "POST", "/api/v1/licenses",
      Authed(ctx, [&ctx](Request& req, const Caller& caller) -> Response {
        if (caller.admin) {
          return Response::JsonError(
              403, "forbidden",
              "licenses are issued to signed-in users, not the admin token");
        }
        auto body = ParseObject(req);
        if (!body.ok()) return FromStatus(body.status());
        auto header = Base64Field(*body, "header");
        if (!header.ok()) return FromStatus(header.status());
        auto client = StringField(*body, "client", false);
        auto lic = ctx.licenses->AcquireForClient(
            caller.email, *header,
            client.ok() && !client->empty() ? *client : "api");
        if (!lic.ok()) return FromStatus(lic.status());
        json::array rights;
        for (rights::Right r : lic->rights.List()) {
          rights.emplace_back(rights::RightName(r));
        }
        return JsonOk(
            200, json::object{{"message_id", lic->message_id},
                              {"content_key",
                               Base64Encode(lic->content_key.InsecureBytes())},
                              {"rights", rights},
                              {"signing_public_key",
                               Base64Encode(AsBytes(lic->signing_public_key))},
                              {"owner", lic->owner},
                              {"template", lic->template_name},
                              {"expires_at", lic->expires_at}});
      }));

  // ---- Protected messages: status, revoke, expire ---------------------
  router.Add("GET", "/api/v1/protected",
             Authed(ctx, [&ctx](Request& req, const Caller& caller) {
               std::string owner =
                   caller.admin ? req.QueryParam("owner") : caller.email;
               auto list = ctx.store->ListProtectedMessages(owner, 500);
               if (!list.ok()) return FromStatus(list.status());
               json::array out;
               for (const auto& r : *list) {
                 auto st = ctx.licenses->GetState(r.id);
                 if (st.ok()) out.push_back(MessageJson(*st));
               }
               return JsonOk(200, json::object{{"messages", out}});
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
                   events.push_back(json::object{{"at", a.at},
                                                 {"actor", a.actor},
                                                 {"action", a.action},
                                                 {"result", a.result},
                                                 {"detail", a.detail}});
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
