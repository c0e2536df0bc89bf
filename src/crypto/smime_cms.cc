#include "crypto/smime_cms.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <unordered_map>

#include "base/thread_annotations.h"
#include "crypto/errors.h"
#include "crypto/openssl_ptr.h"
#include "crypto/smime_cms_internal.h"

namespace sealpost::crypto {

using cms_internal::CmsPtr;

namespace {

// Recipient certificates already parsed, by their DER: OpenSSL 3 decodes a
// certificate's public key through its provider decoders, which costs more
// than encrypting a 4 KB message, and the same partners' certificates come
// back with every message. The cache holds public data only; it is cleared
// when full rather than aged (a few thousand partners at most between
// clears). X509 objects are reference counted and safe to share read-only.
class CertificateCache {
 public:
  static CertificateCache& Get() {
    static CertificateCache* cache = new CertificateCache();
    return *cache;
  }
  X509Ptr Find(std::string_view der) {
    MutexLock lock(&mu_);
    auto it = certs_.find(der);
    if (it == certs_.end()) return nullptr;
    X509_up_ref(it->second.get());
    return X509Ptr(it->second.get());
  }
  void Put(std::string_view der, X509* x) {
    MutexLock lock(&mu_);
    if (certs_.size() >= kMaxEntries) certs_.clear();
    X509_up_ref(x);
    certs_.emplace(std::string(der), X509Ptr(x));
  }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  static constexpr size_t kMaxEntries = 4096;
  Mutex mu_;
  std::unordered_map<std::string, X509Ptr, Hash, std::equal_to<>> certs_
      SP_GUARDED_BY(mu_);
};

}  // namespace

namespace cms_internal {

X509Ptr ParseCert(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x &&
      p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return nullptr;
  }
  return x;
}

PkeyPtr ParseKey(const SecretBytes& der) {
  std::span<const uint8_t> k = der.InsecureBytes();
  const unsigned char* p = k.data();
  return PkeyPtr(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(k.size())));
}

}  // namespace cms_internal

namespace {

using cms_internal::ParseCert;

std::string ReadAll(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n > 0 ? n : 0));
}

}  // namespace

namespace cms_internal {

Result<std::string> Der(CMS_ContentInfo* cms) {
  int n = i2d_CMS_ContentInfo(cms, nullptr);
  if (n <= 0) return InternalError("CMS encoding failed");
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  if (i2d_CMS_ContentInfo(cms, &p) != n) {
    return InternalError("CMS encoding failed");
  }
  return out;
}

const EVP_CIPHER* CipherOf(CmsCipher cipher) {
  switch (cipher) {
    case CmsCipher::kAes128Cbc:
      return EVP_aes_128_cbc();
    case CmsCipher::kAes192Cbc:
      return EVP_aes_192_cbc();
    case CmsCipher::kAes256Gcm:
      return EVP_aes_256_gcm();
    case CmsCipher::kAes256Cbc:
      break;
  }
  return EVP_aes_256_cbc();
}

const EVP_MD* DigestOf(CmsDigest digest) {
  switch (digest) {
    case CmsDigest::kSha384:
      return EVP_sha384();
    case CmsDigest::kSha512:
      return EVP_sha512();
    case CmsDigest::kSha256:
      break;
  }
  return EVP_sha256();
}

bool AddCapabilities(CMS_SignerInfo* si) {
  STACK_OF(X509_ALGOR)* caps = sk_X509_ALGOR_new_null();
  bool ok = caps != nullptr &&
            PKCS7_simple_smimecap(caps, NID_aes_256_gcm, -1) == 1 &&
            PKCS7_simple_smimecap(caps, NID_aes_256_cbc, -1) == 1 &&
            PKCS7_simple_smimecap(caps, NID_aes_192_cbc, -1) == 1 &&
            PKCS7_simple_smimecap(caps, NID_aes_128_cbc, -1) == 1 &&
            CMS_add_smimecap(si, caps) == 1;
  sk_X509_ALGOR_pop_free(caps, X509_ALGOR_free);
  return ok;
}

}  // namespace cms_internal

using cms_internal::AddCapabilities;
using cms_internal::CipherOf;
using cms_internal::Der;
using cms_internal::DigestOf;

