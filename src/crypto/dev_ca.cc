#include "crypto/dev_ca.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>

#include "base/files.h"

namespace sealpost::crypto {
namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using PKey = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Bio = std::unique_ptr<BIO, Free>;

PKey NewKey() { return PKey(EVP_EC_gen("P-256")); }

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

Cert NewCert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* signer,
             long days) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "O", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("Sealpost dev"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(),
                       issuer ? X509_get_subject_name(issuer) : name);
  (void)signer;
  return cert;
}

Status WritePem(const std::string& path, X509* cert, X509* chain,
                EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (cert) PEM_write_bio_X509(bio.get(), cert);
  if (chain) PEM_write_bio_X509(bio.get(), chain);
  if (key) {
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr,
                             nullptr);
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return WriteFileAtomic(path, std::string_view(data, len), key ? 0600 : 0644);
}

}  // namespace

Result<DevCaFiles> CreateDevCa(const std::string& dir) {
  PKey ca_key = NewKey();
  PKey leaf_key = NewKey();
  if (!ca_key || !leaf_key) return InternalError("EC key generation failed");

  Cert ca = NewCert(ca_key.get(), "Sealpost Dev CA", nullptr, nullptr, 3650);
  bool ok = AddExt(ca.get(), ca.get(), NID_basic_constraints,
                   "critical,CA:TRUE,pathlen:0") &&
            AddExt(ca.get(), ca.get(), NID_key_usage,
                   "critical,keyCertSign,cRLSign") &&
            AddExt(ca.get(), ca.get(), NID_subject_key_identifier, "hash") &&
            X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0;

  Cert leaf = NewCert(leaf_key.get(), "localhost", ca.get(), ca_key.get(), 825);
  ok = ok &&
       AddExt(leaf.get(), ca.get(), NID_basic_constraints,
              "critical,CA:FALSE") &&
       AddExt(leaf.get(), ca.get(), NID_key_usage,
              "critical,digitalSignature,keyEncipherment") &&
       AddExt(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth") &&
       AddExt(leaf.get(), ca.get(), NID_subject_alt_name,
              "DNS:localhost,IP:127.0.0.1,IP:::1") &&
       AddExt(leaf.get(), ca.get(), NID_authority_key_identifier,
              "keyid:always") &&
       X509_sign(leaf.get(), ca_key.get(), EVP_sha256()) > 0;
  if (!ok) return InternalError("creating the dev certificates failed");

  DevCaFiles files{dir + "/ca.pem", dir + "/ca.key", dir + "/server.pem",
                   dir + "/server.key"};
  SP_RETURN_IF_ERROR(WritePem(files.ca_cert, ca.get(), nullptr, nullptr));
  SP_RETURN_IF_ERROR(WritePem(files.ca_key, nullptr, nullptr, ca_key.get()));
  SP_RETURN_IF_ERROR(
      WritePem(files.server_cert, leaf.get(), ca.get(), nullptr));
  SP_RETURN_IF_ERROR(
      WritePem(files.server_key, nullptr, nullptr, leaf_key.get()));
  return files;
}

}  // namespace sealpost::crypto
