// Online revocation checking for S/MIME certificates (docs/smime.md,
// "Revocation checking"): the certificate's CRL distribution points and
// OCSP responders (RFC 5280 §4.2.1.13, §4.2.2.1), fetched over HTTP or
// HTTPS with OpenSSL's client (no redirects, a timeout, a size cap), and OCSP
// requests and responses (RFC 6960). Who may trigger a fetch, and what an
// unreachable responder means, is the caller's to decide
// (smime/revocation.h).
//
// Thread-safety: pure functions (the fetches block for at most `timeout`).
#ifndef SEALPOST_CRYPTO_REVOCATION_H_
#define SEALPOST_CRYPTO_REVOCATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/host_lookup.h"

namespace sealpost::crypto {

// The http:// and https:// URLs of a certificate's CRLDistributionPoints
// (fullName URIs) and of its Authority Information Access OCSP entries;
// other schemes (ldap, file) are left out: LDAP would need a client of its
// own for what most CAs also publish over HTTP, and a file is the server's.
struct RevocationPointers {
  std::vector<std::string> crl_urls;
  std::vector<std::string> ocsp_urls;
};
RevocationPointers RevocationPointersOf(std::string_view certificate_der);

// The certificate among `candidates` (DER) that issued `certificate_der`
// (name and signature); "" when none did.
std::string IssuerAmong(std::string_view certificate_der,
                        const std::vector<std::string>& candidates);

// GET `url` (http:// or https://), or POST `body` as `content_type` when it
// is not empty. At most `max_bytes` of response and `timeout_seconds` in
// all, the host name lookup included (LookUpHost, given `lookup` as its
// resolver; an IP literal is not looked up); a redirect is refused.
// https:// checks the server's certificate against the system's CAs
// (OpenSSL's default paths; SSL_CERT_FILE) and the URL's host. A refused
// connection fails at once (only a host that does not answer costs the
// timeout). UNAVAILABLE saying why on any failure, but RESOURCE_EXHAUSTED
// when LookUpHost refuses the lookup for too many at once (this process's
// limit, which says nothing about the URL).
Result<std::string> HttpFetch(const std::string& url, std::string_view body,
                              const std::string& content_type, size_t max_bytes,
                              int timeout_seconds,
                              GetAddrInfoFn lookup = ::getaddrinfo);

// A DER OCSPRequest for `certificate_der` issued by `issuer_der` (SHA-1
// CertID, as every responder accepts), with a nonce.
Result<std::string> MakeOcspRequest(std::string_view certificate_der,
                                    std::string_view issuer_der);

struct OcspAnswer {
  enum class Status { kGood, kRevoked, kUnknown };
  Status status = Status::kUnknown;
  int64_t next_update = 0;  // 0: none given
  std::string reason;       // for kRevoked: when; for kUnknown: why
};
// Checks `response_der` against `request_der` (MakeOcspRequest's): a
// successful response, signed by the issuer or by a responder the issuer
// delegated (id-kp-OCSPSigning), current (5 minutes of clock skew allowed;
// without a nextUpdate, at most 7 days after its thisUpdate), about this
// certificate, with the request's nonce when it echoes one.
// INVALID_ARGUMENT saying why when the response cannot be trusted.
Result<OcspAnswer> CheckOcspResponse(std::string_view response_der,
                                     std::string_view request_der,
                                     std::string_view certificate_der,
                                     std::string_view issuer_der);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_REVOCATION_H_
