// `sealpost smime get|set|test`: the S/MIME settings with Exchange's names
// (Get-/Set-SmimeConfig) and the per-recipient self-test (docs/smime.md).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/settings_cmd.h"
#include "smime/smime_config.h"

namespace sealpost::cli {

namespace json = boost::json;

void RegisterSmime(CLI::App& app, Globals& g) {
  auto* smime = AddNoun(app, "smime",
                        "S/MIME settings (Get-/Set-SmimeConfig) and self-test");
  AddGetCommand(
      smime, g, "/api/v1/smime/config", "Show the S/MIME settings",
      [](const json::value& v, PropertyLines& lines) {
        lines.emplace_back(
            "SMIMECertificateIssuingCA",
            "{" + JoinJson(v.at("SMIMECertificateIssuingCA").as_array()) + "}");
      });
  AddSetCommand(smime, g, smime::SmimeConfig::Properties(),
                "/api/v1/smime/config",
                "Set S/MIME properties, e.g. --OWAEncryptionAlgorithms 6610 "
                "(SMIMECertificateIssuingCA: `sealpost cert trust import`)");
  auto recipient = std::make_shared<std::string>();
  auto* test = smime->add_subcommand(
      "test",
      "Find the recipient's certificate, check its chain and CRL, encrypt a "
      "probe and decrypt it when the key is on file; exit 0 only on PASS");
  test->add_option("--recipient", *recipient, "Recipient address")
      ->required()
      ->envname("SEALPOST_SMIME_RECIPIENT");
  test->callback([&g, recipient] {
    json::object body{{"recipient", *recipient}};
    std::string out;
    if (!CallApi(g, "POST", "/api/v1/smime/test", json::serialize(body),
                 &out)) {
      return;
    }
    PrintSelfTest(g, out);
  });
}

}  // namespace sealpost::cli
