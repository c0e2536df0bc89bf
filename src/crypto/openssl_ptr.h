// Owning pointers to OpenSSL objects, each freed by its own function: for
// crypto/'s sources only (OpenSSL stays in crypto/ and out of its public
// headers).
//
// Thread-safety: as the objects they own.
#ifndef SEALPOST_CRYPTO_OPENSSL_PTR_H_
#define SEALPOST_CRYPTO_OPENSSL_PTR_H_

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>

namespace sealpost::crypto {

template <typename T, void (*Free)(T*)>
struct OpenSslFree {
  void operator()(T* p) const { Free(p); }
};
// A T that `Free` releases.
template <typename T, void (*Free)(T*)>
using OpenSslPtr = std::unique_ptr<T, OpenSslFree<T, Free>>;

using BioPtr = OpenSslPtr<BIO, BIO_free_all>;
using X509Ptr = OpenSslPtr<X509, X509_free>;
using PkeyPtr = OpenSslPtr<EVP_PKEY, EVP_PKEY_free>;

// A stack of certificates and the certificates on it.
inline void FreeX509Stack(STACK_OF(X509) * s) {
  sk_X509_pop_free(s, X509_free);
}
using X509StackPtr = OpenSslPtr<STACK_OF(X509), FreeX509Stack>;

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_OPENSSL_PTR_H_
