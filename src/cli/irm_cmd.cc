// `sealpost irm get|set|test`: the IRM configuration
// (Get-/Set-/Test-IRMConfiguration).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <map>
#include <memory>

#include "cli/cli.h"
#include "license/irm_config.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterIrm(CLI::App& app, Globals& g) {
  auto* irm = AddNoun(app, "irm",
                      "IRM configuration (Get-/Set-/Test-IRMConfiguration)");
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
}

}  // namespace sealpost::cli
