// libFuzzer target: arbitrary bytes as an imported certificate file (PEM,
// DER, PKCS#7 bundle, PKCS#12 with and without a password), as a CRL, as an
// inbound S/MIME signature (CMS SignedData), and
// the certificates that parse through the chain check with the fuzzed
// bytes as anchor and CRL. Invariants: no crash, no leak (ASan), a parsed
// file holds 1..kMaxCertificatesPerFile certificates, a key only with the
// certificate it belongs to.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/smime_cms.h"
#include "crypto/x509.h"

namespace crypto = sealpost::crypto;
using sealpost::SecretBytes;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const char* password : {"", "password"}) {
    auto file = crypto::ReadCertificateFile(
        bytes, SecretBytes::FromStringInsecure(password));
    if (!file.ok()) continue;
    if (file->certificates.empty() ||
        file->certificates.size() > crypto::kMaxCertificatesPerFile) {
      std::abort();
    }
    if (file->key_certificate >= 0 &&
        !crypto::KeyMatchesCertificate(
            file->certificates[file->key_certificate].der, file->private_key)) {
      std::abort();
    }
    for (const auto& c : file->certificates) {
      auto again = crypto::InspectCertificate(c.der);
      if (!again.ok() || again->fingerprint != c.fingerprint) std::abort();
      (void)crypto::VerifyCertificateChain(c.der, {}, {c.der}, {c.der}, 0);
    }
  }
  auto crl = crypto::ReadCrl(bytes);
  if (crl.ok()) (void)crypto::CrlIssuedBy(crl->der, crl->der);
  // The same bytes as an inbound signature, opaque and detached.
  auto sig = crypto::CmsVerifySignature(bytes, "");
  if (sig.verified && !sig.signer.empty()) {
    (void)crypto::InspectCertificate(sig.signer);
  }
  (void)crypto::CmsVerifySignature(bytes, "content");
  return 0;
}
