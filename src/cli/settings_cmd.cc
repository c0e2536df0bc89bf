// Shared by the commands that show and change a settings document with
// Microsoft's property names (`irm get|set`, `smime get|set`) and by their
// self-tests (`irm test`, `smime test`).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <memory>

#include "base/visible_text.h"
#include "cli/cli.h"
#include "cli/settings_cmd.h"

namespace sealpost::cli {

namespace json = boost::json;

namespace {

// The answer's "properties" object, in order, as lines.
void AppendProperties(const json::value& v, PropertyLines& lines) {
  for (const auto& [k, val] : v.at("properties").as_object()) {
    lines.emplace_back(std::string(k), JsonText(val));
  }
}

}  // namespace

void AddGetCommand(
    CLI::App* noun, Globals& g, const std::string& target,
    const std::string& help,
    std::function<void(const json::value&, PropertyLines&)> more) {
  noun->add_subcommand("get", help)->callback([&g, target, more] {
    CallAndPrint(g, "GET", target, "", [&more](const json::value& v) {
      PropertyLines lines = {{"Identity", JsonText(v.at("Identity"))}};
      AppendProperties(v, lines);
      more(v, lines);
      PrintProperties(lines);
    });
  });
}

void AddSetCommand(CLI::App* noun, Globals& g,
                   const std::vector<license::PropertySet::Property>& props,
                   const std::string& target, const std::string& help) {
  auto* set = noun->add_subcommand("set", help);
  auto values = std::make_shared<std::map<std::string, std::string>>();
  for (const auto& p : props) {
    std::string name(p.name);
    set->add_option_function<std::string>(
        "--" + name,
        [values, name](const std::string& v) { (*values)[name] = v; },
        license::PropertySet::HelpOf(p));
  }
  std::string noun_name = noun->get_name();
  set->callback([&g, values, target, noun_name] {
    if (values->empty()) {
      std::cerr << "sealpost: " << noun_name
                << " set needs at least one --Property VALUE (see sealpost "
                << noun_name << " set --help)\n";
      g.exit_code = kExitLocal;
      return;
    }
    json::object body;
    for (const auto& [k, v] : *values) body[k] = v;
    CallAndPrint(g, "PATCH", target, json::serialize(body),
                 [](const json::value& v) {
                   PropertyLines lines;
                   AppendProperties(v, lines);
                   PrintProperties(lines);
                 });
  });
}

void PrintSelfTest(Globals& g, const std::string& answer) {
  auto v = ParseAnswer(g, answer);
  if (!v) return;
  bool pass = v->at("pass").as_bool();
  if (g.json) {
    std::cout << JsonForTerminal(answer) << "\n";
  } else {
    for (const auto& c : v->at("checks").as_array()) {
      const json::object& o = c.as_object();
      bool skipped = o.contains("skipped") && o.at("skipped").as_bool();
      std::cout << VisibleText(JsonText(o.at("step"))) << " ...\n    - "
                << (skipped                  ? "SKIP"
                    : o.at("pass").as_bool() ? "PASS"
                                             : "FAIL")
                << ": " << VisibleText(JsonText(o.at("detail"))) << "\n";
    }
    std::cout << "OVERALL RESULT: " << (pass ? "PASS" : "FAIL") << "\n";
  }
  if (!pass) g.exit_code = kExitServer;
}

}  // namespace sealpost::cli
