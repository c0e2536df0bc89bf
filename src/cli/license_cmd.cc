// `sealpost license assign|remove|list`: who may protect mail.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <tuple>

#include "base/visible_text.h"
#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterLicense(CLI::App& app, Globals& g) {
  auto* lic = AddNoun(app, "license",
                      "Who may protect mail: licenses for users and groups");
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
        CallAndSay(
            g, "POST", "/api/v1/license-assignments",
            json::serialize(json::object{{"kind", kind}, {"name", name}}),
            "Assigned a license to " + kind + " " + name);
      } else {
        CallAndSay(
            g, "DELETE",
            "/api/v1/license-assignments/" + kind + "/" + UrlEncode(name), "",
            "Removed the license of " + kind + " " + name);
      }
    });
  }
  lic->add_subcommand("list", "List license assignments")->callback([&g] {
    CallAndPrint(
        g, "GET", "/api/v1/license-assignments", "", [](const json::value& v) {
          for (const auto& u : v.at("users").as_array()) {
            std::cout << "user   " << VisibleText(JsonText(u)) << "\n";
          }
          for (const auto& gr : v.at("groups").as_array()) {
            std::cout << "group  " << VisibleText(JsonText(gr)) << "\n";
          }
        });
  });
}

}  // namespace sealpost::cli
