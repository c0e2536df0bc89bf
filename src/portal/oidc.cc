// The OpenID Connect client: discovery and JWK Set caching, the
// authorization request (PKCE) and the code exchange, with userinfo for
// e-mail claims the ID token lacks. The ID token checks are in
// oidc_token.cc, the providers file in oidc_providers.cc.
#include "portal/oidc.h"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <utility>

#include "base/encoding.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/jose_json.h"
#include "crypto/random.h"
#include "portal/oidc_http.h"
#include "portal/oidc_token.h"

namespace sealpost::portal {

namespace json = boost::json;
namespace urls = boost::urls;
using crypto::jose::ParseObject;
using crypto::jose::StringOr;
using oidc_internal::CheckProviderUrl;
using oidc_internal::FetchOptions;
using oidc_internal::FetchUrl;
using oidc_internal::GetVerifiedFlag;
using oidc_internal::HttpRequest;
using oidc_internal::HttpResponse;
using oidc_internal::Rejection;
using oidc_internal::VerifyToken;

namespace {

constexpr int64_t kDiscoveryTtlSeconds = 3600;
constexpr int64_t kDiscoveryRetrySeconds = 30;
constexpr int64_t kJwksTtlSeconds = 3600;
// A kid we do not know triggers a JWKS refetch, but not more often than this.
constexpr int64_t kJwksMinRefetchSeconds = 30;
constexpr size_t kMaxCodeBytes = 4096;
constexpr size_t kRandomBytes = 32;  // state, nonce, verifier: 43 characters

// ---------------------------------------------------------------------------
// HTTP helpers.

// application/x-www-form-urlencoded (HTML §4.10.21.8; RFC 6749 Appendix B).
std::string FormEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '*') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string FormBody(
    std::initializer_list<std::pair<std::string_view, std::string_view>>
        fields) {
  std::string out;
  for (const auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += FormEncode(k);
    out += '=';
    out += FormEncode(v);
  }
  return out;
}

bool Contains(const json::object& o, std::string_view key,
              std::string_view value) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_array()) return false;
  for (const json::value& e : v->as_array()) {
    if (e.is_string() && e.as_string() == value) return true;
  }
  return false;
}

// The provider's JSON answer for `step`, which must be a 200.
Result<json::object> JsonAnswer(std::string_view step,
                                const Result<HttpResponse>& response) {
  if (!response.ok()) {
    return UnavailableError(std::string(step) + ": " +
                            response.status().message());
  }
  if (response->status != 200) {
    return UnavailableError(std::string(step) + ": provider answered HTTP " +
                            std::to_string(response->status));
  }
  auto object = ParseObject(response->body);
  if (!object.ok()) {
    return UnavailableError(std::string(step) + ": " +
                            object.status().message());
  }
  return object;
}

