// `sealpost rule list|get|new|set|remove|enable|disable`: mail flow rules
// (transport rules) that decide protection.
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "base/strings.h"
#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

std::string Canon(std::string s) {
  for (char& c : s) {
    c = c == '-' ? '_' : AsciiLowerByte(c);
  }
  return s;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// "1M" -> 1048576.
bool ParseBytes(std::string s, int64_t* out) {
  int64_t mult = 1;
  if (!s.empty()) {
    char u = AsciiLowerByte(s.back());
    if (u == 'k' || u == 'm' || u == 'g') {
      mult = u == 'k' ? 1024 : u == 'm' ? 1024 * 1024 : 1024LL * 1024 * 1024;
      s.pop_back();
    }
  }
  try {
    size_t used = 0;
    *out = std::stoll(s, &used) * mult;
    return used == s.size() && *out >= 0;
  } catch (const std::exception&) {
    return false;
  }
}

// "recipient-scope=NotInOrganization", "subject-contains=a,b",
// "header-matches=X-Class: ^secret$", "has-attachment".
bool ParseCondition(const std::string& spec, json::object* out,
                    std::string* error) {
  auto eq = spec.find('=');
  std::string kind = Canon(spec.substr(0, eq));
  std::string value = eq == std::string::npos ? "" : spec.substr(eq + 1);
  // Friendly aliases.
  if (kind == "subject_contains") kind = "subject_contains_words";
  if (kind == "subject_or_body_contains")
    kind = "subject_or_body_contains_words";
  if (kind == "sender_domain") kind = "sender_domain_is";
  if (kind == "recipient_domain") kind = "recipient_domain_is";
  if (kind == "sender_address" || kind == "sender") kind = "sender_address_is";
  if (kind == "recipient_address" || kind == "recipient") {
    kind = "recipient_address_is";
  }
  if (kind == "attachment_name" || kind == "attachment_extension") {
    kind = "attachment_name_is";
  }
  if (kind == "message_type") kind = "message_type_is";
  if (kind == "sensitivity") kind = "sensitivity_is";
  if (kind == "sender_in_group") kind = "sender_member_of";
  (*out)["kind"] = kind;
  if (kind == "sender_scope" || kind == "recipient_scope") {
    std::string v = Canon(value);
    if (v == "in" || v == "inorganization" || v == "in_organization" ||
        v == "internal") {
      (*out)["scope"] = "in_organization";
    } else if (v == "out" || v == "notinorganization" ||
               v == "not_in_organization" || v == "external") {
      (*out)["scope"] = "not_in_organization";
    } else {
      *error = kind + " wants InOrganization or NotInOrganization";
      return false;
    }
  } else if (kind == "subject_matches" || kind == "body_matches") {
    (*out)["pattern"] = value;
  } else if (kind == "header_matches") {
    auto colon = value.find(':');
    if (colon == std::string::npos) {
      *error = "header-matches wants 'Header-Name: pattern'";
      return false;
    }
    std::string pattern = value.substr(colon + 1);
    while (!pattern.empty() && pattern.front() == ' ') pattern.erase(0, 1);
    (*out)["header"] = value.substr(0, colon);
    (*out)["pattern"] = pattern;
  } else if (kind == "attachment_size_over" || kind == "message_size_over") {
    int64_t bytes = 0;
    if (!ParseBytes(value, &bytes)) {
      *error = kind + " wants a size such as 10M";
      return false;
    }
    (*out)["bytes"] = bytes;
  } else if (kind == "has_attachment") {
    // no value
  } else {
    json::array values;
    for (auto& v : SplitList(value)) {
      values.emplace_back(
          kind == "message_type_is" || kind == "sensitivity_is" ? Canon(v) : v);
    }
    (*out)["values"] = values;
  }
  return true;
}

void PrintRule(const json::value& v) {
  const auto& o = v.as_object();
  auto describe = [](const json::value& c) {
    std::string s = JsonText(c.at("kind"));
    for (const char* k : {"scope", "header", "pattern", "bytes"}) {
      if (const auto* x = c.as_object().if_contains(k)) s += " " + JsonText(*x);
    }
    if (const auto* vals = c.as_object().if_contains("values")) {
      s += " [" + JoinJson(vals->as_array()) + "]";
    }
    return s;
  };
  std::vector<std::pair<std::string, std::string>> props = {
      {"Identity", JsonText(o.at("id"))},
      {"Name", JsonText(o.at("name"))},
      {"Priority", JsonText(o.at("priority"))},
      {"State", o.at("enabled").as_bool() ? "Enabled" : "Disabled"},
      {"Mode", JsonText(o.at("mode")) == "audit" ? "Audit" : "Enforce"},
      {"StopRuleProcessing", JsonText(o.at("stop_processing"))},
  };
  for (const auto& c : o.at("conditions").as_array()) {
    props.emplace_back("Condition", describe(c));
  }
  for (const auto& c : o.at("exceptions").as_array()) {
    props.emplace_back("Exception", describe(c));
  }
  for (const auto& a : o.at("actions").as_array()) {
    std::string s = JsonText(a.at("kind"));
    for (const char* k : {"template", "branding", "text", "enhanced_status",
                          "header", "value"}) {
      if (const auto* x = a.as_object().if_contains(k)) s += " " + JsonText(*x);
    }
    props.emplace_back("Action", s);
  }
  if (!JsonText(o.at("comments")).empty()) {
    props.emplace_back("Comments", JsonText(o.at("comments")));
  }
  PrintProperties(props);
}

// What the flags of `rule new` and `rule set` hold.
struct RuleArgs {
  std::string id, name, mode, comments, tmpl, branding, reject, status, header,
      json_file;
  int priority = -1;
  bool stop = false, no_stop = false, require_tls = false,
       remove_protection = false, require_smime = false, sign = false;
  std::vector<std::string> conditions, exceptions;
};

void AddRuleFlags(CLI::App* c, RuleArgs& ra) {
  c->add_option("--priority", ra.priority, "0 runs first");
  c->add_option("--mode", ra.mode, "Enforce or Audit (log only)")
      ->check(CLI::IsMember({"Enforce", "Audit", "enforce", "audit"}));
  c->add_flag("--stop", ra.stop, "Stop processing later rules");
  c->add_option("--if", ra.conditions,
                "Condition KIND=VALUE, repeatable; kinds: sender, "
                "sender-domain, recipient, recipient-domain, sender-scope, "
                "recipient-scope (InOrganization|NotInOrganization), "
                "sender-in-group, subject-contains, "
                "subject-or-body-contains (comma lists), subject-matches, "
                "body-matches (RE2), header-matches ('Name: RE2'), "
                "attachment-name (docx, *.pdf), attachment-size-over, "
                "message-size-over (10M), has-attachment, message-type "
                "(protected, smime_encrypted, signed), sensitivity");
  c->add_option("--unless", ra.exceptions,
                "Exception KIND=VALUE, repeatable (same kinds as --if)");
  c->add_option("--apply-template", ra.tmpl,
                "Action: protect with this template");
  c->add_option("--branding", ra.branding,
                "Branding identity for --apply-template");
  c->add_flag("--remove-protection", ra.remove_protection,
              "Action: remove protection");
  c->add_flag("--require-tls", ra.require_tls,
              "Action: deliver only over STARTTLS, else defer (4.7.4) "
              "and retry (docs/mail-flow.md)");
  c->add_flag("--require-smime", ra.require_smime,
              "Action: S/MIME or a DSN naming why (docs/smime.md)");
  c->add_flag("--sign", ra.sign,
              "Action: the sender's S/MIME signature, when their key is on "
              "file");
  c->add_option("--reject", ra.reject, "Action: reject with this text");
  c->add_option("--reject-status", ra.status,
                "Enhanced status code of --reject (default 5.7.1)");
  c->add_option("--add-header", ra.header,
                "Action: add a header 'Name: value'");
  c->add_option("--comments", ra.comments, "Free text");
  c->add_option("--json", ra.json_file,
                "Read the whole rule as JSON from this file");
}

// The JSON body from the flags; nullopt after printing an error.
std::optional<json::object> RuleBody(const RuleArgs& ra, bool create) {
  json::object body;
  if (!ra.json_file.empty()) {
    std::ifstream in(ra.json_file);
    std::stringstream ss;
    ss << in.rdbuf();
    boost::system::error_code ec;
    json::value v = json::parse(ss.str(), ec);
    if (!in || ec || !v.is_object()) {
      std::cerr << "sealpost: " << ra.json_file
                << " does not hold a JSON object\n";
      return std::nullopt;
    }
    body = v.as_object();
  }
  if (!ra.name.empty()) body["name"] = ra.name;
  if (ra.priority >= 0) body["priority"] = ra.priority;
  if (!ra.mode.empty()) body["mode"] = Canon(ra.mode);
  if (ra.stop) body["stop_processing"] = true;
  if (!ra.comments.empty()) body["comments"] = ra.comments;
  for (auto [list, key] : {std::pair{&ra.conditions, "conditions"},
                           std::pair{&ra.exceptions, "exceptions"}}) {
    if (list->empty()) continue;
    json::array a;
    for (const auto& spec : *list) {
      json::object c;
      std::string error;
      if (!ParseCondition(spec, &c, &error)) {
        std::cerr << "sealpost: " << error << "\n";
        return std::nullopt;
      }
      a.push_back(c);
    }
    body[key] = a;
  }
  json::array actions;
  if (!ra.tmpl.empty()) {
    json::object a{{"kind", "apply_template"}, {"template", ra.tmpl}};
    if (!ra.branding.empty()) a["branding"] = ra.branding;
    actions.push_back(a);
  }
  if (ra.remove_protection) {
    actions.push_back(json::object{{"kind", "remove_protection"}});
  }
  if (ra.require_tls) {
    actions.push_back(json::object{{"kind", "require_tls"}});
  }
  if (ra.require_smime) {
    actions.push_back(json::object{{"kind", "require_smime"}});
  }
  if (ra.sign) actions.push_back(json::object{{"kind", "sign"}});
  if (!ra.reject.empty()) {
    json::object a{{"kind", "reject"}, {"text", ra.reject}};
    if (!ra.status.empty()) a["enhanced_status"] = ra.status;
    actions.push_back(a);
  }
  if (!ra.header.empty()) {
    auto colon = ra.header.find(':');
    if (colon == std::string::npos) {
      std::cerr << "sealpost: --add-header wants 'Name: value'\n";
      return std::nullopt;
    }
    std::string value = ra.header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(0, 1);
    actions.push_back(json::object{{"kind", "add_header"},
                                   {"header", ra.header.substr(0, colon)},
                                   {"value", value}});
  }
  if (!actions.empty()) body["actions"] = actions;
  if (create && !body.contains("actions")) {
    std::cerr << "sealpost: a rule needs an action (--apply-template, "
                 "--reject, --require-tls, --require-smime, --sign, "
                 "--remove-protection or --add-header)\n";
    return std::nullopt;
  }
  return body;
}

}  // namespace

