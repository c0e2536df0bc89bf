// Fuzz targets only: a key and a self-signed certificate for it, made in
// memory once at start, for the targets that need a certificate of our own
// (cms_decrypt_fuzz, ocsp_response_fuzz). Any failure aborts: a target
// without its certificate would fuzz nothing.
#ifndef SEALPOST_FUZZ_SELF_SIGNED_H_
#define SEALPOST_FUZZ_SELF_SIGNED_H_

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"

namespace sealpost::fuzz {

struct SelfSigned {
  std::string certificate;  // DER
  SecretBytes key;          // PKCS#8 DER
};

// A certificate for `pkey` (taken and freed) named CN=`common_name`, valid
// for a day, signed with SHA-256.
inline SelfSigned MakeSelfSigned(EVP_PKEY* pkey, const char* common_name) {
  X509* x = X509_new();
  if (pkey == nullptr || x == nullptr) std::abort();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, pkey);
  if (X509_sign(x, pkey, EVP_sha256()) == 0) std::abort();
  SelfSigned s;
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  if (n <= 0) std::abort();
  s.certificate.assign(reinterpret_cast<char*>(der), n);
  OPENSSL_free(der);
  der = nullptr;
  n = i2d_PrivateKey(pkey, &der);
  if (n <= 0) std::abort();
  s.key = SecretBytes::FromStringInsecure(
      std::string_view(reinterpret_cast<char*>(der), n));
  OPENSSL_clear_free(der, n);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return s;
}

}  // namespace sealpost::fuzz

#endif  // SEALPOST_FUZZ_SELF_SIGNED_H_
