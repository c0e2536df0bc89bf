// S/MIME made from a message too large to hold (issue 14): each layer is a
// ByteSource that reads the layer inside it a slice at a time and gives
// its own bytes a slice at a time, so that sign, encrypt and sign again
// chain without any layer ever whole in memory. The bytes are those of
// the in-memory makers (signed_mail.h, enveloped_mail.h) but for the CMS,
// which is BER with indefinite lengths where it carries the content (an
// opaque signed-data or an enveloped-data; a detached signature is DER):
// each verifies and decrypts the same way.
//
// Thread-safety: one thread at a time per object.
#ifndef SEALPOST_SMIME_STREAMED_MAIL_H_
#define SEALPOST_SMIME_STREAMED_MAIL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/prefixed_source.h"
#include "base/status.h"
#include "crypto/smime_cms.h"
#include "smime/certificate_directory.h"
#include "smime/smime_config.h"

namespace sealpost::smime {

// A spooled message's MIME entity: `head` (EntitySplit's head: the
// Content-* fields and the empty line), then `message` from its byte
// `body_at` on (where its body starts).
using EntitySource = PrefixedSource;

// Whether SignEntity would clear-sign the entity `entity` gives (read
// whole from its first byte, a slice at a time): OWAClearSign on, the
// entity 7-bit clean (SevenBitCheck) and without `boundary`.
Result<bool> ClearSignable(ByteSource& entity, std::string_view boundary,
                           const SmimeOptions& options);

// How SignEntity would sign what `entity` gives: under a new boundary
// (NewSignedBoundary), clear-signed when ClearSignable says so for it.
struct SigningForm {
  std::string boundary;
  bool clear = false;
};
Result<SigningForm> SigningFormOf(ByteSource& entity,
                                  const SmimeOptions& options);

// SigningFormOf (under `boundary`, a new one: NewSignedBoundary) and
// crypto::CmsSignStream by `signer` of what `entity` gives from its first
// byte, in ONE reading of it: the form is decided on the bytes as the
// signer reads them. The detached signature does not depend on the form
// (PresignedEntityStream carries it clear or, opaque, with the content
// inserted). A failure of `entity` is returned as it is.
struct PresignedEntity {
  SigningForm form;
  std::string signature;  // a detached DER SignedData
};
Result<PresignedEntity> PresignEntity(ByteSource& entity,
                                      const SigningIdentity& signer,
                                      std::string boundary,
                                      const SmimeOptions& options);

// SignEntity of what `entity` gives (read once, from where it is), with
// `prefix` in front (the outer fields, MIME-Version and a rule's added
// fields of the outermost layer; "" for a layer inside another): with
// `clear` (ClearSignable's answer; known for an encrypted entity, whose
// base64 always is) a multipart/signed whose first part is the entity as
// it is read, its detached signature made as it goes; else an opaque
// signed-data, its SignedData (BER) in base64. Read once: Restart fails
// after the first Read. The signer's key is parsed here, before a byte is
// read, and refused as CmsSign refuses it.
Result<std::unique_ptr<ByteSource>> SignedEntityStream(
    std::unique_ptr<ByteSource> entity, const SigningIdentity& signer,
    std::string_view boundary, bool clear, const SmimeOptions& options,
    std::string prefix = {});

// SignedEntityStream with the signature made already: `signature`, a
// detached SignedData over what `entity` will give (crypto::CmsSignStream
// of it), carried clear-signed or, opaque, with the content inserted
// (crypto::CmsStreamWriter::Signed). Several copies of one entity then
// carry one signature, as SignEntity's in memory.
Result<std::unique_ptr<ByteSource>> PresignedEntityStream(
    std::unique_ptr<ByteSource> entity, std::string signature,
    std::string_view boundary, bool clear, const SmimeOptions& options,
    std::string prefix = {});

// EncryptToEntity of what `entity` gives (read once, from where it is),
// with `prefix` in front (as above), a slice at a time. The certificates
// are parsed here, before a byte is read, and refused as CmsEncrypt
// refuses them.
Result<std::unique_ptr<ByteSource>> EnvelopedStream(
    std::unique_ptr<ByteSource> entity,
    const std::vector<std::string>& recipients, crypto::CmsCipher cipher,
    std::string prefix = {});

// The S/MIME message of `entity` (an EntitySource, at its first byte),
// as ProtectMail and the gateway make it in memory: signed by `signer`
// when set (clear-signed under `boundary` when `clear`, ClearSignable's
// answer), encrypted for `recipients`, and signed again with
// OWATripleWrapSignedEncryptedMail; `prefix` in front (the outer fields,
// MIME-Version, and a rule's added fields before them). Every key and
// certificate is parsed here, before a byte is read.
Result<std::unique_ptr<ByteSource>> SmimeMailStream(
    std::unique_ptr<ByteSource> entity,
    const std::vector<std::string>& recipients, const SigningIdentity* signer,
    std::string_view boundary, bool clear, const SmimeOptions& options,
    std::string prefix);

// SmimeMailStream's layers after the first signature: `entity` (signed
// already when `signer` is set) encrypted for `recipients`, then, with
// `signer` and OWATripleWrapSignedEncryptedMail, signed again; `prefix`
// in front.
Result<std::unique_ptr<ByteSource>> EncryptedMailStream(
    std::unique_ptr<ByteSource> entity,
    const std::vector<std::string>& recipients, const SigningIdentity* signer,
    const SmimeOptions& options, std::string prefix);

// Everything `source` gives from where it is, to `out` a slice at a time.
Status CopySource(ByteSource& source,
                  const std::function<Status(std::string_view)>& out);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_STREAMED_MAIL_H_
