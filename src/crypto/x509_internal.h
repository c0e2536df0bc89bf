#ifndef SEALPOST_CRYPTO_X509_INTERNAL_H_
#define SEALPOST_CRYPTO_X509_INTERNAL_H_

// What x509.cc and x509_crl.cc share; not for other callers.

#include <openssl/x509.h>

#include <string>
#include <string_view>

#include "crypto/openssl_ptr.h"

namespace sealpost::crypto::internal {

// `name` as RFC 2253 text; empty when it cannot be printed.
std::string NameText(const X509_NAME* name);

// A whole DER certificate, nothing after it; null otherwise.
X509Ptr ParseDer(std::string_view der);

}  // namespace sealpost::crypto::internal

#endif  // SEALPOST_CRYPTO_X509_INTERNAL_H_
