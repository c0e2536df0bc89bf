// libFuzzer target: arbitrary bytes as the DER of an inbound S/MIME message
// that the gateway decrypts (smime.decrypt_inbound): CmsDecrypt with a key
// and certificate of our own, made once at start. The bytes reach
// d2i_CMS_ContentInfo and CMS_decrypt's recipient matching as an attacker
// sends them. Invariants: no crash, no leak (ASan); a failure is always
// the one DecryptionFailedError (no oracle on which step failed).
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "crypto/errors.h"
#include "crypto/smime_cms.h"

namespace crypto = sealpost::crypto;
using sealpost::SecretBytes;

namespace {

struct Recipient {
  std::string certificate;  // DER
  SecretBytes key;          // PKCS#8 DER
};

// A 2048-bit RSA key and a self-signed certificate for it.
Recipient MakeRecipient() {
  EVP_PKEY* pkey = EVP_RSA_gen(2048);
  X509* x = X509_new();
  if (pkey == nullptr || x == nullptr) std::abort();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("fuzz@example.com"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, pkey);
  if (X509_sign(x, pkey, EVP_sha256()) == 0) std::abort();
  Recipient r;
  unsigned char* der = nullptr;
  int n = i2d_X509(x, &der);
  if (n <= 0) std::abort();
  r.certificate.assign(reinterpret_cast<char*>(der), n);
  OPENSSL_free(der);
  der = nullptr;
  n = i2d_PrivateKey(pkey, &der);
  if (n <= 0) std::abort();
  r.key = SecretBytes::FromStringInsecure(
      std::string_view(reinterpret_cast<char*>(der), n));
  OPENSSL_clear_free(der, n);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Recipient* recipient = new Recipient(MakeRecipient());
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto plain =
      crypto::CmsDecrypt(bytes, recipient->certificate, recipient->key);
  if (!plain.ok() &&
      plain.status().message() != crypto::DecryptionFailedError().message()) {
    std::abort();
  }
  return 0;
}
