// What smime_cms.cc and smime_cms_stream.cc share: parsing certificates and
// keys, and the OpenSSL settings of every SignedData and EnvelopedData we
// make. Internal to crypto/.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_SMIME_CMS_INTERNAL_H_
#define SEALPOST_CRYPTO_SMIME_CMS_INTERNAL_H_

#include <openssl/cms.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/openssl_ptr.h"
#include "crypto/smime_cms.h"

namespace sealpost::crypto::cms_internal {

using CmsPtr = OpenSslPtr<CMS_ContentInfo, CMS_ContentInfo_free>;

// A DER certificate, nothing after it; null when it is not one.
X509Ptr ParseCert(std::string_view der);
// A PKCS#8 (or traditional DER) private key; null when it is not one.
PkeyPtr ParseKey(const SecretBytes& der);
// The DER encoding of a ContentInfo.
Result<std::string> Der(CMS_ContentInfo* cms);
const EVP_CIPHER* CipherOf(CmsCipher cipher);
const EVP_MD* DigestOf(CmsDigest digest);
// SMIMECapabilities with the AES ciphers we read, strongest first (RFC
// 8551 §2.5.2), instead of OpenSSL's default list, which offers DES and
// RC2-40 to whoever replies.
bool AddCapabilities(CMS_SignerInfo* si);
// The recipients' certificates, parsed (or from the cache).
Result<X509StackPtr> RecipientStack(const std::vector<std::string>& recipients);
// Writes `bytes` into `bio` in slices an int can count.
bool WriteAll(BIO* bio, std::string_view bytes);
// Whether one of the RecipientInfos of `cms` names `cert`, as
// CMS_decrypt_set1_pkey_and_peer matches it.
bool NamesRecipient(CMS_ContentInfo* cms, X509* cert);
// The key-selection rule of every open (CmsDecrypt over keys,
// CmsDecryptStream): the index of the first of `keys` whose certificate a
// RecipientInfo of `cms` names (NamesRecipient) and that
// CMS_decrypt_set1_pkey_and_peer takes, its content key then set in
// `cms`; nullopt when none is. Only a named certificate's key is
// parsed, unwrapped first when it comes wrapped: one that does not unwrap
// is passed over, its error returned when no other key opens; so is one
// that is not its certificate's (X509_check_private_key: INTERNAL, the
// row on file is damaged). OpenSSL's
// error queue is cleared after a key that does not open.
Result<std::optional<size_t>> SetNamedKey(CMS_ContentInfo* cms,
                                          std::span<const CmsKeyRef> keys);

// id-signedData (1.2.840.113549.1.7.2), as a DER OBJECT IDENTIFIER.
inline constexpr std::string_view kSignedDataOid =
    "\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02";
// The DER identifier and definite length octets of an element with tag
// `tag` and `n` bytes of content (short form below 128, else long form).
std::string DerHeader(uint8_t tag, size_t n);

// A signer's certificate, key and the chain that travels with it.
struct Signer {
  X509Ptr cert;
  PkeyPtr key;
  X509StackPtr extra;
};
// INVALID_ARGUMENT when the certificate or the PKCS#8 key does not parse
// (a chain certificate that does not is left out).
Result<Signer> ParseSigner(std::string_view certificate,
                           const SecretBytes& private_key,
                           const std::vector<std::string>& chain);
// A SignedData with `signer` added (CMS_PARTIAL, CMS_BINARY and `flags`):
// the digest and SMIMECapabilities of `options`; null on failure.
CmsPtr StartSignedData(const Signer& signer, unsigned int flags,
                       const CmsSignOptions& options);

}  // namespace sealpost::crypto::cms_internal

#endif  // SEALPOST_CRYPTO_SMIME_CMS_INTERNAL_H_
