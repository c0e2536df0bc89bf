// libFuzzer target: arbitrary bytes as the DER of an inbound S/MIME message
// that the gateway decrypts (smime.decrypt_inbound): CmsDecrypt with a key
// and certificate of our own, made once at start. The bytes reach
// d2i_CMS_ContentInfo and CMS_decrypt's recipient matching as an attacker
// sends them. Invariants: no crash, no leak (ASan); a failure is always
// the one DecryptionFailedError (no oracle on which step failed).
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "crypto/errors.h"
#include "crypto/smime_cms.h"
#include "self_signed.h"

namespace crypto = sealpost::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A 2048-bit RSA key and a self-signed certificate for it.
  static const sealpost::fuzz::SelfSigned* recipient =
      new sealpost::fuzz::SelfSigned(sealpost::fuzz::MakeSelfSigned(
          EVP_RSA_gen(2048), "fuzz@example.com"));
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto plain =
      crypto::CmsDecrypt(bytes, recipient->certificate, recipient->key);
  if (!plain.ok() &&
      plain.status().message() != crypto::DecryptionFailedError().message()) {
    std::abort();
  }
  return 0;
}
