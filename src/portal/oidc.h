// OpenID Connect relying party for the portal (docs/portal.md): external
// recipients sign in with an identity provider using the authorization code
// flow with PKCE (OpenID Connect Core 1.0 §3.1, RFC 7636). This module only
// delivers a verified identity; whether that identity may open a message
// (the provider's email_domains, email_verified, the recipient list) is the
// portal's decision. The providers file is parsed here too
// (oidc_providers.cc).
//
// Thread-safety: OidcClient is safe to use from any thread; the free functions
// are pure.
#ifndef SEALPOST_PORTAL_OIDC_H_
#define SEALPOST_PORTAL_OIDC_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"

namespace sealpost::portal {

struct OidcProviderConfig {
  std::string name;    // shown on the button: "Sign in with <name>"
  std::string issuer;  // exact issuer identifier, e.g. https://accounts.x.com;
                       // http is allowed only for loopback hosts (tests)
  std::string client_id;
  std::string client_secret;  // never logged
  std::string ca_file;  // optional PEM bundle to trust; else the system store
  std::string scopes = "openid email";
  // The domains whose addresses this provider may sign in, lower case:
  // "example.com" is that domain exactly, "*.example.com" any name under it
  // (not example.com itself). Empty: any domain (the provider vouches for
  // every address it calls verified).
  std::vector<std::string> email_domains;
};

// Checks what can be checked without the network: issuer URL, client id and
// secret present, "openid" among the scopes, each of email_domains a domain
// name or "*." and one with at least two labels. For config loading.
Status ValidateOidcProviderConfig(const OidcProviderConfig& config);

// The providers file (portal.oidc_providers_file): a JSON array of
// {"name", "issuer", "client_id", "client_secret", "ca_file"?, "scopes"?,
// "email_domains"?: ["example.com", "*.example.com"]}, each validated; no
// two with the same name (compared without regard to ASCII case) or the
// same OidcProviderSlug, and none whose slug is empty. `source` (the file's
// path) starts every error message.
Result<std::vector<OidcProviderConfig>> ParseOidcProviders(
    std::string_view text, std::string_view source);

// Each provider's own redirect URI (RFC 9700 §4.4.2.2): the callback path
// names the provider the authorization response is for, so that the
// response of one provider is never finished with another. With one
// redirect URI for all, a configured provider (a partner's SSO) could send
// a reader on to another provider and have that provider's code for the
// reader redeemed at its own token endpoint (the mix-up attack).
inline constexpr std::string_view kOidcCallbackPath = "/oidc/callback";

// The last segment of a provider's callback path: its name in lower case,
// each run of characters other than ASCII letters and digits made one '-',
// none at either end ("Partner SSO": "partner-sso"). Empty when the name
// has no ASCII letter or digit (the providers file refuses that).
std::string OidcProviderSlug(std::string_view name);

// The redirect URI of `provider` at `public_url`, the one to register with
// it: `public_url`/oidc/callback/SLUG; but when it is the only provider
// configured (`providers` is 1), `public_url`/oidc/callback, the one URI
// every provider had before, so that a registration made then still works
// (with one provider there is no other to mix it up with).
std::string OidcRedirectUri(std::string_view public_url,
                            const OidcProviderConfig& provider,
                            size_t providers);

// Whether `config` may sign in `email`: true when it has no email_domains,
// else when the address's domain (after its last '@') is one of them,
// compared without regard to ASCII case.
bool ProviderVouchesFor(const OidcProviderConfig& config,
                        std::string_view email);

// What Begin hands to the portal. state, nonce and code_verifier are secrets
// of this sign-in: keep them server-side, bound to the browser, short-lived.
struct OidcStart {
  std::string authorization_url;  // send the browser here (302)
  std::string state;              // compare with ?state= on the callback
  std::string nonce;
  std::string code_verifier;
};

// What the provider's redirect back to the portal brings (RFC 6749
// §4.1.2; RFC 9207 §2).
struct OidcAuthorizationResponse {
  std::string code;
  std::optional<std::string> iss;  // nullopt: the response has none
};

struct OidcIdentity {
  std::string subject;  // "sub": stable per issuer
  std::string email;    // may be empty if the provider released none
  bool email_verified = false;
  std::string issuer;
};

// RFC 7636 §4.2, S256: BASE64URL(SHA256(ASCII(code_verifier))).
std::string PkceChallenge(std::string_view code_verifier);

// What a valid ID token must carry (OpenID Connect Core §3.1.3.7).
struct IdTokenExpectations {
  std::string issuer;     // "iss" must equal this exactly
  std::string client_id;  // must be in "aud"; "azp" (if any) must equal it
  std::string nonce;      // "nonce" must equal this
  int64_t now_unix = 0;
};

// Verifies a compact-serialised JWS ID token against a JWK Set: the header's
// alg must be RS256 or ES256 (never "none", never an HMAC), the key is the
// JWKS entry with the header's kid (or the only fitting key when there is no
// kid), then iss, aud/azp, exp (60 s leeway), iat (not more than 5 minutes
// ahead), nonce and sub. email and email_verified are copied if present;
// email_verified false is reported, not refused. Any failure is
// PERMISSION_DENIED with a generic message (the reason goes to the debug log).
Result<OidcIdentity> VerifyIdToken(std::string_view jwt,
                                   std::string_view jwks_json,
                                   const IdTokenExpectations& expected);

class OidcClient {
 public:
  // `redirect_uri` is the portal's callback URL registered with the provider.
  // `clock` must outlive the client.
  OidcClient(OidcProviderConfig config, std::string redirect_uri,
             const Clock& clock = SystemClock::Get());
  ~OidcClient();
  OidcClient(const OidcClient&) = delete;
  OidcClient& operator=(const OidcClient&) = delete;

