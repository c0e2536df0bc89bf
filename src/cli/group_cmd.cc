// `sealpost group add|remove|list|member`: groups of users.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterGroup(CLI::App& app, Globals& g) {
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
}

}  // namespace sealpost::cli
