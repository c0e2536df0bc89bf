// CMS EnvelopedData for S/MIME (RFC 8551 §3.3, RFC 5652 §6): the content
// encrypted once with a fresh AES-256-CBC key (what every S/MIME client
// reads; RFC 8551 §2.7 makes AES-128-CBC the floor), that key wrapped for
// each recipient certificate (RSA key transport, or ECDH key agreement for
// EC keys). The caller decides which certificates are usable
// (smime/certificate_directory.h); this layer only encrypts.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_SMIME_CMS_H_
#define SEALPOST_CRYPTO_SMIME_CMS_H_

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::crypto {

// The content ciphers S/MIME may use (Set-SmimeConfig
// -OWAEncryptionAlgorithms 660E, 660F, 6610); kAes256Gcm makes
// AuthEnvelopedData (RFC 5083, RFC 5084) instead of EnvelopedData.
enum class CmsCipher { kAes128Cbc, kAes192Cbc, kAes256Cbc, kAes256Gcm };
// Signature digests (-OWASigningAlgorithms 800C, 800D, 800E).
enum class CmsDigest { kSha256, kSha384, kSha512 };

struct CmsSignOptions {
  CmsDigest digest = CmsDigest::kSha256;
  // The SMIMECapabilities signed attribute (RFC 8551 §2.5.2), listing the
  // AES ciphers only; off, none is sent.
  bool capabilities = false;
};

// "sha-256", "sha-384", "sha-512": the micalg parameter (RFC 8551 §3.5.3.2).
std::string_view MicalgName(CmsDigest digest);

// DER ContentInfo(EnvelopedData, or AuthEnvelopedData for kAes256Gcm) of
// `content` (taken as binary: no line ending translation) for the DER
// certificates in `recipients`.
Result<std::string> CmsEncrypt(std::string_view content,
                               const std::vector<std::string>& recipients,
                               CmsCipher cipher = CmsCipher::kAes256Cbc);
// The same for the content that is `parts` one after the other (a MIME
// entity's fields and the body of the message it came from), without
// joining them first.
Result<std::string> CmsEncrypt(std::span<const std::string_view> parts,
                               const std::vector<std::string>& recipients,
                               CmsCipher cipher = CmsCipher::kAes256Cbc);

// The same for the content that is `parts`, then what `rest` gives from
// where it is to its end (a spooled message's body), written to `out` a
// slice at a time as it is made: neither the content nor the ContentInfo
// is ever whole in memory. The encoding is BER with indefinite lengths
// (RFC 5652 §6.1 allows it; every S/MIME reader takes it), not DER. A
// failure of `out` or `rest` is returned as it is.
Status CmsEncryptStream(std::span<const std::string_view> parts,
                        ByteSource& rest,
                        const std::vector<std::string>& recipients,
                        CmsCipher cipher,
                        const std::function<Status(std::string_view)>& out);

// A CMS ContentInfo made a slice at a time from content given a slice at a
// time (issue 14: mail too large to hold): an EnvelopedData (or
// AuthEnvelopedData) or an opaque SignedData in BER with indefinite lengths
// (RFC 5652 allows it; every S/MIME reader takes it), or a detached
// SignedData (multipart/signed), which is small and comes whole, in DER, at
// Finish. The same certificates, ciphers, digests and attributes as
// CmsEncrypt and CmsSign: a detached signature of the same content verifies
// the same way.
class CmsStreamWriter {
 public:
  static Result<std::unique_ptr<CmsStreamWriter>> Encrypt(
      const std::vector<std::string>& recipients, CmsCipher cipher);
  static Result<std::unique_ptr<CmsStreamWriter>> Sign(
      std::string_view certificate, const SecretBytes& private_key,
      const std::vector<std::string>& chain, bool detached,
      const CmsSignOptions& options);
  // A SignedData made already (CmsSignStream's detached DER over the
  // content that is then written, which nothing here checks: a verifier
  // does): `detached`, it comes whole at Finish; otherwise the opaque
  // SignedData with the same signature, the content in it as it is written
  // (BER, indefinite lengths, the eContent in chunks, as Sign makes it).
  // One signature for several copies of the same content (a protected
  // group's). INVALID_ARGUMENT when `detached_der` is not a detached
  // SignedData.
  static Result<std::unique_ptr<CmsStreamWriter>> Signed(
      std::string detached_der, bool detached);
  ~CmsStreamWriter();
  CmsStreamWriter(const CmsStreamWriter&) = delete;
  CmsStreamWriter& operator=(const CmsStreamWriter&) = delete;

  // Takes the next bytes of the content; appends to *out what is made of
  // the ContentInfo so far (nothing for a detached signature).
  Status Write(std::string_view content, std::string* out);
  // The content has ended: appends the rest of the ContentInfo (a detached
  // signature: all of it). Nothing may be written after.
  Status Finish(std::string* out);

 private:
  struct State;
  explicit CmsStreamWriter(std::unique_ptr<State> state);
  std::unique_ptr<State> s_;
};

// CmsSign(detached) over what `content` gives from its first byte to its
// end (Restart first), read a slice at a time: the same DER SignedData,
// without the content ever whole in memory. A failure of `content` is
// returned as it is.
Result<std::string> CmsSignStream(ByteSource& content,
                                  std::string_view certificate,
                                  const SecretBytes& private_key,
                                  const std::vector<std::string>& chain,
                                  const CmsSignOptions& options = {});

// A DER SignedData over `content` (SHA-256 by default, RFC 8551 §2.1), by the
// holder of the PKCS#8 `private_key` of `certificate`; the certificate and
// `chain` (DER, CAs without the root, OWAIncludeCertificateChain...) travel
// in it. `detached`: without the content (multipart/signed, RFC 8551
// §3.5.3), else with it (opaque signed-data, §3.5.2).
Result<std::string> CmsSign(std::string_view content,
                            std::string_view certificate,
                            const SecretBytes& private_key,
                            const std::vector<std::string>& chain,
                            bool detached, const CmsSignOptions& options = {});

// What a SignedData says, before anyone decides whether to trust its
// signer: whether every signature verifies over the content, the first
// signer's certificate and the certificates it carries (DER).
struct CmsSignature {
  bool verified = false;
  std::string reason;  // when not verified
  std::string signer;  // DER; empty when not found
  std::vector<std::string> certificates;
  std::string content;  // an opaque SignedData's content
};
// `detached`: the signed bytes of a multipart/signed (empty for an opaque
// SignedData, whose content is returned). The signer's chain is not
// checked here (the certificate directory does it with the CAs on file).
CmsSignature CmsVerifySignature(std::string_view der,
                                std::string_view detached);

// CmsVerifySignature of a detached SignedData `der` over what `content`
// gives from its first byte to its end (Restart first), digested as it is
// read a slice at a time, never whole in memory (issue 14: a large
// multipart/signed's first part, spooled). The same results as
// CmsVerifySignature over the same bytes; a failure of `content` is
// returned as it is (then nothing was verified).
Result<CmsSignature> CmsVerifyDetachedStream(std::string_view der,
                                             ByteSource& content);

// A certificate (DER) and its private key (PKCS#8), owned by the caller:
// the key itself, or, when `private_key` is null, `unwrap` to get it,
// called only for a certificate that one of the RecipientInfos names (a
// user's keys are wrapped on file: only the one that opens is unwrapped).
struct CmsKeyRef {
  std::string_view certificate;
  const SecretBytes* private_key = nullptr;
  std::function<Result<SecretBytes>()> unwrap;
};

// The content of a DER EnvelopedData or AuthEnvelopedData `der` (parsed
// once), into *content, opened with the first of `keys` whose certificate
// a RecipientInfo names (issuer and serial, or subject key identifier) and
// whose key OpenSSL takes for it: that key's index. Only a named
// certificate's key is parsed (unwrapped first when it comes wrapped); one
// that does not unwrap is passed over, its error returned when no other
// key is taken. nullopt when none is, or `der` does not parse;
// DecryptionFailedError when the content does not open with the key taken
// (the next key is not tried: OpenSSL takes any named RSA key, a wrong one
// with a random content key; a wrong EC key is not taken, and the next
// one is tried). CmsDecryptStream (smime_cms_stream.h)
// chooses its key by the same rule and answers alike.
Result<std::optional<size_t>> CmsDecrypt(std::string_view der,
                                         std::span<const CmsKeyRef> keys,
                                         std::string* content);

// The content of a DER EnvelopedData or AuthEnvelopedData, for the holder of
// the PKCS#8 `private_key` whose certificate is `certificate` (DER).
// DecryptionFailedError() on any failure.
Result<std::string> CmsDecrypt(std::string_view der,
                               std::string_view certificate,
                               const SecretBytes& private_key);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_SMIME_CMS_H_
