// `sealpost template list|get|new|set|archive|restore`: rights templates
// (Get-RMSTemplate and template admin).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "base/strings.h"
#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

void PrintTemplate(const json::value& v) {
  const auto& o = v.as_object();
  std::vector<std::pair<std::string, std::string>> props = {
      {"Name", JsonText(o.at("name"))},
      {"Id", JsonText(o.at("id"))},
      {"Description", JsonText(o.at("description"))},
      {"Type", o.at("archived").as_bool() ? "Archived" : "Distributed"},
      {"OrgOnly", JsonText(o.at("org_only"))},
      {"ExpiryDays", JsonText(o.at("expiry_days"))},
      {"OfflineDays", JsonText(o.at("offline_days"))},
      {"ForwardeesInherit", JsonText(o.at("extend_to_forwardees"))},
  };
  for (const auto& gr : o.at("grants").as_array()) {
    props.emplace_back("Rights[" + JsonText(gr.at("principal")) + "]",
                       JsonText(gr.at("rights")));
  }
  PrintProperties(props);
}

// "recipients=VIEW,REPLY" -> {"principal": "recipients", "rights": "..."}.
bool ParseGrants(const std::vector<std::string>& specs, json::array* out) {
  for (const auto& s : specs) {
    auto eq = s.rfind('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "sealpost: --grant wants PRINCIPAL=RIGHTS, e.g. "
                   "recipients=VIEW,REPLY or domain:example.com=VIEW\n";
      return false;
    }
    out->push_back(json::object{{"principal", s.substr(0, eq)},
                                {"rights", s.substr(eq + 1)}});
  }
  return true;
}

}  // namespace

void RegisterTemplate(CLI::App& app, Globals& g) {
  auto* tmpl = AddNoun(app, "template",
                       "Rights templates (Get-RMSTemplate and template admin)");
  auto type = std::make_shared<std::string>("all");
  auto* list = tmpl->add_subcommand("list", "List templates");
  list->add_option("--type", *type, "all, archived or distributed")
      ->check(CLI::IsMember({"all", "archived", "distributed"}));
  list->callback([&g, type] {
    CallAndPrint(g, "GET", "/api/v1/templates?type=" + *type, "",
                 [](const json::value& v) {
                   for (const auto& t : v.at("templates").as_array()) {
                     PrintTemplate(t);
                     std::cout << "\n";
                   }
                 });
  });
  struct TemplateArgs {
    std::string id, name, description;
    std::vector<std::string> grants;
    int expiry_days = -1, offline_days = -1;
    std::string org_only, forwardees;
  };
  auto ta = std::make_shared<TemplateArgs>();
  auto* get = AddVerbOn(*tmpl, "get", "Show one template", "id", ta->id,
                        "Template id or name");
  get->callback([&g, ta] {
    CallAndPrint(g, "GET", "/api/v1/templates/" + UrlEncode(ta->id), "",
                 PrintTemplate);
  });
  auto add_fields = [ta](CLI::App* c) {
    c->add_option("--description", ta->description, "Description");
    c->add_option("--grant", ta->grants,
                  "PRINCIPAL=RIGHTS, repeatable; principals: recipients, "
                  "all-in-org, user:a@b, group:NAME, domain:example.com; "
                  "rights: VIEW,REPLY,... (comma-separated)");
    c->add_option("--expiry-days", ta->expiry_days,
                  "Content expires N days after protection (0: never)");
    c->add_option("--offline-days", ta->offline_days, "Offline access days");
    c->add_option("--org-only", ta->org_only,
                  "True: external recipients cannot open");
    c->add_option("--forwardees", ta->forwardees,
                  "True: people the message is forwarded to get the same "
                  "rights");
  };
  auto body_of = [ta](bool create) -> std::optional<json::object> {
    json::object body;
    if (!ta->name.empty()) body["name"] = ta->name;
    if (!ta->description.empty() || create) {
      body["description"] = ta->description;
    }
    if (!ta->grants.empty() || create) {
      json::array grants;
      if (!ParseGrants(ta->grants, &grants)) return std::nullopt;
      body["grants"] = grants;
    }
    if (ta->expiry_days >= 0) body["expiry_days"] = ta->expiry_days;
    if (ta->offline_days >= 0) body["offline_days"] = ta->offline_days;
    auto flag = [&](const std::string& v, const char* key) {
      if (v.empty()) return true;
      const std::string l = AsciiLower(v);
      if (l != "true" && l != "false") {
        std::cerr << "sealpost: " << key << " must be True or False\n";
        return false;
      }
      body[key] = (l == "true");
      return true;
    };
    if (!flag(ta->org_only, "org_only") ||
        !flag(ta->forwardees, "extend_to_forwardees")) {
      return std::nullopt;
    }
    return body;
  };
  auto* create = tmpl->add_subcommand("new", "Create a custom template");
  create
      ->add_option("name", ta->name,
                   "Template name (at most 64 "
                   "characters)")
      ->required();
  add_fields(create);
  create->callback([&g, body_of] {
    auto body = body_of(true);
    if (!body) {
      g.exit_code = kExitLocal;
      return;
    }
    CallAndPrint(g, "POST", "/api/v1/templates", json::serialize(*body),
                 PrintTemplate);
  });
  auto* tset = AddVerbOn(*tmpl, "set", "Change a custom template", "id", ta->id,
                         "Template id or name");
  tset->add_option("--name", ta->name, "New name");
  add_fields(tset);
  tset->callback([&g, ta, body_of] {
    auto body = body_of(false);
    if (!body) {
      g.exit_code = kExitLocal;
      return;
    }
    CallAndPrint(g, "PATCH", "/api/v1/templates/" + UrlEncode(ta->id),
                 json::serialize(*body), PrintTemplate);
  });
  auto* archive =
      AddVerbOn(*tmpl, "archive",
                "Archive a template: it opens old content but cannot "
                "protect new mail",
                "id", ta->id, "Template id or name");
  archive->callback([&g, ta] {
    CallAndPrint(g, "PATCH", "/api/v1/templates/" + UrlEncode(ta->id),
                 R"({"archived":true})", PrintTemplate);
  });
  auto* restore = AddVerbOn(*tmpl, "restore", "Un-archive a template", "id",
                            ta->id, "Template id or name");
  restore->callback([&g, ta] {
    CallAndPrint(g, "PATCH", "/api/v1/templates/" + UrlEncode(ta->id),
                 R"({"archived":false})", PrintTemplate);
  });
}

}  // namespace sealpost::cli