std::string_view MicalgName(CmsDigest digest) {
  switch (digest) {
    case CmsDigest::kSha384:
      return "sha-384";
    case CmsDigest::kSha512:
      return "sha-512";
    case CmsDigest::kSha256:
      break;
  }
  return "sha-256";
}

Result<std::string> CmsEncrypt(std::string_view content,
                               const std::vector<std::string>& recipients,
                               CmsCipher cipher) {
  const std::string_view parts[] = {content};
  return CmsEncrypt(std::span<const std::string_view>(parts), recipients,
                    cipher);
}

namespace cms_internal {

// The recipients' certificates, parsed (or from the cache).
Result<X509StackPtr> RecipientStack(
    const std::vector<std::string>& recipients) {
  if (recipients.empty()) {
    return InvalidArgumentError("no recipient certificate");
  }
  X509StackPtr certs(sk_X509_new_null());
  if (!certs) return InternalError("out of memory");
  for (const auto& der : recipients) {
    X509Ptr x = CertificateCache::Get().Find(der);
    if (!x) {
      x = ParseCert(der);
      if (!x) return InvalidArgumentError("a recipient certificate is invalid");
      CertificateCache::Get().Put(der, x.get());
    }
    sk_X509_push(certs.get(), x.release());
  }
  return certs;
}

// Writes `bytes` into `bio` in slices an int can count.
bool WriteAll(BIO* bio, std::string_view bytes) {
  while (!bytes.empty()) {
    int n = static_cast<int>(std::min<size_t>(bytes.size(), 1 << 20));
    if (BIO_write(bio, bytes.data(), n) != n) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace cms_internal

using cms_internal::RecipientStack;
using cms_internal::WriteAll;

Result<std::string> CmsEncrypt(std::span<const std::string_view> parts,
                               const std::vector<std::string>& recipients,
                               CmsCipher cipher) {
  SP_ASSIGN_OR_RETURN(X509StackPtr certs, RecipientStack(recipients));
  // CMS_PARTIAL, then the parts written into the content's cipher BIO
  // (what CMS_final does with one input BIO): the content is never copied
  // whole before it is encrypted. CMS_BINARY: it is MIME already (CRLF);
  // nothing is translated.
  CmsPtr cms(CMS_encrypt(certs.get(), nullptr, CipherOf(cipher),
                         CMS_BINARY | CMS_PARTIAL));
  BioPtr content(cms ? CMS_dataInit(cms.get(), nullptr) : nullptr);
  if (!content) {
    ERR_clear_error();
    return InternalError("CMS encryption failed");
  }
  for (std::string_view part : parts) {
    if (!WriteAll(content.get(), part)) {
      ERR_clear_error();
      return InternalError("CMS encryption failed");
    }
  }
  if (BIO_flush(content.get()) != 1 ||
      CMS_dataFinal(cms.get(), content.get()) != 1) {
    ERR_clear_error();
    return InternalError("CMS encryption failed");
  }
  return Der(cms.get());
}

namespace cms_internal {

Result<Signer> ParseSigner(std::string_view certificate,
                           const SecretBytes& private_key,
                           const std::vector<std::string>& chain) {
  Signer s;
  s.cert = ParseCert(certificate);
  s.key = ParseKey(private_key);
  if (!s.cert || !s.key) {
    ERR_clear_error();
    return InvalidArgumentError("the signing certificate or key is invalid");
  }
  s.extra.reset(sk_X509_new_null());
  if (!s.extra) return InternalError("out of memory");
  for (const auto& der : chain) {
    if (X509Ptr x = ParseCert(der)) sk_X509_push(s.extra.get(), x.release());
  }
  return s;
}

CmsPtr StartSignedData(const Signer& signer, unsigned int flags,
                       const CmsSignOptions& options) {
  // CMS_BINARY: the content is canonical MIME already (CRLF).
  CmsPtr cms(CMS_sign(nullptr, nullptr, signer.extra.get(), nullptr,
                      flags | CMS_BINARY | CMS_PARTIAL));
  CMS_SignerInfo* si =
      cms ? CMS_add1_signer(cms.get(), signer.cert.get(), signer.key.get(),
                            DigestOf(options.digest),
                            CMS_BINARY | CMS_NOSMIMECAP)
          : nullptr;
  if (si == nullptr || (options.capabilities && !AddCapabilities(si))) {
    ERR_clear_error();
    return nullptr;
  }
  return cms;
}

}  // namespace cms_internal

Result<std::string> CmsSign(std::string_view content,
                            std::string_view certificate,
                            const SecretBytes& private_key,
                            const std::vector<std::string>& chain,
                            bool detached, const CmsSignOptions& options) {
  if (content.size() > static_cast<size_t>(INT_MAX)) {
    return InvalidArgumentError("content too large for CMS");
  }
  SP_ASSIGN_OR_RETURN(
      cms_internal::Signer signer,
      cms_internal::ParseSigner(certificate, private_key, chain));
  BioPtr in(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
  if (!in) return InternalError("out of memory");
  CmsPtr cms = cms_internal::StartSignedData(
      signer, detached ? CMS_DETACHED : 0, options);
  if (!cms || CMS_final(cms.get(), in.get(), nullptr, CMS_BINARY) != 1) {
    ERR_clear_error();
    return InternalError("CMS signing failed");
  }
  return Der(cms.get());
}

namespace {

// A BIO that reads what a ByteSource gives (its Read errors kept in
// `status`), for CMS_verify to digest detached content as it reads it.
struct SourceBioState {
  ByteSource* source = nullptr;
  std::string slice;
  size_t at = 0;
  bool at_end = false;
  Status status;
};

int SourceBioRead(BIO* bio, char* data, int len) {
  auto* st = static_cast<SourceBioState*>(BIO_get_data(bio));
  if (st == nullptr || len <= 0) return 0;
  if (st->at == st->slice.size()) {
    if (st->at_end || !st->status.ok()) return 0;
    st->slice.clear();
    st->at = 0;
    auto n = st->source->Read(64 << 10, &st->slice);
    if (!n.ok()) {
      st->status = n.status();
      return -1;
    }
    if (*n == 0) {
      st->at_end = true;
      return 0;
    }
  }
  size_t n = std::min(static_cast<size_t>(len), st->slice.size() - st->at);
  std::memcpy(data, st->slice.data() + st->at, n);
  st->at += n;
  return static_cast<int>(n);
}

long SourceBioCtrl(BIO* bio, int cmd, long, void*) {
  auto* st = static_cast<SourceBioState*>(BIO_get_data(bio));
  switch (cmd) {
    case BIO_CTRL_EOF:
      return st != nullptr && st->at_end && st->at == st->slice.size();
    case BIO_CTRL_FLUSH:
      return 1;
    default:
      return 0;
  }
}

int SourceBioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

const BIO_METHOD* SourceBioMethod() {
  static const BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
                                 "sealpost byte source");
    if (m == nullptr) return static_cast<BIO_METHOD*>(nullptr);
    BIO_meth_set_read(m, SourceBioRead);
    BIO_meth_set_ctrl(m, SourceBioCtrl);
    BIO_meth_set_create(m, SourceBioCreate);
    return m;
  }();
  return method;
}

void CopyCertificate(X509* x, std::string* out) {
  int n = i2d_X509(x, nullptr);
  if (n <= 0) return;
  out->resize(static_cast<size_t>(n));
  auto* q = reinterpret_cast<unsigned char*>(out->data());
  i2d_X509(x, &q);
}

// CmsVerifySignature with the detached content read from `content` (null
// for an opaque SignedData); `detached` says whether there is one.
CmsSignature Verify(std::string_view der, BIO* content, bool detached) {
  CmsSignature out;
  if (der.empty() || der.size() > static_cast<size_t>(INT_MAX)) {
    out.reason = "no signature";
    return out;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
    ERR_clear_error();
    out.reason = "not a CMS SignedData";
    return out;
  }
  if (STACK_OF(X509)* certs = CMS_get1_certs(cms.get())) {
    for (int i = 0; i < sk_X509_num(certs); ++i) {
      std::string d;
      CopyCertificate(sk_X509_value(certs, i), &d);
      if (!d.empty()) out.certificates.push_back(std::move(d));
    }
    sk_X509_pop_free(certs, X509_free);
  }
  if ((CMS_is_detached(cms.get()) == 1) != detached) {
    ERR_clear_error();
    out.reason =
        detached ? "not a detached signature" : "the signed content is missing";
    return out;
  }
  // Detached content is digested as it is read and not kept (a null sink);
  // an opaque SignedData's content is kept to be returned.
  BioPtr sink(detached ? nullptr : BIO_new(BIO_s_mem()));
  if (!detached && !sink) return out;
  int ok = CMS_verify(cms.get(), nullptr, nullptr, content, sink.get(),
                      CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY);
  if (STACK_OF(X509)* signers = CMS_get0_signers(cms.get())) {
    if (sk_X509_num(signers) > 0) {
      CopyCertificate(sk_X509_value(signers, 0), &out.signer);
    }
    sk_X509_free(signers);
  }
  if (ok != 1) {
    unsigned long e = ERR_peek_last_error();
    const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
    out.reason = r != nullptr ? r : "the signature does not verify";
    ERR_clear_error();
    return out;
  }
  if (!detached) out.content = ReadAll(sink.get());
  out.verified = true;
  return out;
}

}  // namespace

CmsSignature CmsVerifySignature(std::string_view der,
                                std::string_view detached) {
  if (detached.size() > static_cast<size_t>(INT_MAX)) {
    CmsSignature out;
    out.reason = "no signature";
    return out;
  }
  // The content behind a buffering BIO: OpenSSL 3.0's CMS_verify copies a
  // bare memory BIO and leaks the copy when the SignedData cannot be read
  // (found by certificate_import_fuzz).
  BioPtr content;
  if (!detached.empty()) {
    BIO* mem =
        BIO_new_mem_buf(detached.data(), static_cast<int>(detached.size()));
    BIO* buffer = BIO_new(BIO_f_buffer());
    if (mem == nullptr || buffer == nullptr) {
      BIO_free(mem);
      BIO_free(buffer);
      return CmsSignature{};
    }
    content.reset(BIO_push(buffer, mem));
  }
  return Verify(der, content.get(), !detached.empty());
}

Result<CmsSignature> CmsVerifyDetachedStream(std::string_view der,
                                             ByteSource& content) {
  SP_RETURN_IF_ERROR(content.Restart());
  const BIO_METHOD* method = SourceBioMethod();
  BioPtr bio(method != nullptr ? BIO_new(method) : nullptr);
  if (!bio) return InternalError("cannot make a BIO");
  SourceBioState state;
  state.source = &content;
  BIO_set_data(bio.get(), &state);
  CmsSignature out = Verify(der, bio.get(), /*detached=*/true);
  BIO_set_data(bio.get(), nullptr);
  if (!state.status.ok()) return state.status;
  return out;
}

Result<std::optional<size_t>> CmsDecrypt(std::string_view der,
                                         std::span<const CmsKeyRef> keys,
                                         std::string* content) {
  if (der.empty() || der.size() > static_cast<size_t>(INT_MAX)) {
    return std::optional<size_t>();
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CmsPtr cms(d2i_CMS_ContentInfo(nullptr, &p, static_cast<long>(der.size())));
  if (!cms) {
    ERR_clear_error();
    return std::optional<size_t>();
  }
  // The key is chosen as the streamed open chooses it (CmsDecryptStream's
  // CipherFor, SetNamedKey): an RSA key OpenSSL takes with a random
  // content key when it does not unwrap it, so the content not opening is
  // the answer, DecryptionFailed, and not a reason to try the next key:
  // both opens answer alike for every message.
  SP_ASSIGN_OR_RETURN(std::optional<size_t> which,
                      cms_internal::SetNamedKey(cms.get(), keys));
  if (!which) return which;
  BioPtr out(BIO_new(BIO_s_mem()));
  if (!out) return InternalError("out of memory");
  // Key and certificate null: the content key set above opens the content.
  if (CMS_decrypt(cms.get(), nullptr, nullptr, nullptr, out.get(),
                  CMS_BINARY) != 1) {
    ERR_clear_error();
    return DecryptionFailedError();
  }
  *content = ReadAll(out.get());
  return which;
}

Result<std::string> CmsDecrypt(std::string_view der,
                               std::string_view certificate,
                               const SecretBytes& private_key) {
  const CmsKeyRef key{certificate, &private_key, nullptr};
  std::string content;
  auto which = CmsDecrypt(der, std::span<const CmsKeyRef>(&key, 1), &content);
  if (!which.ok() || !*which) return DecryptionFailedError();
  return content;
}

}  // namespace sealpost::crypto
