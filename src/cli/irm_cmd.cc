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
  AddGetCommand(
      irm, g, "/api/v1/irm", "Show the IRM configuration",
      [](const json::value& v, PropertyLines& lines) {
        for (const char* location : {"ServiceLocation", "PublishingLocation",
                                     "LicensingLocationService"}) {
          lines.emplace_back(location, JsonText(v.at(location)));
        }
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