  const OidcProviderConfig& config() const { return config_; }

  // Fetches (or reuses) the provider's discovery document and returns the
  // authorization URL (response_type=code, PKCE S256) with fresh state,
  // nonce and code verifier. UNAVAILABLE if the provider cannot be reached or
  // its discovery document is unusable.
  Result<OidcStart> Begin();

  // The redirect URI this client sends (OidcRedirectUri).
  const std::string& redirect_uri() const { return redirect_uri_; }

  // Redeems the authorization code of `response`, the callback of the
  // sign-in that `started` began, verifies the ID token and returns the
  // identity, taking email/email_verified from the userinfo endpoint when
  // the ID token lacks them. First, before the code goes anywhere, the
  // response's iss must be this provider's issuer (RFC 9207 §2.4), and a
  // provider whose discovery document says it sends one
  // (authorization_response_iss_parameter_supported) must have sent it.
  // The caller has already compared ?state= with started.state and made
  // sure the response came to this provider's redirect URI.
  // UNAVAILABLE: provider unreachable or answered nonsense (the message names
  // the step); PERMISSION_DENIED: the response's issuer is not this
  // provider, the code was refused or a token failed verification.
  Result<OidcIdentity> Finish(const OidcAuthorizationResponse& response,
                              const OidcStart& started);

 private:
  struct Discovery;
  struct Jwks;

  // The cached document; a failure is remembered for a short while, so
  // that sign-ins during an outage fail at once rather than each waiting
  // for the same timeout.
  Result<std::shared_ptr<const Discovery>> GetDiscovery() SP_EXCLUDES(mu_);
  Result<std::shared_ptr<const Discovery>> FetchDiscovery();
  Result<std::shared_ptr<const Jwks>> GetJwks(const Discovery& discovery,
                                              bool refresh) SP_EXCLUDES(mu_);

  const OidcProviderConfig config_;
  const std::string redirect_uri_;
  // Not owned (references and pointers below): must outlive this object.
  const Clock& clock_;

  Mutex mu_;
  std::shared_ptr<const Discovery> discovery_ SP_GUARDED_BY(mu_);
  int64_t discovery_fetched_ SP_GUARDED_BY(mu_) = 0;
  Status discovery_error_ SP_GUARDED_BY(mu_);
  int64_t discovery_failed_at_ SP_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const Jwks> jwks_ SP_GUARDED_BY(mu_);
  int64_t jwks_fetched_ SP_GUARDED_BY(mu_) = 0;
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_OIDC_H_
