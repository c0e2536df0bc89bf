// Certificate revocation lists: reading an imported CRL, and whether a CRL
// is its issuer's. Chain checks against CRLs are x509.cc's.
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/strings.h"
#include "crypto/asn1_time.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"
#include "crypto/x509_internal.h"

namespace sealpost::crypto {

using CrlPtr = OpenSslPtr<X509_CRL, X509_CRL_free>;
using internal::NameText;
using internal::ParseDer;

namespace {

// RFC 5280 §5.2.3: "CRL issuers MUST NOT use CRLNumber values longer than
// 20 octets".
constexpr int kMaxCrlNumberOctets = 20;

// The CRL Number of `crl` as lower-case hex without leading zeros; empty
// when there is none, several, or a negative one. INVALID_ARGUMENT when it
// is longer than 20 octets.
Result<std::string> CrlNumberHex(X509_CRL* crl) {
  OpenSslPtr<ASN1_INTEGER, ASN1_INTEGER_free> number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(crl, NID_crl_number, nullptr, nullptr)));
  ERR_clear_error();
  if (!number) return std::string();
  if (ASN1_STRING_length(number.get()) > kMaxCrlNumberOctets) {
    return InvalidArgumentError(
        "the CRL's CRL Number is longer than 20 octets (RFC 5280 §5.2.3)");
  }
  OpenSslPtr<BIGNUM, BN_free> bn(ASN1_INTEGER_to_BN(number.get(), nullptr));
  if (!bn || BN_is_negative(bn.get())) return std::string();
  char* hex = BN_bn2hex(bn.get());
  if (hex == nullptr) return std::string();
  std::string out = AsciiLower(hex);
  OPENSSL_free(hex);
  size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? "0" : out.substr(first);
}

// CRLs are kept one per issuer name, each the issuer's full CRL: a delta
// CRL (RFC 5280 §5.2.4) lists only the revocations since a base CRL, and
// one with an Issuing Distribution Point (§5.2.5) may cover only part of
// the issuer's certificates, or another issuer's. Either, stored as the
// full CRL (its CRL Number may well be higher), would hide the
// revocations it does not list.
Status RefusePartialCrl(X509_CRL* crl) {
  if (X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
    return InvalidArgumentError(
        "a delta CRL (Delta CRL Indicator, RFC 5280 §5.2.4) is not "
        "supported: import the full CRL");
  }
  if (X509_CRL_get_ext_by_NID(crl, NID_issuing_distribution_point, -1) >= 0) {
    return InvalidArgumentError(
        "a CRL with an Issuing Distribution Point (a partitioned or indirect "
        "CRL, RFC 5280 §5.2.5) is not supported: import the full CRL");
  }
  return Status::Ok();
}

}  // namespace

Result<CrlInfo> ReadCrl(std::string_view bytes) {
  if (bytes.empty()) return InvalidArgumentError("the file is empty");
  if (bytes.size() > kMaxCertificateFileBytes) {
    return InvalidArgumentError("the file is larger than 1 MiB");
  }
  CrlPtr crl;
  if (bytes.find("-----BEGIN X509 CRL-----") != std::string_view::npos) {
    BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    crl.reset(PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr));
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    crl.reset(d2i_X509_CRL(nullptr, &p, static_cast<long>(bytes.size())));
    if (crl && p != reinterpret_cast<const unsigned char*>(bytes.data()) +
                        bytes.size()) {
      crl.reset();
    }
  }
  ERR_clear_error();
  if (!crl) {
    return InvalidArgumentError(
        "not a certificate revocation list (PEM or DER X.509 CRL)");
  }
  SP_RETURN_IF_ERROR(RefusePartialCrl(crl.get()));
  CrlInfo info;
  SP_ASSIGN_OR_RETURN(info.number, CrlNumberHex(crl.get()));
  int n = i2d_X509_CRL(crl.get(), nullptr);
  if (n <= 0) return InvalidArgumentError("the CRL cannot be encoded");
  info.der.resize(static_cast<size_t>(n));
  auto* out = reinterpret_cast<unsigned char*>(info.der.data());
  i2d_X509_CRL(crl.get(), &out);
  info.issuer = NameText(X509_CRL_get_issuer(crl.get()));
  info.this_update = UnixOf(X509_CRL_get0_lastUpdate(crl.get()));
  info.next_update = UnixOf(X509_CRL_get0_nextUpdate(crl.get()));
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  info.revoked = revoked != nullptr ? sk_X509_REVOKED_num(revoked) : 0;
  return info;
}

bool CrlIssuedBy(std::string_view crl_der, std::string_view issuer_der) {
  X509Ptr issuer = ParseDer(issuer_der);
  const auto* p = reinterpret_cast<const unsigned char*>(crl_der.data());
  CrlPtr crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der.size())));
  bool ok = issuer && crl &&
            X509_NAME_cmp(X509_CRL_get_issuer(crl.get()),
                          X509_get_subject_name(issuer.get())) == 0 &&
            X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer.get())) == 1;
  ERR_clear_error();
  return ok;
}

}  // namespace sealpost::crypto
