#include "crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>
#include <memory>

#include "base/strings.h"
#include "crypto/asn1_time.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509_internal.h"

namespace sealpost::crypto {

namespace internal {

std::string NameText(const X509_NAME* name) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) {
    return "";
  }
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(std::max(0L, n)));
}

// A whole DER certificate, nothing after it.
X509Ptr ParseDer(std::string_view der) {
  if (der.empty() || der.size() > kMaxCertificateFileBytes) return nullptr;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr x(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (x &&
      p != reinterpret_cast<const unsigned char*>(der.data()) + der.size()) {
    return nullptr;
  }
  ERR_clear_error();
  return x;
}

}  // namespace internal

namespace {

using internal::NameText;
using internal::ParseDer;

using CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using P7Ptr = OpenSslPtr<PKCS7, PKCS7_free>;
using P12Ptr = OpenSslPtr<PKCS12, PKCS12_free>;
using StorePtr = OpenSslPtr<X509_STORE, X509_STORE_free>;
using StoreCtxPtr = OpenSslPtr<X509_STORE_CTX, X509_STORE_CTX_free>;

constexpr long kMaxPkcs12Iterations = 1'000'000;

// The OpenSSL error queue's last reason, cleared.
std::string OpenSslReason() {
  unsigned long e = ERR_peek_last_error();
  std::string out = e != 0 ? ERR_reason_error_string(e) != nullptr
                                 ? ERR_reason_error_string(e)
                                 : "unknown error"
                           : "malformed";
  ERR_clear_error();
  return out;
}

std::string DateText(int64_t unix) {
  std::time_t t = static_cast<std::time_t>(unix);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string DerOf(X509* x) {
  int n = i2d_X509(x, nullptr);
  if (n <= 0) return "";
  std::string out(static_cast<size_t>(n), '\0');
  auto* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_X509(x, &p);
  return out;
}

// extendedKeyUsage absent, or with emailProtection or anyExtendedKeyUsage
// (RFC 5280 §4.2.1.12: no restriction): `x` may be used for mail, as a
// leaf, or as a CA vouching for mail certificates.
bool EkuAllowsMail(X509* x) {
  return (X509_get_extension_flags(x) & EXFLAG_XKUSAGE) == 0 ||
         (X509_get_extended_key_usage(x) & (XKU_SMIME | XKU_ANYEKU)) != 0;
}

Result<CertificateInfo> Inspect(X509* x) {
  CertificateInfo info;
  info.der = DerOf(x);
  if (info.der.empty()) {
    return InvalidArgumentError("a certificate could not be encoded");
  }
  info.fingerprint = Sha256Hex(info.der);
  info.subject = NameText(X509_get_subject_name(x));
  info.issuer = NameText(X509_get_issuer_name(x));
  if (BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), nullptr)) {
    if (char* hex = BN_bn2hex(bn)) {
      info.serial = AsciiLower(hex);
      OPENSSL_free(hex);
    }
    BN_free(bn);
  }
  info.not_before = UnixOf(X509_get0_notBefore(x));
  info.not_after = UnixOf(X509_get0_notAfter(x));
  auto* names = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(x, NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* gn = sk_GENERAL_NAME_value(names, i);
      if (gn->type != GEN_EMAIL) continue;
      const ASN1_IA5STRING* s = gn->d.rfc822Name;
      std::string_view v(
          reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<size_t>(ASN1_STRING_length(s)));
      // An address with a NUL, a space or no '@' names nobody.
      bool sane = v.size() <= 254 && v.find('@') != std::string_view::npos &&
                  std::all_of(v.begin(), v.end(),
                              [](char c) { return c > ' ' && c < 0x7f; });
      if (sane) info.emails.emplace_back(v);
    }
    GENERAL_NAMES_free(names);
  }
  ERR_clear_error();
  uint32_t flags = X509_get_extension_flags(x);
  info.is_ca = (flags & EXFLAG_CA) != 0;
  EVP_PKEY* pub = X509_get0_pubkey(x);
  int base = pub != nullptr ? EVP_PKEY_get_base_id(pub) : NID_undef;
  int bits = pub != nullptr ? EVP_PKEY_get_bits(pub) : 0;
  bool rsa = base == EVP_PKEY_RSA;
  bool ec = base == EVP_PKEY_EC;
  info.key_type = rsa  ? "RSA " + std::to_string(bits)
                  : ec ? "EC " + std::to_string(bits)
                       : (base == NID_undef ? "unknown" : OBJ_nid2sn(base));
  uint32_t ku = X509_get_key_usage(x);  // UINT32_MAX when absent
  const bool eku_allows_mail = EkuAllowsMail(x);
  if (rsa && bits < 2048) {
    info.key_problem =
        "its RSA key has " + std::to_string(bits) + " bits (2048 at least)";
  }
  if (!rsa && !ec) {
    info.usage_problem = "its key (" + info.key_type + ") cannot encrypt";
  } else if (!info.key_problem.empty()) {
    info.usage_problem = info.key_problem;
  } else if ((flags & EXFLAG_KUSAGE) &&
             !(ku & (rsa ? KU_KEY_ENCIPHERMENT : KU_KEY_AGREEMENT))) {
    info.usage_problem =
        rsa ? "keyUsage lacks keyEncipherment" : "keyUsage lacks keyAgreement";
  } else if (!eku_allows_mail) {
    info.usage_problem = "extendedKeyUsage lacks emailProtection";
  } else if (info.is_ca) {
    info.usage_problem = "it is a CA certificate";
  }
  info.can_encrypt = info.usage_problem.empty();
  info.eku_allows_mail = eku_allows_mail;
  info.can_sign = !info.is_ca && (rsa || ec) &&
                  (!(flags & EXFLAG_KUSAGE) ||
                   (ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)) != 0) &&
                  eku_allows_mail;
  return info;
}

