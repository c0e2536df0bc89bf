// `sealpost group add|remove|list|member`: groups of users.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterGroup(CLI::App& app, Globals& g) {
  auto* group = AddNoun(app, "group", "Groups of users");
  auto ga = std::make_shared<std::pair<std::string, std::string>>();
  auto* gadd = AddVerbOn(*group, "add", "Create a group", "name", ga->first,
                         "Group name");
  gadd->callback([&g, ga] {
    CallAndSay(g, "POST", "/api/v1/groups",
               json::serialize(json::object{{"name", ga->first}}),
               "Created group " + ga->first);
  });
  auto* grm = AddVerbOn(*group, "remove", "Remove a group", "name", ga->first,
                        "Group name");
  grm->callback([&g, ga] {
    CallAndSay(g, "DELETE", "/api/v1/groups/" + UrlEncode(ga->first), "",
               "Removed group " + ga->first);
  });
  group->add_subcommand("list", "List groups and members")->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/groups", "", [](const json::value& v) {
      for (const auto& [name, members] : v.at("groups").as_object()) {
        PrintProperties({{"Name", std::string(name)},
                         {"Members", JoinJson(members.as_array())}});
        std::cout << "\n";
      }
    });
  });
  auto* member = AddNoun(*group, "member", "Group membership");
  auto* madd = AddVerbOn(*member, "add", "Add a member: GROUP EMAIL", "group",
                         ga->first, "Group name");
  madd->add_option("email", ga->second, "Member address")->required();
  madd->callback([&g, ga] {
    CallAndSay(g, "POST", "/api/v1/groups/" + UrlEncode(ga->first) + "/members",
               json::serialize(json::object{{"email", ga->second}}),
               "Added " + ga->second + " to " + ga->first);
  });
  auto* mrm = AddVerbOn(*member, "remove", "Remove a member: GROUP EMAIL",
                        "group", ga->first, "Group name");
  mrm->add_option("email", ga->second, "Member address")->required();
  mrm->callback([&g, ga] {
    CallAndSay(g, "DELETE",
               "/api/v1/groups/" + UrlEncode(ga->first) + "/members/" +
                   UrlEncode(ga->second),
               "", "Removed " + ga->second + " from " + ga->first);
  });
}

}  // namespace sealpost::cli
