// `sealpost irm get|set|test`: the IRM configuration
// (Get-/Set-/Test-IRMConfiguration).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/settings_cmd.h"
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
  AddSetCommand(irm, g, license::IrmConfig::Properties(), "/api/v1/irm",
                "Set IRM properties, e.g. --AzureRMSLicensingEnabled False");
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
    PrintSelfTest(g, out);
  });
}

}  // namespace sealpost::cli
