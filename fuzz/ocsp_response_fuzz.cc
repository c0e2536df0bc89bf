// libFuzzer target: arbitrary bytes as what an OCSP responder or a CRL
// distribution point answers over plain HTTP (smime/revocation.h; anyone on
// the path can answer): CheckOcspResponse against a request of our own for
// a certificate made once at start, ReadCrl and CrlIssuedBy on the same
// bytes, and RevocationPointersOf on them as a certificate. Invariants: no
// crash, no leak (ASan); a response that verifies is impossible without
// the issuer's key, so one that claims to is a bug.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/revocation.h"
#include "crypto/x509.h"

namespace crypto = sealpost::crypto;

namespace {

struct Pki {
  std::string issuer;  // DER, self-signed CA
  std::string request;
};

Pki MakePki() {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  if (pkey == nullptr || x == nullptr) std::abort();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("ca"), -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, pkey);
  if (X509_sign(x, pkey, EVP_sha256()) == 0) std::abort();
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  if (n <= 0) std::abort();
  Pki p;
  p.issuer.assign(reinterpret_cast<char*>(der), n);
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(pkey);
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
