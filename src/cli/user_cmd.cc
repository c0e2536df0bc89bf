#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/clock.h"
#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterUser(CLI::App& app, Globals& g) {
  auto* user = AddNoun(app, "user", "Manage local users (directory)");

  struct Args {
    std::string email, name, password;
  };
  auto a = std::make_shared<Args>();

  auto* add = user->add_subcommand(
      "add", "Add a user; without a password one is generated and printed");
  add->add_option("email", a->email, "E-mail address")->required();
  add->add_option("--name", a->name, "Display name");
  add->add_option("--password", a->password,
                  "Password (prefer SEALPOST_NEW_PASSWORD)")
      ->envname("SEALPOST_NEW_PASSWORD");
  add->callback([a, &g] {
    json::object req{{"email", a->email}};
    if (!a->name.empty()) req["display_name"] = a->name;
    if (!a->password.empty()) req["password"] = a->password;
    CallAndPrint(g, "POST", "/api/v1/users", json::serialize(req),
                 [](const json::value& v) {
                   const json::object& o = v.as_object();
                   std::vector<std::pair<std::string, std::string>> props = {
                       {"Email", std::string(o.at("email").as_string())}};
                   if (const auto* p = o.if_contains("password")) {
                     props.emplace_back("GeneratedPassword",
                                        std::string(p->as_string()));
                   }
                   PrintProperties(props);
                 });
  });

  auto* list = user->add_subcommand("list", "List users");
  list->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/users", "", [](const json::value& v) {
      for (const auto& u : v.at("users").as_array()) {
        const auto& o = u.as_object();
        PrintProperties({
            {"Email", std::string(o.at("email").as_string())},
            {"DisplayName", std::string(o.at("display_name").as_string())},
            {"Created", FormatRfc3339(o.at("created_at").to_number<int64_t>())},
        });
        std::cout << "\n";
      }
    });
  });

  auto* passwd =
      AddVerbOn(*user, "passwd",
                "Set a user's password (from SEALPOST_NEW_PASSWORD or a "
                "prompt)",
                "email", a->email, "E-mail address");
  passwd->callback([a, &g] {
    std::string pw = ReadPassword("New password: ", "SEALPOST_NEW_PASSWORD");
    json::object req{{"password", pw}};
    CallAndSay(g, "PUT", "/api/v1/users/" + a->email + "/password",
               json::serialize(req), "Password changed for " + a->email);
  });

  auto* remove = AddVerbOn(*user, "remove", "Remove a user", "email", a->email,
                           "E-mail address");
  remove->callback([a, &g] {
    CallAndSay(g, "DELETE", "/api/v1/users/" + a->email, "",
               "Removed " + a->email);
  });
}

}  // namespace sealpost::cli
