// libFuzzer target for the OpenID Connect ID token checks: an arbitrary
// compact JWS against an arbitrary JWK Set (split at the first NUL byte),
// and a fixed real-looking JWKS. Nothing may crash, and nothing may verify:
// the fuzzer cannot forge a signature.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "portal/oidc.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sealpost::portal::IdTokenExpectations;
  using sealpost::portal::VerifyIdToken;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view jwt = input.substr(0, nul);
  std::string_view jwks = nul == std::string_view::npos ? std::string_view()
                                                        : input.substr(nul + 1);
  IdTokenExpectations expected{"https://idp.test", "client", "nonce",
                               1'800'000'000};
  auto a = VerifyIdToken(jwt, jwks, expected);
  // An RSA key whose private half nobody has: a token "verified" against it
  // would be a forgery.
  static constexpr std::string_view kJwks =
      R"({"keys":[{"kty":"RSA","kid":"k","alg":"RS256","use":"sig","e":"AQAB",)"
      R"("n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbg)"
      R"(BHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslAN)"
      R"(Gyb5n5mQ6ThqWiuA6ZzVzEKjgLFYPsMvRWLgqYSz6VsvMdh3Qi9hfnLwGhxTx4nBHP7c)"
      R"(x3IyNHlrbXzggBw8Cag8smUpFwbk39DmQQVX6b7tW3mwMHFQJUZ8PLcfM4VbzWDa0Eow)"
      R"(NDyr8nBAdk2rVF0UdOQ9ABSuxwtW06xFVcK5kL1ZyTXC8PAbTawt4jqnf8HJ5H7uWpWp)"
      R"(hdOAgX9Uw"}]})";
  auto b = VerifyIdToken(jwt, kJwks, expected);
  if (b.ok()) std::abort();
  (void)a;
  return 0;
}