// The certificates of a PKCS#7 SignedData (a "certs-only" bundle).
Status AddPkcs7(PKCS7* p7, std::vector<X509Ptr>* out) {
  if (p7 == nullptr || !PKCS7_type_is_signed(p7) || p7->d.sign == nullptr) {
    return InvalidArgumentError(
        "the PKCS#7 file is not a SignedData certificate bundle");
  }
  STACK_OF(X509)* certs = p7->d.sign->cert;
  for (int i = 0; certs != nullptr && i < sk_X509_num(certs); ++i) {
    X509* x = sk_X509_value(certs, i);
    X509_up_ref(x);
    out->emplace_back(x);
  }
  return Status::Ok();
}

Status ReadPem(std::string_view bytes, std::vector<X509Ptr>* out) {
  BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
  if (!bio) return InternalError("out of memory");
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      unsigned long e = ERR_peek_last_error();
      ERR_clear_error();
      if (ERR_GET_REASON(e) == PEM_R_NO_START_LINE) break;  // the end
      return InvalidArgumentError("the PEM file is malformed");
    }
    std::string type = name;
    std::string der(reinterpret_cast<const char*>(data),
                    static_cast<size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_clear_free(data, static_cast<size_t>(len));
    if (type == "CERTIFICATE" || type == "X509 CERTIFICATE") {
      X509Ptr x = ParseDer(der);
      if (!x) {
        return InvalidArgumentError(
            "a PEM CERTIFICATE block is not a "
            "certificate");
      }
      out->push_back(std::move(x));
    } else if (type == "PKCS7") {
      const auto* p = reinterpret_cast<const unsigned char*>(der.data());
      P7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(der.size())));
      SP_RETURN_IF_ERROR(AddPkcs7(p7.get(), out));
    } else if (type == "X509 CRL") {
      return InvalidArgumentError(
          "this is a certificate revocation list: use `cert crl import`");
    } else if (type.find("PRIVATE KEY") != std::string::npos) {
      return InvalidArgumentError(
          "a private key is accepted only inside a PKCS#12 file (with its "
          "certificate)");
    } else {
      return InvalidArgumentError("unexpected PEM block \"" +
                                  type.substr(0, 40) + "\"");
    }
    if (out->size() > kMaxCertificatesPerFile) break;
  }
  return Status::Ok();
}

