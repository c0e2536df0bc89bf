// Test driver for OidcClient against a real provider (tests/browser/
// oidc_flow_test.mjs): not installed. Reads its provider from the environment
// (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URI and
// optionally OIDC_CA_FILE, OIDC_SCOPES), prints Begin's result as one JSON
// line, then for every callback URL read from stdin prints Finish's result as
// one JSON line: {"ok":true,"subject":...} or {"ok":false,"code":...}.
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <cstdlib>
#include <iostream>
#include <string>

#include "base/log.h"
#include "portal/oidc.h"

namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

boost::json::object ErrorJson(const sealpost::Status& status) {
  return {{"ok", false},
          {"code", std::string(sealpost::StatusCodeName(status.code()))},
          {"message", status.message()}};
}

}  // namespace

int main() {
  using sealpost::portal::OidcClient;
  using sealpost::portal::OidcProviderConfig;
  sealpost::log::Init(sealpost::log::Format::kText,
                      Env("OIDC_PROBE_DEBUG").empty()
                          ? sealpost::log::Level::kWarn
                          : sealpost::log::Level::kDebug);
  OidcProviderConfig config;
  config.name = "probe";
  config.issuer = Env("OIDC_ISSUER");
  config.client_id = Env("OIDC_CLIENT_ID");
  config.client_secret = Env("OIDC_CLIENT_SECRET");
  config.ca_file = Env("OIDC_CA_FILE");
  if (!Env("OIDC_SCOPES").empty()) config.scopes = Env("OIDC_SCOPES");
  if (auto s = sealpost::portal::ValidateOidcProviderConfig(config); !s.ok()) {
    std::cout << boost::json::serialize(ErrorJson(s)) << std::endl;
    return 2;
  }
  OidcClient client(config, Env("OIDC_REDIRECT_URI"));
  auto started = client.Begin();
  if (!started.ok()) {
    std::cout << boost::json::serialize(ErrorJson(started.status()))
              << std::endl;
    return 1;
  }
  std::cout << boost::json::serialize(boost::json::object{
                   {"ok", true},
                   {"authorization_url", started->authorization_url},
                   {"state", started->state}})
            << std::endl;

  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    auto url = boost::urls::parse_uri_reference(line);
    sealpost::portal::OidcAuthorizationResponse response;
    std::string state;
    if (url) {
      for (const auto& p : url->params()) {
        if (p.key == "code") response.code = p.value;
        if (p.key == "state") state = p.value;
        if (p.key == "iss") response.iss = p.value;
      }
    }
    boost::json::object out;
    if (state != started->state) {
      // The portal's own check, done before Finish.
      out = ErrorJson(sealpost::PermissionDeniedError("state mismatch"));
    } else {
      auto identity = client.Finish(response, *started);
      if (identity.ok()) {
        out = {{"ok", true},
               {"subject", identity->subject},
               {"email", identity->email},
               {"email_verified", identity->email_verified},
               {"issuer", identity->issuer}};
      } else {
        out = ErrorJson(identity.status());
      }
    }
    std::cout << boost::json::serialize(out) << std::endl;
  }
  return 0;
}
