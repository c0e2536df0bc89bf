// S/MIME encryption benchmark (SPEC §5): messages per second through
// smime::EncryptMail (split the entity, CMS EnvelopedData with AES-256-CBC,
// base64, the outgoing message) against raw OpenSSL CMS_encrypt of the same
// bytes to the same RSA-2048 certificate, 4 KB and 1 MB, in the same run.
// Target: ours at least 80% of raw. The certificate is made by the openssl
// command line.
//
// Output: one "key value" per line.
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/x509.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "crypto/test_pki_for_testing.h"
#include "smime/enveloped_mail.h"

namespace sealpost {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Run(const std::string& der, size_t size) {
  std::string body(size, 'x');
  for (size_t i = 76; i < body.size(); i += 78) body.replace(i, 2, "\r\n");
  std::string message =
      "From: a@example.com\r\nTo: b@partner.test\r\nSubject: bench\r\n"
      "Content-Type: text/plain\r\n\r\n" +
      body;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  STACK_OF(X509)* certs = sk_X509_new_null();
  sk_X509_push(certs, cert);
  auto raw_once = [&] {
    BIO* in = BIO_new_mem_buf(message.data(), static_cast<int>(message.size()));
    CMS_ContentInfo* cms =
        CMS_encrypt(certs, in, EVP_aes_256_cbc(), CMS_BINARY);
    unsigned char* out = nullptr;
    int n = i2d_CMS_ContentInfo(cms, &out);
    if (cms == nullptr || n <= 0) std::abort();
    OPENSSL_free(out);
    CMS_ContentInfo_free(cms);
    BIO_free(in);
  };
  auto ours_once = [&] {
    auto mail = smime::EncryptMail(message, {der});
    if (!mail.ok()) std::abort();
  };
  // Interleaved, so that a busy machine slows both alike.
  raw_once();
  ours_once();
  double raw_s = 0, ours_s = 0;
  int n = 0;
  for (auto start = Clock::now(); Seconds(start, Clock::now()) < 4.0; ++n) {
    auto a = Clock::now();
    raw_once();
    auto b = Clock::now();
    ours_once();
    auto c = Clock::now();
    raw_s += Seconds(a, b);
    ours_s += Seconds(b, c);
  }
  double raw = n / raw_s, ours = n / ours_s;
  sk_X509_pop_free(certs, X509_free);
  std::printf("raw_cms_encrypt_%zu_per_s %.1f\n", size, raw);
  std::printf("smime_encrypt_mail_%zu_per_s %.1f\n", size, ours);
  std::printf("smime_encrypt_mail_%zu_percent_of_raw %.1f\n", size,
              100.0 * ours / raw);
}

}  // namespace
}  // namespace sealpost

int main() {
  sealpost::crypto::testing::TestPki pki;
  pki.MakeLeaf("bob", "bob@partner.test");
  std::string der = pki.Read("bob.der");
  sealpost::Run(der, 4096);
  sealpost::Run(der, 1 << 20);
  return 0;
}