Status ReadPkcs12(PKCS12* p12, const SecretBytes& password,
                  std::vector<X509Ptr>* out, SecretBytes* key, int* key_index) {
  std::string pass(password.InsecureStringView());
  auto wipe = [&pass] { OPENSSL_cleanse(pass.data(), pass.size()); };
  // A PKCS#12 without a MAC is not accepted: its contents are unchecked.
  if (!PKCS12_mac_present(p12)) {
    wipe();
    return InvalidArgumentError("the PKCS#12 file has no integrity MAC");
  }
  // The MAC's iteration count is the file's to choose: cap it, so that a
  // file cannot keep a handler thread busy for minutes (OpenSSL writes
  // 2048; other tools up to a few hundred thousand).
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12);
  if (iter != nullptr && ASN1_INTEGER_get(iter) > kMaxPkcs12Iterations) {
    wipe();
    return InvalidArgumentError(
        "the PKCS#12 file asks for more than 1,000,000 MAC iterations");
  }
  // An empty password may have been written as none at all (RFC 7292
  // leaves it open; OpenSSL tries both too).
  const char* pw = pass.c_str();
  if (PKCS12_verify_mac(p12, pw, static_cast<int>(pass.size())) != 1) {
    ERR_clear_error();
    if (!pass.empty() || PKCS12_verify_mac(p12, nullptr, 0) != 1) {
      wipe();
      ERR_clear_error();
      return InvalidArgumentError(
          "the PKCS#12 password is wrong (give it with --password-file)");
    }
    pw = nullptr;
  }
  EVP_PKEY* pkey = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  int ok = PKCS12_parse(p12, pw, &pkey, &cert, &ca);
  wipe();
  PkeyPtr pkey_owner(pkey);
  X509StackPtr ca_owner(ca);
  if (ok != 1) {
    return InvalidArgumentError("the PKCS#12 file cannot be opened: " +
                                OpenSslReason());
  }
  if (cert != nullptr) {
    out->emplace_back(cert);
    if (pkey != nullptr) {
      if (X509_check_private_key(cert, pkey) != 1) {
        ERR_clear_error();
        return InvalidArgumentError(
            "the PKCS#12 key does not belong to its certificate");
      }
      PKCS8_PRIV_KEY_INFO* p8 = EVP_PKEY2PKCS8(pkey);
      if (p8 == nullptr) return InternalError("cannot encode the key");
      unsigned char* buf = nullptr;
      int n = i2d_PKCS8_PRIV_KEY_INFO(p8, &buf);
      PKCS8_PRIV_KEY_INFO_free(p8);
      if (n <= 0) return InternalError("cannot encode the key");
      *key = SecretBytes(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
      OPENSSL_clear_free(buf, static_cast<size_t>(n));
      *key_index = static_cast<int>(out->size()) - 1;
    }
  } else if (pkey != nullptr) {
    return InvalidArgumentError(
        "the PKCS#12 file holds a key without its certificate");
  }
  for (int i = 0; ca != nullptr && i < sk_X509_num(ca); ++i) {
    X509* x = sk_X509_value(ca, i);
    X509_up_ref(x);
    out->emplace_back(x);
  }
  return Status::Ok();
}

}  // namespace

Result<CertificateInfo> InspectCertificate(std::string_view der) {
  X509Ptr x = ParseDer(der);
  if (!x) return InvalidArgumentError("not a DER certificate");
  return Inspect(x.get());
}

