// ASN.1 times (certificate validity, CRL and OCSP updates) as Unix seconds:
// for crypto/'s sources only (OpenSSL stays in crypto/ and out of its public
// headers).
//
// Thread-safety: a pure function.
#ifndef SEALPOST_CRYPTO_ASN1_TIME_H_
#define SEALPOST_CRYPTO_ASN1_TIME_H_

#include <openssl/asn1.h>

#include <cstdint>
#include <ctime>

namespace sealpost::crypto {

// 0 for a missing or unreadable time (a UTCTime or a GeneralizedTime).
inline int64_t UnixOf(const ASN1_TIME* t) {
  if (t == nullptr) return 0;
  struct tm tm {};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_ASN1_TIME_H_
