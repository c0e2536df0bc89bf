// `sealpost journal rule new|list|get|remove|enable|disable` and
// `sealpost journal get|set`: journal rules and JournalingReportNdrTo
// (Exchange's New-JournalRule and Set-TransportConfig, docs/compliance.md).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>
#include <memory>

#include "base/clock.h"
#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

void PrintRule(const json::value& v) {
  const auto& o = v.as_object();
  PrintProperties({
      {"Name", JsonText(o.at("name"))},
      {"Identity", JsonText(o.at("id"))},
      {"Scope", JsonText(o.at("scope"))},
      {"Recipient", JsonText(o.at("recipient"))},
      {"JournalEmailAddress", JsonText(o.at("journal_address"))},
      {"Enabled", JsonText(o.at("enabled"))},
      {"Created", FormatRfc3339(o.at("created_at").to_number<int64_t>())},
  });
}

}  // namespace

void RegisterJournal(CLI::App& app, Globals& g) {
  auto* journal = AddNoun(
      app, "journal",
      "Journaling: envelope journal reports of accepted mail to a journal "
      "mailbox (New-JournalRule, JournalingReportNdrTo)");
  auto* rule =
      AddNoun(*journal, "rule",
              "Journal rules: which messages are journaled, and where to");

  struct Args {
    std::string name, scope = "Global", recipient, address, ndr_to;
  };
  auto a = std::make_shared<Args>();

  auto* create = AddVerbOn(
      *rule, "new",
      "Create a journal rule (enabled). The journal address must be in an "
      "accepted domain or in a domain whose TLS policy is verify",
      "name", a->name, "Rule name");
  create
      ->add_option("--scope", a->scope,
                   "Global (every message), Internal (sender and every "
                   "recipient in an accepted domain) or External (some "
                   "party outside)")
      ->envname("SEALPOST_JOURNAL_SCOPE")
      ->capture_default_str();
  create
      ->add_option("--recipient", a->recipient,
                   "Only messages from or to this address")
      ->envname("SEALPOST_JOURNAL_RECIPIENT");
  create
      ->add_option("--journal-address", a->address,
                   "Where the journal reports go")
      ->envname("SEALPOST_JOURNAL_ADDRESS")
      ->required();
  create->callback([a, &g] {
    json::object req{{"name", a->name},
                     {"scope", a->scope},
                     {"recipient", a->recipient},
                     {"journal_address", a->address}};
    CallAndPrint(g, "POST", "/api/v1/journal/rules", json::serialize(req),
                 PrintRule);
  });

  auto* list = rule->add_subcommand("list", "List the journal rules");
  list->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/journal/rules", "",
                 [](const json::value& v) {
                   const auto& rules = v.at("rules").as_array();
                   if (rules.empty()) std::cout << "No journal rules.\n";
                   for (const auto& r : rules) {
                     PrintRule(r);
                     std::cout << "\n";
                   }
                 });
  });

  auto* get = AddVerbOn(*rule, "get", "Show a journal rule", "rule", a->name,
                        "Rule name or identity");
  get->callback([a, &g] {
    CallAndPrint(g, "GET", "/api/v1/journal/rules/" + UrlEncode(a->name), "",
                 PrintRule);
  });

  auto* remove = AddVerbOn(*rule, "remove", "Remove a journal rule", "rule",
                           a->name, "Rule name or identity");
  remove->callback([a, &g] {
    CallAndSay(g, "DELETE", "/api/v1/journal/rules/" + UrlEncode(a->name), "",
               "Removed the journal rule " + a->name);
  });

  for (bool on : {true, false}) {
    auto* cmd =
        AddVerbOn(*rule, on ? "enable" : "disable",
                  on ? "Enable a journal rule" : "Disable a journal rule",
                  "rule", a->name, "Rule name or identity");
    cmd->callback([a, &g, on] {
      CallAndPrint(g, "PATCH", "/api/v1/journal/rules/" + UrlEncode(a->name),
                   json::serialize(json::object{{"enabled", on}}), PrintRule);
    });
  }

  auto print_settings = [](const json::value& v) {
    PrintProperties({{"JournalingReportNdrTo", JsonText(v.at("ndr_to"))}});
  };
  auto* show = journal->add_subcommand("get", "Show the journaling settings");
  show->callback([&g, print_settings] {
    CallAndPrint(g, "GET", "/api/v1/journal", "", print_settings);
  });
  auto* set = journal->add_subcommand("set", "Change the journaling settings");
  set->add_option("--ndr-to", a->ndr_to,
                  "Where non-delivery reports of journal reports go "
                  "(JournalingReportNdrTo; \"\" clears it: such reports "
                  "bounce to nobody). Never the journaled sender")
      ->envname("SEALPOST_JOURNAL_NDR_TO")
      ->required();
  set->callback([a, &g, print_settings] {
    CallAndPrint(g, "PUT", "/api/v1/journal",
                 json::serialize(json::object{{"ndr_to", a->ndr_to}}),
                 print_settings);
  });
}

}  // namespace sealpost::cli
