// libFuzzer target: arbitrary bytes as the DER of an inbound S/MIME message
// that the gateway decrypts (smime.decrypt_inbound): CmsDecrypt with a key
// and certificate of our own, made once at start. The bytes reach
// d2i_CMS_ContentInfo and CMS_decrypt's recipient matching as an attacker
// sends them. Invariants: no crash, no leak (ASan); a failure is always
// the one DecryptionFailedError (no oracle on which step failed).
//
// The same bytes then go to CmsDecryptStream (`sealpost open` of a large
// S/MIME message: its own BER reader in front of OpenSSL), read in slices
// of a size the first byte picks: a failure is DecryptionFailedError, and
// what it opens is what CmsDecrypt opens. And to CmsSignedDataSplit (an
// opaque signed layer streamed): what it splits verifies as the whole.
// And to IsCmsEnvelopedDataStream (the gateway's verdict on a large
// message): never EnvelopedData where IsCmsEnvelopedData in memory says
// not (it may be stricter, never laxer).
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/string_source.h"
#include "crypto/cms.h"
#include "crypto/errors.h"
#include "crypto/smime_cms.h"
#include "crypto/smime_cms_stream.h"
#include "self_signed.h"

namespace crypto = sealpost::crypto;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A 2048-bit RSA key and a self-signed certificate for it.
  static const sealpost::fuzz::SelfSigned* recipient =
      new sealpost::fuzz::SelfSigned(sealpost::fuzz::MakeSelfSigned(
          EVP_RSA_gen(2048), "fuzz@example.com"));
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto plain =
      crypto::CmsDecrypt(bytes, recipient->certificate, recipient->key);
  if (!plain.ok() &&
      plain.status().message() != crypto::DecryptionFailedError().message()) {
    std::abort();
  }
  const size_t slice = size == 0 ? 1 : 1 + data[0] % 64;
  sealpost::StringSource in(bytes, slice);
  const crypto::CmsKeyRef keys[] = {{recipient->certificate, &recipient->key}};
  std::string streamed;
  auto opened = crypto::CmsDecryptStream(in, keys, [&](std::string_view b) {
    streamed.append(b);
    return sealpost::Status::Ok();
  });
  if (!opened.ok()) {
    if (!crypto::IsDecryptionFailed(opened.status())) std::abort();
  } else if (!opened->has_value()) {
    if (!streamed.empty()) std::abort();
  } else if (plain.ok() && *plain != streamed) {
    std::abort();
  }
  sealpost::StringSource claimed(bytes, slice);
  auto enveloped = crypto::IsCmsEnvelopedDataStream(claimed);
  if (!enveloped.ok()) std::abort();  // the source never fails
  if (*enveloped && !crypto::IsCmsEnvelopedData(bytes)) std::abort();
  // The same bytes as an opaque SignedData split a slice at a time (an
  // opaque signed layer of `sealpost open`, same reader): a failure is
  // DecryptionFailedError; what it splits verifies as the whole does.
  sealpost::StringSource again(bytes, slice);
  std::string content;
  auto detached = crypto::CmsSignedDataSplit(again, [&](std::string_view b) {
    content.append(b);
    return sealpost::Status::Ok();
  });
  if (!detached.ok()) {
    if (!crypto::IsDecryptionFailed(detached.status())) std::abort();
    return 0;
  }
  crypto::CmsSignature whole = crypto::CmsVerifySignature(bytes, "");
  sealpost::StringSource content_source(content, slice);
  auto split = crypto::CmsVerifyDetachedStream(*detached, content_source);
  if (!split.ok()) std::abort();
  if (whole.verified && !content.empty() &&
      (!split->verified || whole.content != content)) {
    std::abort();
  }
  return 0;
}
