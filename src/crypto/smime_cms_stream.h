// CMS EnvelopedData and AuthEnvelopedData opened a slice at a time (issue 14:
// `sealpost open` of S/MIME mail without holding it). The ContentInfo is read
// from a ByteSource, DER or BER (definite or indefinite lengths, the
// encryptedContent primitive or in chunks, as CmsEncryptStream and
// `openssl cms -encrypt -stream` make it): everything before the
// encryptedContent is read (1 MiB at most) and given to OpenSSL's CMS
// without the content, which unwraps the content key; the ciphertext is
// then decrypted as it is read, never whole in memory.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_SMIME_CMS_STREAM_H_
#define SEALPOST_CRYPTO_SMIME_CMS_STREAM_H_

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/smime_cms.h"

namespace sealpost::crypto {

// Decrypts the EnvelopedData (AES-CBC) or AuthEnvelopedData (AES-GCM)
// read from `in` (from where it stands) with the first of `keys` whose
// certificate a RecipientInfo names (issuer and serial, or subject key
// identifier), by the rule of CmsDecrypt over `keys`, writing the content
// to `out` a slice at a time. Gives that key's index, or nullopt when
// none of `keys` is a recipient (nothing is written then). A key whose
// `unwrap` fails is passed over; its error is returned when no other
// named key opens.
//
// OK only when the whole input was read, its structure closed, the
// padding or the GCM tag (which comes after the content) checked and
// nothing follows: on any error the bytes already given to `out` are not
// the content and must be thrown away. For AES-GCM that includes all of
// them until OK: `out` must be a spool or a temporary file that is
// released only on OK, never the user. DecryptionFailedError() for
// anything malformed, truncated or that does not decrypt or authenticate
// (an AuthEnvelopedData with authAttrs too: they are authenticated before
// the content but sent after it); an error of `in` or `out` as it is.
Result<std::optional<size_t>> CmsDecryptStream(
    ByteSource& in, std::span<const CmsKeyRef> keys,
    const std::function<Status(std::string_view)>& out);

// An opaque SignedData (DER or BER, as `openssl cms -sign -nodetach
// -stream` and CmsStreamWriter make it) read from `in` (from where it
// stands) with the same reader: its eContent (primitive or in chunks) is
// handed to `content` a slice at a time, and the rest is given back as a
// detached SignedData (everything but the eContent, 1 MiB at most), for
// CmsVerifyDetachedStream over what `content` got. OK only when the whole
// input was read, its structure closed and nothing follows; otherwise
// DecryptionFailedError() (malformed), or an error of `in` or `content`
// as it is; what `content` got is then not the content.
Result<std::string> CmsSignedDataSplit(
    ByteSource& in, const std::function<Status(std::string_view)>& content);

// crypto::IsCmsEnvelopedData (cms.h) for a ContentInfo read from `in`
// (from where it stands) with the same reader, never whole in memory (the
// gateway's check of a large message that claims S/MIME encryption): true
// when it is an EnvelopedData or AuthEnvelopedData whose part before the
// encryptedContent OpenSSL parses with at least one RecipientInfo, its
// encryptedContent (when present) well formed, every construction closed
// and nothing after it; false for anything else. Errors: `in`'s, as they
// are (but a DecryptionFailedError of `in`, which reads as malformed).
Result<bool> IsCmsEnvelopedDataStream(ByteSource& in);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_SMIME_CMS_STREAM_H_
