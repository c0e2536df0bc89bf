// `sealpost tls policy set|list|remove`: per-domain TLS policy for outbound
// delivery (the forced-TLS connector of Exchange Online, SPEC §4).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/clock.h"
#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

namespace {

void PrintPolicies(const json::value& v) {
  const auto& policies = v.at("policies").as_array();
  if (policies.empty()) {
    std::cout << "No TLS policies: every domain uses 'may' "
                 "(opportunistic TLS).\n";
  }
  for (const auto& p : policies) {
    const auto& o = p.as_object();
    PrintProperties({
        {"Domain", std::string(o.at("domain").as_string())},
        {"TlsPolicy", std::string(o.at("policy").as_string())},
        {"CaFile", std::string(o.at("ca_file").as_string())},
        {"Updated", FormatRfc3339(o.at("updated_at").to_number<int64_t>())},
    });
    std::cout << "\n";
  }
}

}  // namespace

void RegisterTls(CLI::App& app, Globals& g) {
  auto* tls = AddNoun(app, "tls", "Outbound TLS policy per domain");
  auto* policy = AddNoun(
      *tls, "policy",
      "may (default: TLS when offered), encrypt (TLS required), verify (TLS "
      "with the certificate chain and host name checked)");

  struct Args {
    std::string domain, mode, ca_file;
  };
  auto a = std::make_shared<Args>();

  auto* set = AddVerbOn(*policy, "set", "Set the policy of a domain", "domain",
                        a->domain, "Recipient domain");
  set->add_option("policy", a->mode, "may, encrypt or verify")
      ->required()
      ->check(CLI::IsMember({"may", "encrypt", "verify"}));
  set->add_option("--ca-file", a->ca_file,
                  "PEM CA bundle (on the server) for verify; default: the "
                  "system store");
  set->callback([a, &g] {
    json::object req{{"policy", a->mode}};
    if (!a->ca_file.empty()) req["ca_file"] = a->ca_file;
    CallAndPrint(g, "PUT", "/api/v1/tls/policies/" + a->domain,
                 json::serialize(req), [](const json::value& v) {
                   const json::object& o = v.as_object();
                   PrintProperties(
                       {{"Domain", std::string(o.at("domain").as_string())},
                        {"TlsPolicy", std::string(o.at("policy").as_string())},
                        {"CaFile", std::string(o.at("ca_file").as_string())}});
                 });
  });

  auto* list = policy->add_subcommand("list", "List the domain policies");
  list->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/tls/policies", "", PrintPolicies);
  });

  auto* remove =
      AddVerbOn(*policy, "remove", "Remove a domain's policy (back to may)",
                "domain", a->domain, "Recipient domain");
  remove->callback([a, &g] {
    CallAndSay(g, "DELETE", "/api/v1/tls/policies/" + a->domain, "",
               "Removed the TLS policy of " + a->domain);
  });
}

}  // namespace sealpost::cli
