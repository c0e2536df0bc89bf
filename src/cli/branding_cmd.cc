// `sealpost branding get|set|new|remove`: OME branding configurations
// (Get-/Set-/New-/Remove-OMEConfiguration).
#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "base/encoding.h"
#include "cli/cli.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

void PrintBranding(const json::value& v) {
  std::vector<std::pair<std::string, std::string>> props;
  for (const auto& [k, val] : v.as_object()) {
    props.emplace_back(std::string(k), JsonText(val));
  }
  PrintProperties(props);
}

}  // namespace

void RegisterBranding(CLI::App& app, Globals& g) {
  auto* br = AddNoun(app, "branding",
                     "OME branding of the wrapper mail and portal "
                     "(Get-/Set-/New-/Remove-OMEConfiguration)");
  struct BrandArgs {
    std::string identity = "OME Configuration", image;
    std::map<std::string, std::string> fields;
    std::vector<std::string> reset;
  };
  auto ba = std::make_shared<BrandArgs>();
  static constexpr KeyedOption kFields[] = {
      {"--email-text", "EmailText", "Text in the wrapper mail (1,024 chars)"},
      {"--disclaimer-text", "DisclaimerText",
       "Disclaimer in the wrapper mail (1,024 chars)"},
      {"--portal-text", "PortalText", "Text atop the portal (128 chars)"},
      {"--introduction-text", "IntroductionText",
       "Text beside the sender, e.g. 'has sent you a secure message.'"},
      {"--read-button-text", "ReadButtonText",
       "Label of the button (default 'Read the message')"},
      {"--background-color", "BackgroundColor", "#RRGGBB or a colour name"},
      {"--privacy-statement-url", "PrivacyStatementUrl",
       "Privacy statement link"},
      {"--otp-enabled", "OTPEnabled", "True/False: one-time passcode sign-in"},
      {"--social-id-sign-in", "SocialIdSignIn",
       "True/False: OpenID Connect sign-in"},
      {"--external-mail-expiry-in-days", "ExternalMailExpiryInDays",
       "0 (never) to 730; custom brandings only"},
  };
  auto add_fields = [ba](CLI::App* c) {
    AddKeyedOptions(c, kFields, ba->fields);
    c->add_flag_callback(
        "--require-second-factor",
        [ba] { ba->fields["RequireSecondFactor"] = "True"; },
        "Readers must also give a code from an authenticator app (TOTP), "
        "enrolling at their first sign-in; turn off with --reset "
        "RequireSecondFactor");
    c->add_option("--image", ba->image,
                  "Logo file: PNG or JPEG, at most "
                  "40 KB, shown at 170x70");
    c->add_option("--reset", ba->reset,
                  "Back to the default (as $null): a field name such as "
                  "EmailText or Image; repeatable");
  };
  auto body_of = [ba]() -> std::optional<json::object> {
    json::object fields;
    for (const auto& [k, v] : ba->fields) fields[k] = v;
    json::object body{{"fields", fields}};
    json::array reset;
    for (const auto& r : ba->reset) reset.emplace_back(r);
    body["reset"] = reset;
    if (!ba->image.empty()) {
      std::ifstream in(ba->image, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      if (!in) {
        std::cerr << "sealpost: cannot read " << ba->image << "\n";
        return std::nullopt;
      }
      body["image"] = Base64Encode(AsBytes(ss.str()));
    }
    return body;
  };
  auto* bget = br->add_subcommand(
      "get", "Show one branding (--identity) or all of them");
  auto* bget_id = bget->add_option("--identity", ba->identity, "Branding name");
  bget->callback([&g, ba, bget_id] {
    if (bget_id->count() == 0) {
      CallAndPrint(g, "GET", "/api/v1/branding", "", [](const json::value& v) {
        for (const auto& b : v.at("branding").as_array()) {
          PrintBranding(b);
          std::cout << "\n";
        }
      });
    } else {
      CallAndPrint(g, "GET", "/api/v1/branding/" + UrlEncode(ba->identity), "",
                   PrintBranding);
    }
  });
  auto* bset = br->add_subcommand("set",
                                  "Change a branding (default: \"OME "
                                  "Configuration\")");
  bset->add_option("--identity", ba->identity, "Branding name");
  add_fields(bset);
  bset->callback([&g, ba, body_of] {
    auto body = body_of();
    if (!body) {
      g.exit_code = kExitLocal;
      return;
    }
    CallAndPrint(g, "PATCH", "/api/v1/branding/" + UrlEncode(ba->identity),
                 json::serialize(*body), PrintBranding);
  });
  auto* bnew = AddVerbOn(*br, "new", "Create a custom branding", "identity",
                         ba->identity, "Name (at most 64 characters)");
  add_fields(bnew);
  bnew->callback([&g, ba, body_of] {
    auto body = body_of();
    if (!body) {
      g.exit_code = kExitLocal;
      return;
    }
    (*body)["identity"] = ba->identity;
    CallAndPrint(g, "POST", "/api/v1/branding", json::serialize(*body),
                 PrintBranding);
  });
  auto* bremove =
      AddVerbOn(*br, "remove", "Remove a custom branding (not the default)",
                "identity", ba->identity, "Branding name");
  bremove->callback([&g, ba] {
    CallAndSay(g, "DELETE", "/api/v1/branding/" + UrlEncode(ba->identity), "",
               "Removed branding " + ba->identity);
  });
}

}  // namespace sealpost::cli
