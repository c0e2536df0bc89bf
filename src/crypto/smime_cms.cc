#include "crypto/smime_cms.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <climits>
#include <memory>

#include "crypto/errors.h"

namespace sealpost::crypto {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo,
                               Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr =
    std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), FreeX509Stack>>;

X509Ptr ParseCert(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x &&
      p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return nullptr;
  }
  return x;
}

std::string ReadAll(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n > 0 ? n : 0));
}

}  // namespace

Result<std::string> CmsEncrypt(std::string_view content,
                               const std::vector<std::string>& recipients) {
  if (recipients.empty()) {
    return InvalidArgumentError("no recipient certificate");
  }
  if (content.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("content too large for CMS");
  }
  X509StackPtr certs(sk_X509_new_null());
  if (!certs) return InternalError("out of memory");
  for (const auto& der : recipients) {
    X509Ptr x = ParseCert(der);
    if (!x) return InvalidArgumentError("a recipient certificate is invalid");
    sk_X509_push(certs.get(), x.release());
  }
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (!in) return InternalError("out of memory");
  // CMS_BINARY: the content is MIME already (CRLF); nothing is translated.
  CmsPtr cms(CMS_encrypt(certs.get(), in.get(), EVP_aes_256_cbc(), CMS_BINARY));
  if (!cms) {
    ERR_clear_error();
    return InternalError("CMS encryption failed");
  }
  int n = i2d_CMS_ContentInfo(cms.get(), nullptr);
  if (n <= 0) return InternalError("CMS encoding failed");
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_CMS_ContentInfo(cms.get(), &p);
  return out;
}

Result<std::string> CmsSign(std::string_view content,
                            std::string_view certificate,
                            const SecretBytes& private_key,
                            const std::vector<std::string>& chain,
                            bool detached) {
  if (content.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("content too large for CMS");
  }
  X509Ptr cert = ParseCert(certificate);
  std::span<const uint8_t> k = private_key.InsecureBytes();
  const unsigned char* kp = k.data();
  PkeyPtr key(d2i_AutoPrivateKey(nullptr, &kp, static_cast<long>(k.size())));
  if (!cert || !key) {
    ERR_clear_error();
    return InvalidArgumentError("the signing certificate or key is invalid");
  }
  X509StackPtr extra(sk_X509_new_null());
  if (!extra) return InternalError("out of memory");
  for (const auto& der : chain) {
    if (X509Ptr x = ParseCert(der)) sk_X509_push(extra.get(), x.release());
  }
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (!in) return InternalError("out of memory");
  // CMS_BINARY: the content is canonical MIME already (CRLF).
  unsigned int flags = CMS_BINARY | CMS_PARTIAL | (detached ? CMS_DETACHED : 0);
  CmsPtr cms(CMS_sign(nullptr, nullptr, extra.get(), nullptr, flags));
  if (!cms ||
      CMS_add1_signer(cms.get(), cert.get(), key.get(), EVP_sha256(),
                      CMS_BINARY) == nullptr ||
      CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    ERR_clear_error();
    return InternalError("CMS signing failed");
  }
  int n = i2d_CMS_ContentInfo(cms.get(), nullptr);
  if (n <= 0) return InternalError("CMS encoding failed");
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_CMS_ContentInfo(cms.get(), &p);
  return out;
}

Result<std::string> CmsDecrypt(std::string_view der,
                               std::string_view certificate,
                               const SecretBytes& private_key) {
  auto fail = [] {
    ERR_clear_error();
    return DecryptionFailedError();
  };
  if (der.empty() || der.size() > static_cast<size_t>(INT_MAX)) return fail();
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) return fail();
  X509Ptr cert = ParseCert(certificate);
  std::span<const uint8_t> k = private_key.InsecureBytes();
  const unsigned char* kp = k.data();
  PkeyPtr key(d2i_AutoPrivateKey(nullptr, &kp, static_cast<long>(k.size())));
  if (!cert || !key) return fail();
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out) return fail();
  // CMS_DEBUG_DECRYPT off: a wrong key gets a random content key, not an
  // error that tells which recipient info failed (Bleichenbacher).
  if (CMS_decrypt(cms.get(), key.get(), cert.get(), nullptr, out.get(),
                  CMS_BINARY) != 1) {
    return fail();
  }
  return ReadAll(out.get());
}

}  // namespace sealpost::crypto