Result<CertificateFile> ReadCertificateFile(std::string_view bytes,
                                            const SecretBytes& password) {
  if (bytes.empty()) return InvalidArgumentError("the file is empty");
  if (bytes.size() > kMaxCertificateFileBytes) {
    return InvalidArgumentError("the file is larger than 1 MiB");
  }
  CertificateFile file;
  std::vector<X509Ptr> certs;
  if (bytes.find("-----BEGIN ") != std::string_view::npos) {
    file.format = "PEM";
    SP_RETURN_IF_ERROR(ReadPem(bytes, &certs));
  } else if (X509Ptr x = ParseDer(bytes)) {
    file.format = "DER";
    certs.push_back(std::move(x));
  } else {
    const auto* begin = reinterpret_cast<const unsigned char*>(bytes.data());
    const auto* end = begin + bytes.size();
    const unsigned char* p = begin;
    P7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(bytes.size())));
    if (p7 && p == end) {
      file.format = "PKCS#7";
      SP_RETURN_IF_ERROR(AddPkcs7(p7.get(), &certs));
    } else {
      ERR_clear_error();
      p = begin;
      P12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
      if (!p12 || p != end) {
        ERR_clear_error();
        return InvalidArgumentError(
            "not a certificate file: expected PEM, a DER certificate, a "
            "PKCS#7 bundle or a PKCS#12 file");
      }
      file.format = "PKCS#12";
      SP_RETURN_IF_ERROR(ReadPkcs12(p12.get(), password, &certs,
                                    &file.private_key, &file.key_certificate));
    }
  }
  if (certs.size() > kMaxCertificatesPerFile) {
    return InvalidArgumentError("the file holds more than " +
                                std::to_string(kMaxCertificatesPerFile) +
                                " certificates");
  }
  if (certs.empty()) {
    return InvalidArgumentError("the file holds no certificate");
  }
  for (size_t i = 0; i < certs.size(); ++i) {
    SP_ASSIGN_OR_RETURN(CertificateInfo info, Inspect(certs[i].get()));
    auto dup = std::find_if(
        file.certificates.begin(), file.certificates.end(),
        [&](const CertificateInfo& c) { return c.der == info.der; });
    if (dup != file.certificates.end()) {
      if (static_cast<int>(i) == file.key_certificate) {
        file.key_certificate =
            static_cast<int>(dup - file.certificates.begin());
      }
      continue;
    }
    if (static_cast<int>(i) == file.key_certificate) {
      file.key_certificate = static_cast<int>(file.certificates.size());
    }
    file.certificates.push_back(std::move(info));
  }
  return file;
}

namespace {

// CRLs are asked for at every level of the chain (X509_V_FLAG_CRL_CHECK_ALL)
// but only the levels with a CRL on file are checked: a missing CRL is the
// caller's to settle (on line, or not at all). The trusted CA itself is
// trusted outright, whatever a CRL above it says.
int AllowMissingCrls(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1) return ok;
  int err = X509_STORE_CTX_get_error(ctx);
  if (err == X509_V_ERR_UNABLE_TO_GET_CRL) return 1;
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  bool anchor = chain != nullptr &&
                X509_STORE_CTX_get_error_depth(ctx) == sk_X509_num(chain) - 1;
  bool crl_error = err == X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER ||
                   err == X509_V_ERR_CRL_HAS_EXPIRED ||
                   err == X509_V_ERR_CRL_NOT_YET_VALID ||
                   err == X509_V_ERR_CRL_SIGNATURE_FAILURE ||
                   err == X509_V_ERR_CERT_REVOKED;
  return anchor && crl_error ? 1 : ok;
}

// The first CA of a verified chain (the trusted CA too) whose
// extendedKeyUsage does not allow mail, by a leaf's rule (EkuAllowsMail),
// or null: a TLS-only
// intermediate (serverAuth) vouches for no e-mail certificate. Not
// OpenSSL's S/MIME purposes: they check the leaf's keyUsage too
// (keyEncipherment, which EC keys lack), and the leaf here is at times a
// CA (a trusted CA's own status, a chain level's revocation).
X509* CaNotForMail(X509_STORE_CTX* ctx) {
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  for (int i = 1; chain != nullptr && i < sk_X509_num(chain); ++i) {
    X509* ca = sk_X509_value(chain, i);
    if (!EkuAllowsMail(ca)) return ca;
  }
  return nullptr;
}

void CollectLinks(X509_STORE_CTX* ctx, std::vector<ChainLink>* links) {
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  for (int i = 0; chain != nullptr && i + 1 < sk_X509_num(chain); ++i) {
    X509* issuer = sk_X509_value(chain, i + 1);
    links->push_back({DerOf(sk_X509_value(chain, i)), DerOf(issuer),
                      NameText(X509_get_subject_name(issuer))});
  }
}

}  // namespace

