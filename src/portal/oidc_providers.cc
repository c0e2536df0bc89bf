// The providers file (portal.oidc_providers_file), what a provider may
// vouch for and its redirect URI: the parts of oidc.h that need no network.
#include <boost/json.hpp>

#include "base/domain_name.h"
#include "base/strings.h"
#include "portal/oidc.h"
#include "portal/oidc_http.h"

namespace sealpost::portal {

namespace json = boost::json;
using oidc_internal::CheckProviderUrl;

namespace {

// One entry of email_domains: a domain name as mail writes one
// (IsDomainName, U-labels allowed), or "*." and one of at least two labels
// (a wildcard over a whole top-level domain vouches for nearly anyone).
Status CheckEmailDomain(std::string_view entry) {
  std::string_view name = entry;
  const bool wildcard = name.starts_with("*.");
  if (wildcard) name.remove_prefix(2);
  if (!IsDomainName(name, {.allow_8bit = true})) {
    return InvalidArgumentError("email_domains: \"" + std::string(entry) +
                                "\" is not a domain name or \"*.\" and one");
  }
  if (wildcard && name.find('.') == std::string_view::npos) {
    return InvalidArgumentError("email_domains: \"" + std::string(entry) +
                                "\" covers a whole top-level domain");
  }
  return Status::Ok();
}

// "email_domains": a non-empty array of strings, kept in lower case.
Result<std::vector<std::string>> ReadEmailDomains(const json::value& v) {
  std::vector<std::string> out;
  if (v.is_array()) {
    for (const json::value& d : v.as_array()) {
      if (!d.is_string()) {
        out.clear();
        break;
      }
      out.push_back(AsciiLower(std::string(d.as_string())));
    }
  }
  if (out.empty()) {
    return InvalidArgumentError(
        "email_domains must be a list of domain names (leave it out to let "
        "the provider sign in any address)");
  }
  return out;
}

}  // namespace

Status ValidateOidcProviderConfig(const OidcProviderConfig& config) {
  SP_RETURN_IF_ERROR(CheckProviderUrl(config.issuer, "OIDC issuer"));
  if (config.client_id.empty()) {
    return InvalidArgumentError("OIDC provider " + config.name +
                                ": client_id is empty");
  }
  if (config.client_secret.empty()) {
    return InvalidArgumentError("OIDC provider " + config.name +
                                ": client_secret is empty");
  }
  bool openid = false;
  std::string_view scopes = config.scopes;
  while (!scopes.empty()) {
    size_t space = scopes.find(' ');
    if (scopes.substr(0, space) == "openid") openid = true;
    scopes = space == std::string_view::npos ? "" : scopes.substr(space + 1);
  }
  if (!openid) {
    return InvalidArgumentError("OIDC provider " + config.name +
                                ": scopes must include openid");
  }
  for (const std::string& domain : config.email_domains) {
    SP_RETURN_IF_ERROR(
        CheckEmailDomain(domain).WithContext("OIDC provider " + config.name));
  }
  return Status::Ok();
}

Result<std::vector<OidcProviderConfig>> ParseOidcProviders(
    std::string_view text, std::string_view source) {
  const std::string where(source);
  std::vector<OidcProviderConfig> out;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) {
    return InvalidArgumentError(where + ": expected a JSON array of providers");
  }
  for (const json::value& p : v.as_array()) {
    if (!p.is_object()) {
      return InvalidArgumentError(where + ": each provider is a JSON object");
    }
    const json::object& o = p.as_object();
    auto str = [&](std::string_view k) -> std::string {
      const json::value* x = o.if_contains(k);
      return x && x->is_string() ? std::string(x->as_string()) : "";
    };
    OidcProviderConfig c;
    c.name = str("name");
    c.issuer = str("issuer");
    c.client_id = str("client_id");
    c.client_secret = str("client_secret");
    c.ca_file = str("ca_file");
    if (!str("scopes").empty()) c.scopes = str("scopes");
    if (c.name.empty()) {
      return InvalidArgumentError(where + ": a provider needs a name");
    }
    // A sign-in in progress finds its provider by name (PendingSignIns),
    // and a callback by its slug.
    const std::string slug = OidcProviderSlug(c.name);
    if (slug.empty()) {
      return InvalidArgumentError(
          where + ": provider " + c.name +
          ": the name needs an ASCII letter or digit (it makes the "
          "provider's redirect URI)");
    }
    for (const OidcProviderConfig& before : out) {
      if (AsciiLower(before.name) == AsciiLower(c.name)) {
        return InvalidArgumentError(where + ": two providers are named " +
                                    c.name);
      }
      if (OidcProviderSlug(before.name) == slug) {
        return InvalidArgumentError(
            where + ": providers " + before.name + " and " + c.name +
            " would share the redirect URI " + std::string(kOidcCallbackPath) +
            "/" + slug + ": rename one");
      }
    }
    if (const json::value* domains = o.if_contains("email_domains")) {
      auto read = ReadEmailDomains(*domains);
      if (!read.ok()) {
        return read.status().WithContext(where + ": provider " + c.name);
      }
      c.email_domains = std::move(*read);
    }
    SP_RETURN_IF_ERROR(ValidateOidcProviderConfig(c).WithContext(
        where + ": provider " + c.name));
    out.push_back(std::move(c));
  }
  return out;
}

std::string OidcProviderSlug(std::string_view name) {
  std::string out;
  bool dash = false;
  for (char c : name) {
    if (IsAsciiAlpha(c) || IsAsciiDigit(c)) {
      if (dash && !out.empty()) out += '-';
      dash = false;
      out += AsciiLowerByte(c);
    } else {
      dash = true;
    }
  }
  return out;
}

std::string OidcRedirectUri(std::string_view public_url,
                            const OidcProviderConfig& provider,
                            size_t providers) {
  std::string out = std::string(public_url) + std::string(kOidcCallbackPath);
  if (providers != 1) out += "/" + OidcProviderSlug(provider.name);
  return out;
}

bool ProviderVouchesFor(const OidcProviderConfig& config,
                        std::string_view email) {
  if (config.email_domains.empty()) return true;
  size_t at = email.rfind('@');
  if (at == std::string_view::npos || at + 1 == email.size()) return false;
  const std::string domain = AsciiLower(email.substr(at + 1));
  for (const std::string& entry : config.email_domains) {
    const std::string allowed = AsciiLower(entry);
    if (allowed.starts_with("*.")) {
      // ".example.com": a name under it, with a label of its own before.
      std::string_view under = std::string_view(allowed).substr(1);
      if (domain.size() > under.size() && domain.ends_with(under)) return true;
    } else if (domain == allowed) {
      return true;
    }
  }
  return false;
}

}  // namespace sealpost::portal
