// X.509 for S/MIME (RFC 8550): reading certificate files an admin imports
// (PEM, DER, PKCS#7 bundles, PKCS#12 with a private key), reading CRLs, and
// deciding whether a certificate may be used: chain to a trusted CA, dates,
// revocation, key usage. Imported files are untrusted input: sizes and counts
// are capped and every refusal says what was wrong.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_X509_H_
#define SEALPOST_CRYPTO_X509_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::crypto {

// Largest certificate file, bundle or CRL accepted, and most certificates
// in one bundle.
inline constexpr size_t kMaxCertificateFileBytes = 1 << 20;
inline constexpr size_t kMaxCertificatesPerFile = 64;

struct CertificateInfo {
  std::string der;
  std::string fingerprint;  // SHA-256 of the DER, lower-case hex
  std::string subject;      // RFC 2253 text
  std::string issuer;
  std::string serial;  // hex
  int64_t not_before = 0;
  int64_t not_after = 0;
  // subjectAltName rfc822Name entries, as written (RFC 8550 §3: the
  // address to match; the subject's emailAddress is not used).
  std::vector<std::string> emails;
  bool is_ca = false;  // basicConstraints cA
  // Key usage and extended key usage allow S/MIME encryption: keyUsage
  // absent or with keyEncipherment (RSA) / keyAgreement (EC), and
  // extendedKeyUsage absent or with emailProtection or anyExtendedKeyUsage.
  bool can_encrypt = false;
  std::string usage_problem;  // why not, when !can_encrypt
  // keyUsage absent or with digitalSignature or nonRepudiation, and the
  // extendedKeyUsage as for encryption: may sign mail.
  bool can_sign = false;
  // extendedKeyUsage absent or with emailProtection or anyExtendedKeyUsage:
  // as a CA, it may vouch for mail certificates (VerifyCertificateChain).
  bool eku_allows_mail = true;
  std::string key_type;  // "RSA 2048", "EC", ...
  // Why its key is too weak for S/MIME (an RSA key under 2048 bits), or
  // empty: such a certificate neither encrypts (usage_problem) nor has
  // its signature verified.
  std::string key_problem;
};

// What a certificate file held.
struct CertificateFile {
  std::vector<CertificateInfo> certificates;
  // A PKCS#12's private key, PKCS#8 DER; empty when the file had none.
  SecretBytes private_key;
  // The certificate the private key belongs to (an index in
  // `certificates`), -1 without a key.
  int key_certificate = -1;
  std::string format;  // "PEM", "DER", "PKCS#7", "PKCS#12"
};

// Reads a PEM file (CERTIFICATE and PKCS7 blocks), a DER certificate, a DER
// PKCS#7 (SignedData certificates only, e.g. a .p7b/.p7c) or a PKCS#12
// (`password` opens it; its key must match its certificate). INVALID_ARGUMENT
// naming the problem otherwise.
Result<CertificateFile> ReadCertificateFile(std::string_view bytes,
                                            const SecretBytes& password);

// One DER certificate.
Result<CertificateInfo> InspectCertificate(std::string_view der);

struct CrlInfo {
  std::string der;
  std::string issuer;  // RFC 2253 text
  int64_t this_update = 0;
  int64_t next_update = 0;  // 0: none
  size_t revoked = 0;       // entries
  // The CRL Number extension (RFC 5280 §5.2.3), lower-case hex without
  // leading zeros; empty when it has none (or a negative one).
  std::string number;
};

// A full CRL in PEM or DER. INVALID_ARGUMENT for a delta CRL or one with
// an Issuing Distribution Point (CRLs are kept one per issuer, each its
// full CRL), or a CRL Number longer than 20 octets.
Result<CrlInfo> ReadCrl(std::string_view bytes);

// True when the CRL `crl_der` is signed by the key of certificate
// `issuer_der` and names its subject as issuer.
bool CrlIssuedBy(std::string_view crl_der, std::string_view issuer_der);

// One certificate of a verified chain and the one that issued it.
struct ChainLink {
  std::string der;
  std::string issuer_der;
  std::string issuer_name;  // as CrlInfo::issuer names it
};

// Whether a certificate chains to one of `anchors` at time `at` (unix
// seconds), through `intermediates`, and is not revoked by one of `crls`:
// every certificate of the chain below the trusted CA is checked against
// the CRL of its issuer when one is given (none given: not checked); a CRL
// whose signature does not verify or that is out of date makes the
// certificate untrusted, as does a CA of its chain that is revoked, or
// whose extendedKeyUsage (the trusted CA's too) excludes mail (neither
// emailProtection nor anyExtendedKeyUsage: a TLS-only CA). The usage of
// the certificate itself is not checked (CertificateInfo says it). All
// inputs are DER. `links`, when given, gets the chain's certificates below
// the trusted CA, leaf first, each with its issuer.
struct ChainVerdict {
  enum class Kind { kValid, kExpired, kNotYetValid, kRevoked, kUntrusted };
  Kind kind = Kind::kUntrusted;
  std::string reason;  // empty when valid
};
ChainVerdict VerifyCertificateChain(
    std::string_view leaf, const std::vector<std::string>& intermediates,
    const std::vector<std::string>& anchors,
    const std::vector<std::string>& crls, int64_t at,
    std::vector<ChainLink>* links = nullptr);

// True when the PKCS#8 `private_key` belongs to the certificate `der`.
bool KeyMatchesCertificate(std::string_view der,
                           const SecretBytes& private_key);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_X509_H_
