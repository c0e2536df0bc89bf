#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/clock.h"
#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterUser(CLI::App& app, Globals& g) {
  auto* user = app.add_subcommand("user", "Manage local users (directory)");
  user->require_subcommand(1);

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
    std::string body;
    if (!CallApi(g, "POST", "/api/v1/users", json::serialize(req), &body)) {
      return;
    }
    if (g.json) {
      std::cout << body << "\n";
      return;
    }
    json::object o = json::parse(body).as_object();
    std::vector<std::pair<std::string, std::string>> props = {
        {"Email", std::string(o.at("email").as_string())}};
    if (const auto* p = o.if_contains("password")) {
      props.emplace_back("GeneratedPassword", std::string(p->as_string()));
    }
    PrintProperties(props);
  });

  auto* list = user->add_subcommand("list", "List users");
  list->callback([&g] {
    std::string body;
    if (!CallApi(g, "GET", "/api/v1/users", "", &body)) return;
    if (g.json) {
      std::cout << body << "\n";
      return;
    }
    json::value parsed = json::parse(body);
    for (const auto& u : parsed.at("users").as_array()) {
      const auto& o = u.as_object();
      PrintProperties({
          {"Email", std::string(o.at("email").as_string())},
          {"DisplayName", std::string(o.at("display_name").as_string())},
          {"Created", FormatRfc3339(o.at("created_at").to_number<int64_t>())},
      });
      std::cout << "\n";
    }
  });

  auto* passwd = user->add_subcommand(
      "passwd",
      "Set a user's password (from SEALPOST_NEW_PASSWORD or a "
      "prompt)");
  passwd->add_option("email", a->email, "E-mail address")->required();
  passwd->callback([a, &g] {
    std::string pw = ReadPassword("New password: ", "SEALPOST_NEW_PASSWORD");
    json::object req{{"password", pw}};
    std::string body;
    if (!CallApi(g, "PUT", "/api/v1/users/" + a->email + "/password",
                 json::serialize(req), &body)) {
      return;
    }
    std::cout << (g.json ? body : "Password changed for " + a->email) << "\n";
  });

  auto* reset2 = user->add_subcommand(
      "reset-second-factor",
      "Remove a portal reader's authenticator app (lost phone): they add "
      "one again at their next sign-in");
  reset2->add_option("email", a->email, "E-mail address of the reader")
      ->required();
  reset2->callback([a, &g] {
    std::string body;
    if (!CallApi(g, "DELETE",
                 "/api/v1/users/" + UrlEncode(a->email) + "/second-factor", "",
                 &body)) {
      return;
    }
    std::cout << (g.json ? body
                         : "Authenticator app of " + a->email + " removed")
              << "\n";
  });

  auto* remove = user->add_subcommand("remove", "Remove a user");
  remove->add_option("email", a->email, "E-mail address")->required();
  remove->callback([a, &g] {
    std::string body;
    if (!CallApi(g, "DELETE", "/api/v1/users/" + a->email, "", &body)) return;
    std::cout << (g.json ? body : "Removed " + a->email) << "\n";
  });
}

}  // namespace sealpost::cli