ChainVerdict VerifyCertificateChain(
    std::string_view leaf, const std::vector<std::string>& intermediates,
    const std::vector<std::string>& anchors,
    const std::vector<std::string>& crls, int64_t at,
    std::vector<ChainLink>* links) {
  using Kind = ChainVerdict::Kind;
  X509Ptr x = ParseDer(leaf);
  if (!x) return {Kind::kUntrusted, "not a certificate"};
  // Checked first: OpenSSL checks dates from the anchor down, and a CA
  // younger than the moment asked about would hide the leaf's own date.
  int64_t not_before = UnixOf(X509_get0_notBefore(x.get()));
  if (at < not_before) {
    return {Kind::kNotYetValid, "valid only from " + DateText(not_before)};
  }
  if (anchors.empty()) {
    return {Kind::kUntrusted,
            "no trusted CA on file (`sealpost cert trust import`)"};
  }
  StorePtr store(X509_STORE_new());
  X509StackPtr untrusted(sk_X509_new_null());
  if (!store || !untrusted) return {Kind::kUntrusted, "out of memory"};
  for (const auto& der : anchors) {
    if (X509Ptr a = ParseDer(der)) X509_STORE_add_cert(store.get(), a.get());
  }
  for (const auto& der : intermediates) {
    if (X509Ptr i = ParseDer(der)) sk_X509_push(untrusted.get(), i.release());
  }
  bool any_crl = false;
  for (const auto& der : crls) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
    if (!crl) continue;
    any_crl = true;
    X509_STORE_add_crl(store.get(), crl.get());
  }
  ERR_clear_error();
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), x.get(),
                                  untrusted.get()) != 1) {
    return {Kind::kUntrusted, "cannot check the chain"};
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
  // A CA the admin trusts is an anchor even when it is an intermediate.
  unsigned long flags = X509_V_FLAG_PARTIAL_CHAIN;
  if (any_crl) flags |= X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL;
  X509_VERIFY_PARAM_set_flags(param, flags);
  X509_STORE_CTX_set_verify_cb(ctx.get(), AllowMissingCrls);
  int ok = X509_verify_cert(ctx.get());
  int err = X509_STORE_CTX_get_error(ctx.get());
  int depth = X509_STORE_CTX_get_error_depth(ctx.get());
  ERR_clear_error();
  if (ok == 1) {
    if (X509* ca = CaNotForMail(ctx.get())) {
      return {Kind::kUntrusted,
              "a CA certificate of its chain is not for e-mail "
              "(extendedKeyUsage without emailProtection: " +
                  NameText(X509_get_subject_name(ca)) + ")"};
    }
    if (links != nullptr) CollectLinks(ctx.get(), links);
    return {Kind::kValid, ""};
  }
  switch (err) {
    case X509_V_ERR_CERT_REVOKED:
      if (depth == 0) return {Kind::kRevoked, "revoked in its issuer's CRL"};
      return {Kind::kUntrusted,
              "a CA certificate of its chain is revoked (" +
                  NameText(X509_get_subject_name(
                      X509_STORE_CTX_get_current_cert(ctx.get()))) +
                  ")"};
    case X509_V_ERR_CERT_HAS_EXPIRED:
      if (depth == 0) {
        return {Kind::kExpired,
                "expired on " + DateText(UnixOf(X509_get0_notAfter(x.get())))};
      }
      return {Kind::kUntrusted, "a CA certificate of its chain has expired"};
    case X509_V_ERR_CERT_NOT_YET_VALID:
      if (depth == 0) {
        return {Kind::kNotYetValid,
                "valid only from " +
                    DateText(UnixOf(X509_get0_notBefore(x.get())))};
      }
      return {Kind::kUntrusted,
              "a CA certificate of its chain is not valid yet"};
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return {Kind::kUntrusted, "does not chain to a trusted CA (issuer " +
                                    NameText(X509_get_issuer_name(x.get())) +
                                    ")"};
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
      return {Kind::kUntrusted, std::string("revocation unknown: ") +
                                    X509_verify_cert_error_string(err)};
    default:
      return {Kind::kUntrusted, std::string("chain check failed at depth ") +
                                    std::to_string(depth) + ": " +
                                    X509_verify_cert_error_string(err)};
  }
}

bool KeyMatchesCertificate(std::string_view der,
                           const SecretBytes& private_key) {
  X509Ptr x = ParseDer(der);
  if (!x) return false;
  std::span<const uint8_t> k = private_key.InsecureBytes();
  const unsigned char* p = k.data();
  PkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(k.size())));
  bool ok = key && X509_check_private_key(x.get(), key.get()) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace sealpost::crypto
