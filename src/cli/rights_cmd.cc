// Admin nouns of rights management: rms, irm, template, license, group, and
// the rights verbs of `message` (revoke, status, expire).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <string>
#include <tuple>

#include "base/clock.h"
#include "cli/cli.h"
#include "license/irm_config.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

std::string When(int64_t t) { return t == 0 ? "" : FormatRfc3339(t); }

// Runs `fn(body)` after a successful call; prints JSON instead with --json.
void PrintRms(const json::value& v) {
  const auto& o = v.as_object();
  PrintProperties(
      {{"RightsManagement", o.at("active").as_bool() ? "Active" : "Inactive"},
       {"PrimaryKeyVersion", JsonText(o.at("primary_key_version"))},
       {"KeyVersions", JsonText(o.at("key_versions"))}});
}

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

void PrintMessage(const json::value& v) {
  const auto& o = v.as_object();
  std::string rcpts;
  for (const auto& r : o.at("recipients").as_array()) {
    rcpts += (rcpts.empty() ? "" : ", ") + JsonText(r);
  }
  PrintProperties({{"MessageId", JsonText(o.at("id"))},
                   {"Sender", JsonText(o.at("owner"))},
                   {"Recipients", rcpts},
                   {"Template", JsonText(o.at("template_id"))},
                   {"Status", JsonText(o.at("state"))},
                   {"Created", When(o.at("created_at").to_number<int64_t>())},
                   {"Expires", When(o.at("expires_at").to_number<int64_t>())},
                   {"Revoked", When(o.at("revoked_at").to_number<int64_t>())},
                   {"RevokedBy", JsonText(o.at("revoked_by"))}});
  if (const auto* events = o.if_contains("events")) {
    std::cout << "\nLicense and audit events (newest first):\n";
    for (const auto& e : events->as_array()) {
      std::cout << "  " << When(e.at("at").to_number<int64_t>()) << "  "
                << JsonText(e.at("action")) << "  " << JsonText(e.at("actor"))
                << "  " << JsonText(e.at("result")) << "  "
                << JsonText(e.at("detail")) << "\n";
    }
  }
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

void RegisterRights(CLI::App& app, Globals& g) {
  // ---- rms -------------------------------------------------------------
  auto* rms = app.add_subcommand("rms",
                                 "Rights management service: "
                                 "activation and org keys");
  rms->require_subcommand(1);
  rms->add_subcommand("activate",
                      "Create the org keys and turn rights "
                      "management on")
      ->callback([&g] {
        CallAndPrint(g, "POST", "/api/v1/rms/activate", "{}", PrintRms);
      });
  rms->add_subcommand("status", "Show whether rights management is active")
      ->callback([&g] { CallAndPrint(g, "GET", "/api/v1/rms", "", PrintRms); });
  rms->add_subcommand("rotate-key",
                      "Make a new primary org key version (old versions "
                      "still open old content)")
      ->callback([&g] {
        CallAndPrint(g, "POST", "/api/v1/rms/rotate-key", "{}", PrintRms);
      });

  // ---- irm -------------------------------------------------------------
  auto* irm = app.add_subcommand(
      "irm", "IRM configuration (Get-/Set-/Test-IRMConfiguration)");
  irm->require_subcommand(1);
  irm->add_subcommand("get", "Show the IRM configuration")->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/irm", "", [](const json::value& v) {
      std::vector<std::pair<std::string, std::string>> props = {
          {"Identity", JsonText(v.at("Identity"))}};
      for (const auto& [k, val] : v.at("properties").as_object()) {
        props.emplace_back(std::string(k), JsonText(val));
      }
      props.emplace_back("ServiceLocation", JsonText(v.at("ServiceLocation")));
      props.emplace_back("PublishingLocation",
                         JsonText(v.at("PublishingLocation")));
      props.emplace_back("LicensingLocationService",
                         JsonText(v.at("LicensingLocationService")));
      PrintProperties(props);
    });
  });
  auto* set = irm->add_subcommand(
      "set", "Set IRM properties, e.g. --AzureRMSLicensingEnabled False");
  auto values = std::make_shared<std::map<std::string, std::string>>();
  for (const auto& p : license::IrmConfig::Properties()) {
    std::string name(p.name);
    std::string help(p.help);
    if (p.kind == license::IrmConfig::Property::kBool) {
      help += " (True/False)";
    } else if (p.kind == license::IrmConfig::Property::kEnum) {
      help += " (";
      for (size_t i = 0; i < p.allowed.size(); ++i) {
        help += (i ? "|" : "") + std::string(p.allowed[i]);
      }
      help += ")";
    } else {
      help += " (comma-separated https:// URLs)";
    }
    set->add_option_function<std::string>(
        "--" + name,
        [values, name](const std::string& v) { (*values)[name] = v; }, help);
  }
  set->callback([&g, values] {
    if (values->empty()) {
      std::cerr << "sealpost: irm set needs at least one --Property VALUE "
                   "(see sealpost irm set --help)\n";
      g.exit_code = kExitLocal;
      return;
    }
    json::object body;
    for (const auto& [k, v] : *values) body[k] = v;
    CallAndPrint(g, "PATCH", "/api/v1/irm", json::serialize(body),
                 [](const json::value& v) {
                   std::vector<std::pair<std::string, std::string>> props;
                   for (const auto& [k, val] : v.at("properties").as_object()) {
                     props.emplace_back(std::string(k), JsonText(val));
                   }
                   PrintProperties(props);
                 });
  });
  auto test_args = std::make_shared<std::pair<std::string, std::string>>();
  auto* test = irm->add_subcommand(
      "test",
      "Test-IRMConfiguration: protect a probe as the sender and open "
      "it as the recipient; exit 0 only on PASS");
  test->add_option("--sender", test_args->first, "Sender address")->required();
  test->add_option("--recipient", test_args->second,
                   "Recipient address (default: the sender)");
  test->callback([&g, test_args] {
    json::object body{{"sender", test_args->first}};
    if (!test_args->second.empty()) body["recipient"] = test_args->second;
    std::string out;
    if (!CallApi(g, "POST", "/api/v1/irm/test", json::serialize(body), &out)) {
      return;
    }
    json::value v = json::parse(out);
    bool pass = v.at("pass").as_bool();
    if (g.json) {
      std::cout << out << "\n";
    } else {
      for (const auto& c : v.at("checks").as_array()) {
        std::cout << JsonText(c.at("step")) << " ...\n    - "
                  << (c.at("pass").as_bool() ? "PASS" : "FAIL") << ": "
                  << JsonText(c.at("detail")) << "\n";
      }
      std::cout << "OVERALL RESULT: " << (pass ? "PASS" : "FAIL") << "\n";
    }
    if (!pass) g.exit_code = kExitServer;
  });

  // ---- template --------------------------------------------------------
  auto* tmpl = app.add_subcommand(
      "template", "Rights templates (Get-RMSTemplate and template admin)");
  tmpl->require_subcommand(1);
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
  auto* get = tmpl->add_subcommand("get", "Show one template");
  get->add_option("id", ta->id, "Template id or name")->required();
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
      std::string l = v;
      for (auto& c : l) c = static_cast<char>(std::tolower(c));
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
  auto* tset = tmpl->add_subcommand("set", "Change a custom template");
  tset->add_option("id", ta->id, "Template id or name")->required();
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
  auto* archive = tmpl->add_subcommand(
      "archive",
      "Archive a template: it opens old content but cannot "
      "protect new mail");
  archive->add_option("id", ta->id, "Template id or name")->required();
  archive->callback([&g, ta] {
    CallAndPrint(g, "PATCH", "/api/v1/templates/" + UrlEncode(ta->id),
                 R"({"archived":true})", PrintTemplate);
  });
  auto* restore = tmpl->add_subcommand("restore", "Un-archive a template");
  restore->add_option("id", ta->id, "Template id or name")->required();
  restore->callback([&g, ta] {
    CallAndPrint(g, "PATCH", "/api/v1/templates/" + UrlEncode(ta->id),
                 R"({"archived":false})", PrintTemplate);
  });

  // ---- license -----------------------------------------------------------
  auto* lic = app.add_subcommand(
      "license", "Who may protect mail: licenses for users and groups");
  lic->require_subcommand(1);
  auto who = std::make_shared<std::pair<std::string, std::string>>();
  auto kind_name = [who]() -> std::pair<std::string, std::string> {
    if (!who->first.empty()) return {"user", who->first};
    return {"group", who->second};
  };
  for (const char* verb : {"assign", "remove"}) {
    auto* c = lic->add_subcommand(verb, std::string(verb) == "assign"
                                            ? "Assign a license"
                                            : "Remove a license");
    auto* u = c->add_option("--user", who->first, "User e-mail address");
    auto* gr = c->add_option("--group", who->second, "Group name");
    u->excludes(gr);
    c->require_option(1);
    bool assign = std::string(verb) == "assign";
    c->callback([&g, kind_name, assign] {
      // Not a structured binding: clang 14 cannot capture one in a lambda.
      std::string kind, name;
      std::tie(kind, name) = kind_name();
      if (assign) {
        CallAndPrint(
            g, "POST", "/api/v1/license-assignments",
            json::serialize(json::object{{"kind", kind}, {"name", name}}),
            [kind, name](const json::value&) {
              std::cout << "Assigned a license to " << kind << " " << name
                        << "\n";
            });
      } else {
        CallAndPrint(
            g, "DELETE",
            "/api/v1/license-assignments/" + kind + "/" + UrlEncode(name), "",
            [kind, name](const json::value&) {
              std::cout << "Removed the license of " << kind << " " << name
                        << "\n";
            });
      }
    });
  }
  lic->add_subcommand("list", "List license assignments")->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/license-assignments", "",
                 [](const json::value& v) {
                   for (const auto& u : v.at("users").as_array()) {
                     std::cout << "user   " << JsonText(u) << "\n";
                   }
                   for (const auto& gr : v.at("groups").as_array()) {
                     std::cout << "group  " << JsonText(gr) << "\n";
                   }
                 });
  });

  // ---- group ---------------------------------------------------------------
  auto* group = app.add_subcommand("group", "Groups of users");
  group->require_subcommand(1);
  auto ga = std::make_shared<std::pair<std::string, std::string>>();
  auto* gadd = group->add_subcommand("add", "Create a group");
  gadd->add_option("name", ga->first, "Group name")->required();
  gadd->callback([&g, ga] {
    CallAndPrint(g, "POST", "/api/v1/groups",
                 json::serialize(json::object{{"name", ga->first}}),
                 [ga](const json::value&) {
                   std::cout << "Created group " << ga->first << "\n";
                 });
  });
  auto* grm = group->add_subcommand("remove", "Remove a group");
  grm->add_option("name", ga->first, "Group name")->required();
  grm->callback([&g, ga] {
    CallAndPrint(g, "DELETE", "/api/v1/groups/" + UrlEncode(ga->first), "",
                 [ga](const json::value&) {
                   std::cout << "Removed group " << ga->first << "\n";
                 });
  });
  group->add_subcommand("list", "List groups and members")->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/groups", "", [](const json::value& v) {
      for (const auto& [name, members] : v.at("groups").as_object()) {
        std::string m;
        for (const auto& e : members.as_array()) {
          m += (m.empty() ? "" : ", ") + JsonText(e);
        }
        PrintProperties({{"Name", std::string(name)}, {"Members", m}});
        std::cout << "\n";
      }
    });
  });
  auto* member = group->add_subcommand("member", "Group membership");
  member->require_subcommand(1);
  auto* madd = member->add_subcommand("add", "Add a member: GROUP EMAIL");
  madd->add_option("group", ga->first, "Group name")->required();
  madd->add_option("email", ga->second, "Member address")->required();
  madd->callback([&g, ga] {
    CallAndPrint(
        g, "POST", "/api/v1/groups/" + UrlEncode(ga->first) + "/members",
        json::serialize(json::object{{"email", ga->second}}),
        [ga](const json::value&) {
          std::cout << "Added " << ga->second << " to " << ga->first << "\n";
        });
  });
  auto* mrm = member->add_subcommand("remove", "Remove a member: GROUP EMAIL");
  mrm->add_option("group", ga->first, "Group name")->required();
  mrm->add_option("email", ga->second, "Member address")->required();
  mrm->callback([&g, ga] {
    CallAndPrint(g, "DELETE",
                 "/api/v1/groups/" + UrlEncode(ga->first) + "/members/" +
                     UrlEncode(ga->second),
                 "", [ga](const json::value&) {
                   std::cout << "Removed " << ga->second << " from "
                             << ga->first << "\n";
                 });
  });

  // ---- message (rights verbs) ---------------------------------------------
  CLI::App* message = nullptr;
  for (auto* sc : app.get_subcommands([](CLI::App*) { return true; })) {
    if (sc->get_name() == "message") message = sc;
  }
  if (message == nullptr) {
    message = app.add_subcommand("message", "Messages: status, revocation");
    message->require_subcommand(1);
  }
  auto mid = std::make_shared<std::string>();
  auto* revoke = message->add_subcommand(
      "revoke",
      "Revoke a protected message (Set-OMEMessageRevocation): "
      "recipients lose access");
  revoke->add_option("id", *mid, "Protected message id")->required();
  revoke->callback([&g, mid] {
    CallAndPrint(g, "POST", "/api/v1/protected/" + UrlEncode(*mid) + "/revoke",
                 "{}", PrintMessage);
  });
  auto* status = message->add_subcommand(
      "status",
      "Show a protected message's status and license log "
      "(Get-OMEMessageStatus)");
  status->add_option("id", *mid, "Protected message id")->required();
  status->callback([&g, mid] {
    CallAndPrint(g, "GET", "/api/v1/protected/" + UrlEncode(*mid), "",
                 PrintMessage);
  });
  auto at = std::make_shared<int64_t>(-1);
  auto* expire = message->add_subcommand(
      "expire", "Set when a protected message expires (default: now)");
  expire->add_option("id", *mid, "Protected message id")->required();
  expire->add_option("--at", *at, "Unix time (seconds) of the expiry");
  expire->callback([&g, mid, at] {
    json::object body;
    if (*at >= 0) body["expires_at"] = *at;
    CallAndPrint(g, "POST", "/api/v1/protected/" + UrlEncode(*mid) + "/expire",
                 json::serialize(body), PrintMessage);
  });
}

}  // namespace sealpost::cli