std::string TrimTrailingSlash(std::string s) {
  if (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

}  // namespace

// ---------------------------------------------------------------------------

std::string PkceChallenge(std::string_view code_verifier) {
  return Base64UrlEncode(AsBytes(crypto::Sha256(code_verifier)));
}

struct OidcClient::Discovery {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  std::string userinfo_endpoint;  // may be empty
  bool client_secret_post = false;
  // authorization_response_iss_parameter_supported (RFC 9207 §3): every
  // authorization response carries iss.
  bool sends_iss = false;
};

struct OidcClient::Jwks {
  std::string jwks_uri;
  std::string json;
};

OidcClient::OidcClient(OidcProviderConfig config, std::string redirect_uri,
                       const Clock& clock)
    : config_(std::move(config)),
      redirect_uri_(std::move(redirect_uri)),
      clock_(clock) {}

OidcClient::~OidcClient() = default;

Result<std::shared_ptr<const OidcClient::Discovery>>
OidcClient::GetDiscovery() {
  int64_t now = clock_.NowUnix();
  {
    MutexLock lock(&mu_);
    if (discovery_ != nullptr &&
        now - discovery_fetched_ < kDiscoveryTtlSeconds) {
      return discovery_;
    }
    if (!discovery_error_.ok() &&
        now - discovery_failed_at_ < kDiscoveryRetrySeconds) {
      if (discovery_error_.code() != StatusCode::kUnavailable) {
        return discovery_error_;
      }
      return UnavailableError(discovery_error_.message() + " (tried " +
                              std::to_string(now - discovery_failed_at_) +
                              " s ago; next try after " +
                              std::to_string(kDiscoveryRetrySeconds) + " s)");
    }
  }
  auto fetched = FetchDiscovery();
  MutexLock lock(&mu_);
  if (!fetched.ok()) {
    discovery_error_ = fetched.status();
    discovery_failed_at_ = now;
    return fetched.status();
  }
  discovery_error_ = Status::Ok();
  discovery_ = *fetched;
  discovery_fetched_ = now;
  return discovery_;
}

Result<std::shared_ptr<const OidcClient::Discovery>>
OidcClient::FetchDiscovery() {
  // OpenID Connect Discovery 1.0 §4.
  SP_RETURN_IF_ERROR(CheckProviderUrl(config_.issuer, "discovery: issuer"));
  HttpRequest request;
  request.url =
      TrimTrailingSlash(config_.issuer) + "/.well-known/openid-configuration";
  request.headers = {{"Accept", "application/json"}};
  FetchOptions options;
  options.ca_file = config_.ca_file;
  SP_ASSIGN_OR_RETURN(json::object doc,
                      JsonAnswer("discovery", FetchUrl(request, options)));
  // §4.3: the issuer in the document must be exactly the configured one.
  if (StringOr(doc, "issuer") != config_.issuer) {
    return UnavailableError("discovery: document names issuer \"" +
                            StringOr(doc, "issuer") + "\", expected \"" +
                            config_.issuer + "\"");
  }
  auto discovery = std::make_shared<Discovery>();
  discovery->authorization_endpoint = StringOr(doc, "authorization_endpoint");
  discovery->token_endpoint = StringOr(doc, "token_endpoint");
  discovery->jwks_uri = StringOr(doc, "jwks_uri");
  discovery->userinfo_endpoint = StringOr(doc, "userinfo_endpoint");
  for (const auto& [what, url] :
       {std::pair<const char*, const std::string*>{
            "authorization_endpoint", &discovery->authorization_endpoint},
        {"token_endpoint", &discovery->token_endpoint},
        {"jwks_uri", &discovery->jwks_uri}}) {
    Status s = CheckProviderUrl(*url, what);
    if (!s.ok()) return UnavailableError("discovery: " + s.message());
  }
  if (!discovery->userinfo_endpoint.empty()) {
    Status s = CheckProviderUrl(discovery->userinfo_endpoint, "userinfo");
    if (!s.ok()) return UnavailableError("discovery: " + s.message());
  }
  // §3: absent means client_secret_basic. Use _post only when it is the one
  // of the two the provider lists.
  if (doc.contains("token_endpoint_auth_methods_supported")) {
    bool basic = Contains(doc, "token_endpoint_auth_methods_supported",
                          "client_secret_basic");
    bool post = Contains(doc, "token_endpoint_auth_methods_supported",
                         "client_secret_post");
    if (!basic && !post) {
      return UnavailableError(
          "discovery: the token endpoint takes neither client_secret_basic "
          "nor client_secret_post");
    }
    discovery->client_secret_post = !basic;
  }
  if (const json::value* iss =
          doc.if_contains("authorization_response_iss_parameter_supported")) {
    discovery->sends_iss = iss->is_bool() && iss->as_bool();
  }
  if (doc.contains("code_challenge_methods_supported") &&
      !Contains(doc, "code_challenge_methods_supported", "S256")) {
    return UnavailableError("discovery: the provider does not offer PKCE S256");
  }
  log::Debug("oidc: discovery for {} fetched", config_.issuer);
  return std::shared_ptr<const Discovery>(std::move(discovery));
}

Result<std::shared_ptr<const OidcClient::Jwks>> OidcClient::GetJwks(
    const Discovery& discovery, bool refresh) {
  int64_t now = clock_.NowUnix();
  {
    MutexLock lock(&mu_);
    if (jwks_ != nullptr && jwks_->jwks_uri == discovery.jwks_uri) {
      int64_t age = now - jwks_fetched_;
      if ((!refresh && age < kJwksTtlSeconds) ||
          (refresh && age < kJwksMinRefetchSeconds)) {
        return jwks_;
      }
    }
  }
  HttpRequest request;
  request.url = discovery.jwks_uri;
  request.headers = {{"Accept", "application/jwk-set+json, application/json"}};
  FetchOptions options;
  options.ca_file = config_.ca_file;
  SP_ASSIGN_OR_RETURN(json::object doc,
                      JsonAnswer("JWKS", FetchUrl(request, options)));
  const json::value* keys = doc.if_contains("keys");
  if (keys == nullptr || !keys->is_array()) {
    return UnavailableError("JWKS: document has no keys");
  }
  auto jwks = std::make_shared<Jwks>();
  jwks->jwks_uri = discovery.jwks_uri;
  jwks->json = json::serialize(doc);
  log::Debug("oidc: JWKS for {} fetched ({} keys)", config_.issuer,
             keys->as_array().size());
  MutexLock lock(&mu_);
  jwks_ = jwks;
  jwks_fetched_ = now;
  return std::shared_ptr<const Jwks>(std::move(jwks));
}

Result<OidcStart> OidcClient::Begin() {
  SP_ASSIGN_OR_RETURN(std::shared_ptr<const Discovery> discovery,
                      GetDiscovery());
  OidcStart start;
  start.state = crypto::RandomToken(kRandomBytes);
  start.nonce = crypto::RandomToken(kRandomBytes);
  // RFC 7636 §4.1: 43 to 128 characters of [A-Za-z0-9-._~]; base64url of 32
  // random bytes is 43 of them.
  start.code_verifier = crypto::RandomToken(kRandomBytes);
  auto parsed = urls::parse_absolute_uri(discovery->authorization_endpoint);
  if (!parsed) {
    return UnavailableError("discovery: bad authorization_endpoint");
  }
  urls::url url(*parsed);
  // OpenID Connect Core §3.1.2.1; RFC 7636 §4.3.
  auto params = url.params();
  params.append({"response_type", "code"});
  params.append({"client_id", config_.client_id});
  params.append({"redirect_uri", redirect_uri_});
  params.append({"scope", config_.scopes});
  params.append({"state", start.state});
  params.append({"nonce", start.nonce});
  params.append({"code_challenge", PkceChallenge(start.code_verifier)});
  params.append({"code_challenge_method", "S256"});
  start.authorization_url = std::string(url.buffer());
  return start;
}

Result<OidcIdentity> OidcClient::Finish(
    const OidcAuthorizationResponse& response, const OidcStart& started) {
  const std::string& code = response.code;
  if (code.empty() || code.size() > kMaxCodeBytes) {
    return PermissionDeniedError("sign-in code rejected");
  }
  SP_ASSIGN_OR_RETURN(std::shared_ptr<const Discovery> discovery,
                      GetDiscovery());
  // RFC 9207 §2.4: compared as strings, exactly; the code is not redeemed
  // (so it reaches no token endpoint) when they differ.
  if (response.iss.has_value() ? *response.iss != config_.issuer
                               : discovery->sends_iss) {
    log::Debug(
        "oidc: authorization response for {} {}", config_.issuer,
        response.iss.has_value() ? "names another issuer" : "names no issuer");
    return PermissionDeniedError(
        response.iss.has_value() ? "authorization response from another issuer"
                                 : "authorization response without its issuer");
  }
  FetchOptions options;
  options.ca_file = config_.ca_file;

  // OpenID Connect Core §3.1.3.1; RFC 6749 §4.1.3 and §2.3.1.
  HttpRequest token_request;
  token_request.method = "POST";
  token_request.url = discovery->token_endpoint;
  token_request.headers = {
      {"Content-Type", "application/x-www-form-urlencoded"},
      {"Accept", "application/json"}};
  if (discovery->client_secret_post) {
    token_request.body = FormBody({{"grant_type", "authorization_code"},
                                   {"code", code},
                                   {"redirect_uri", redirect_uri_},
                                   {"code_verifier", started.code_verifier},
                                   {"client_id", config_.client_id},
                                   {"client_secret", config_.client_secret}});
  } else {
    token_request.body = FormBody({{"grant_type", "authorization_code"},
                                   {"code", code},
                                   {"redirect_uri", redirect_uri_},
                                   {"code_verifier", started.code_verifier}});
    std::string credentials =
        FormEncode(config_.client_id) + ":" + FormEncode(config_.client_secret);
    token_request.headers.emplace_back(
        "Authorization", "Basic " + Base64Encode(AsBytes(credentials)));
  }
  auto token_response = FetchUrl(token_request, options);
  if (token_response.ok() && token_response->status != 200) {
    // RFC 6749 §5.2. A refused code (used, expired, wrong verifier) is the
    // sign-in's fault; anything else is the provider's or our configuration.
    auto error = ParseObject(token_response->body);
    std::string error_code = error.ok() ? StringOr(*error, "error") : "";
    if (error_code.size() > 64) error_code.resize(64);
    if (error_code == "invalid_grant") {
      log::Debug("oidc: {} refused the authorization code", config_.issuer);
      return PermissionDeniedError("sign-in code rejected");
    }
    log::Warn("oidc: token exchange with {} failed: HTTP {} {}", config_.issuer,
              token_response->status, error_code);
    return UnavailableError(
        "token exchange: provider answered HTTP " +
        std::to_string(token_response->status) +
        (error_code.empty() ? "" : " (" + error_code + ")"));
  }
  SP_ASSIGN_OR_RETURN(json::object tokens,
                      JsonAnswer("token exchange", token_response));
  std::string id_token = StringOr(tokens, "id_token");
  if (id_token.empty()) {
    return UnavailableError("token exchange: answer has no id_token");
  }

  IdTokenExpectations expected;
  expected.issuer = config_.issuer;
  expected.client_id = config_.client_id;
  expected.nonce = started.nonce;
  expected.now_unix = clock_.NowUnix();
  SP_ASSIGN_OR_RETURN(std::shared_ptr<const Jwks> jwks,
                      GetJwks(*discovery, /*refresh=*/false));
  Rejection why;
  auto verified = VerifyToken(id_token, jwks->json, expected, &why);
  if (!verified.ok() && why.unknown_kid) {
    // Keys rotate (OpenID Connect Core §10.1.1): fetch the set once more.
    SP_ASSIGN_OR_RETURN(jwks, GetJwks(*discovery, /*refresh=*/true));
    why = Rejection();
    verified = VerifyToken(id_token, jwks->json, expected, &why);
  }
  if (!verified.ok()) {
    log::Debug("oidc: ID token from {} rejected: {}", config_.issuer,
               why.reason);
    return verified.status();
  }
  OidcIdentity identity = std::move(verified->identity);
  if (verified->has_email && verified->has_email_verified) return identity;

  // The ID token lacks the e-mail claims (providers often release them only
  // at the UserInfo endpoint; OpenID Connect Core §5.3). Take both from there
  // so that the flag always describes the address it comes with.
  std::string access_token = StringOr(tokens, "access_token");
  if (discovery->userinfo_endpoint.empty() || access_token.empty() ||
      AsciiLower(StringOr(tokens, "token_type")) != "bearer") {
    log::Debug("oidc: {} released no e-mail claims", config_.issuer);
    return identity;
  }
  HttpRequest userinfo_request;
  userinfo_request.url = discovery->userinfo_endpoint;
  userinfo_request.headers = {{"Authorization", "Bearer " + access_token},
                              {"Accept", "application/json"}};
  auto userinfo_response = FetchUrl(userinfo_request, options);
  if (userinfo_response.ok() && userinfo_response->status == 200 &&
      userinfo_response->content_type.starts_with("application/jwt")) {
    return UnavailableError("userinfo: signed answers are not supported");
  }
  SP_ASSIGN_OR_RETURN(json::object userinfo,
                      JsonAnswer("userinfo", userinfo_response));
  // §5.3.2: the sub must be the ID token's, or the answer is not to be used.
  if (StringOr(userinfo, "sub") != identity.subject) {
    log::Debug("oidc: userinfo from {} is for another subject", config_.issuer);
    return PermissionDeniedError("sign-in token rejected");
  }
  identity.email = StringOr(userinfo, "email");
  identity.email_verified = GetVerifiedFlag(userinfo).value_or(false);
  log::Debug("oidc: e-mail claims for a subject of {} taken from userinfo",
             config_.issuer);
  return identity;
}

}  // namespace sealpost::portal
