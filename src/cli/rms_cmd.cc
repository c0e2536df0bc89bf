// `sealpost rms activate|status|rotate-key` (export-key and import-key:
// backup_cmd.cc): rights management activation
// and the org keys.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

void PrintRms(const json::value& v) {
  const auto& o = v.as_object();
  PrintProperties(
      {{"RightsManagement", o.at("active").as_bool() ? "Active" : "Inactive"},
       {"PrimaryKeyVersion", JsonText(o.at("primary_key_version"))},
       {"KeyVersions", JsonText(o.at("key_versions"))}});
}

}  // namespace

void RegisterRms(CLI::App& app, Globals& g) {
  auto* rms = AddNoun(app, "rms",
                      "Rights management service: "
                      "activation and org keys");
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
  RegisterKeyBackup(rms, g);
}

}  // namespace sealpost::cli
