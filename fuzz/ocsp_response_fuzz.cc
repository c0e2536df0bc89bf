// libFuzzer target: arbitrary bytes as what an OCSP responder or a CRL
// distribution point answers over plain HTTP (smime/revocation.h; anyone on
// the path can answer): CheckOcspResponse against a request of our own for
// a certificate made once at start, ReadCrl and CrlIssuedBy on the same
// bytes, and RevocationPointersOf on them as a certificate. Invariants: no
// crash, no leak (ASan); a response that verifies is impossible without
// the issuer's key, so one that claims to is a bug.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/revocation.h"
#include "crypto/x509.h"
#include "self_signed.h"

namespace crypto = sealpost::crypto;

namespace {

struct Pki {
  std::string issuer;  // DER, self-signed CA
  std::string request;
};

Pki MakePki() {
  Pki p;
  p.issuer =
      sealpost::fuzz::MakeSelfSigned(EVP_EC_gen("P-256"), "ca").certificate;
  auto request = crypto::MakeOcspRequest(p.issuer, p.issuer);
  if (!request.ok()) std::abort();
  p.request = std::move(*request);
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Pki pki = MakePki();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto answer =
      crypto::CheckOcspResponse(bytes, pki.request, pki.issuer, pki.issuer);
  if (answer.ok()) std::abort();  // nobody else holds the issuer's key
  auto crl = crypto::ReadCrl(bytes);
  if (crl.ok() && crypto::CrlIssuedBy(crl->der, pki.issuer)) std::abort();
  crypto::RevocationPointersOf(bytes);
  return 0;
}