void RegisterRule(CLI::App& app, Globals& g) {
  auto* rule = AddNoun(
      app, "rule", "Mail flow rules (transport rules) that decide protection");
  auto ra = std::make_shared<RuleArgs>();
  rule->add_subcommand("list", "List rules by priority")->callback([&g] {
    CallAndPrint(g, "GET", "/api/v1/rules", "", [](const json::value& v) {
      const auto& rules = v.at("rules").as_array();
      if (rules.empty()) std::cout << "No rules.\n";
      for (const auto& r : rules) {
        PrintRule(r);
        std::cout << "\n";
      }
    });
  });
  auto* get =
      AddVerbOn(*rule, "get", "Show a rule", "id", ra->id, "Rule id or name");
  get->callback([&g, ra] {
    CallAndPrint(g, "GET", "/api/v1/rules/" + UrlEncode(ra->id), "", PrintRule);
  });
  auto* create =
      AddVerbOn(*rule, "new",
                "Create a rule, e.g. rule new 'Encrypt external' --if "
                "recipient-scope=NotInOrganization --apply-template Encrypt",
                "name", ra->name, "Rule name (at most 64 characters)");
  AddRuleFlags(create, *ra);
  create->callback([&g, ra] {
    auto body = RuleBody(*ra, true);
    if (!body) {
      g.exit_code = kExitLocal;
      return;
    }
    CallAndPrint(g, "POST", "/api/v1/rules", json::serialize(*body), PrintRule);
  });
  auto* set = rule->add_subcommand(
      "set",
      "Change a rule; given lists (--if, --unless, actions) replace "
      "the old ones");
  set->add_option("id", ra->id, "Rule id or name")->required();
  set->add_option("--name", ra->name, "New name");
  AddRuleFlags(set, *ra);
  set->add_flag("--no-stop", ra->no_stop, "Do not stop processing");
  set->callback([&g, ra] {
    auto body = RuleBody(*ra, false);
    if (!body) {
      g.exit_code = kExitLocal;
      return;
    }
    if (ra->no_stop) (*body)["stop_processing"] = false;
    CallAndPrint(g, "PATCH", "/api/v1/rules/" + UrlEncode(ra->id),
                 json::serialize(*body), PrintRule);
  });
  auto* remove = AddVerbOn(*rule, "remove", "Delete a rule", "id", ra->id,
                           "Rule id or name");
  remove->callback([&g, ra] {
    CallAndSay(g, "DELETE", "/api/v1/rules/" + UrlEncode(ra->id), "",
               "Removed rule " + ra->id);
  });
  for (bool enable : {true, false}) {
    auto* c = AddVerbOn(*rule, enable ? "enable" : "disable",
                        enable ? "Enable a rule" : "Disable a rule", "id",
                        ra->id, "Rule id or name");
    c->callback([&g, ra, enable] {
      CallAndPrint(g, "PATCH", "/api/v1/rules/" + UrlEncode(ra->id),
                   json::serialize(json::object{{"enabled", enable}}),
                   PrintRule);
    });
  }
}

}  // namespace sealpost::cli
