// SealedReader: reads a message.sealed container incrementally. The license
// is available without any key (to decide whether the reader may open it);
// decryption needs the signature checked first, then the content key.
// OpenStreamed (below) runs these steps over a read function for its
// callers (`sealpost open`, a transport release), asking them for the
// verifier and the key and handing them the plaintext.
//
//   SealedReader r;
//   while (!r.has_header() && read chunk) SP_RETURN_IF_ERROR(r.Update(chunk));
//   SP_RETURN_IF_ERROR(r.VerifySignature(org_verifier_for(r.license())));
//   ... check rights, unwrap the content key ...
//   SP_RETURN_IF_ERROR(r.SetContentKey(content_key));
//   out << r.TakeOutput();
//   while (read chunk) { SP_RETURN_IF_ERROR(r.Update(chunk)); out <<
//   r.TakeOutput(); } SP_RETURN_IF_ERROR(r.Finish()); out << r.TakeOutput();
//
// Output handed out before Finish() succeeds is authentic but may belong to a
// truncated container: discard it if Finish() fails. Every fault in the bytes
// after magic and version is DecryptionFailedError().
//
// Thread-safety: thread-compatible (one container, one thread at a time).
#ifndef SEALPOST_SEALED_SEALED_READER_H_
#define SEALPOST_SEALED_SEALED_READER_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/signature.h"
#include "crypto/streaming_aead.h"
#include "sealed/container.h"
#include "sealed/license.h"

namespace sealpost::sealed {

class SealedReader {
 public:
  // Ciphertext buffered while waiting for SetContentKey(), beyond which
  // Update() fails: callers must set the key once has_header().
  static constexpr size_t kMaxPendingBytes =
      kMaxLicenseSize + 2 * crypto::kStreamCiphertextSegmentSize;

  // Feeds container bytes. Decrypted plaintext accumulates for TakeOutput().
  Status Update(std::string_view bytes);
  bool has_header() const { return header_.has_value(); }
  // Valid once has_header(); not yet authenticated until VerifySignature().
  const PublishingLicense& license() const { return header_->license; }
  const SealedHeader& header() const { return *header_; }

  Status VerifySignature(const crypto::Verifier& verifier);
  // Needs a verified signature. Buffered ciphertext is decrypted now.
  Status SetContentKey(const SecretBytes& content_key);
  // Checks the stream ended properly; decrypts the last segment.
  Status Finish();
  // Plaintext decrypted so far and not yet taken.
  std::string TakeOutput();

 private:
  void MarkFailed();
  Status Fail();  // MarkFailed() and the generic error

  std::string pending_;  // header bytes, then ciphertext awaiting the key
  std::optional<SealedHeader> header_;
  bool verified_ = false;
  bool failed_ = false;
  std::optional<crypto::StreamDecryptor> stream_;
  std::string output_;
};

// Appends up to `max` container bytes to *out and says how many; 0 at the
// end. An error is handed back by OpenStreamed as it is.
using ReadFn = std::function<Result<size_t>(size_t max, std::string* out)>;

// The ReadFn of `source`, from where it stands (it must outlive the ReadFn).
inline ReadFn ReadOf(ByteSource& source) {
  return
      [&source](size_t max, std::string* out) { return source.Read(max, out); };
}

// Reads the header at the start of a container through `read`, never
// asking for a byte past it, into *head (empty at first). True once *head
// is the whole header (parsed, its signature not yet checked); false when
// the bytes cannot begin a container (a fault in them, or the end came
// first), *head holding what was read. An error of `read` is handed back
// as it is.
Result<bool> ReadHeader(const ReadFn& read, std::string* head);

// What OpenStreamed asks of its caller, in this order. The caller's own
// errors (a refusal, a failed write) are handed back as they are.
struct StreamedOpen {
  // The verifier of the org key the license names, given the license (not
  // yet verified) and the container's header as read (what a use license
  // is asked for with).
  std::function<Result<crypto::Verifier>(const PublishingLicense& license,
                                         std::string_view header)>
      verifier;
  // Asked only once the signature verified: the content key.
  std::function<Result<SecretBytes>(const PublishingLicense& license)>
      content_key;
  // Plaintext as each segment authenticates; the last only after the end
  // authenticated (see SealedReader on output before Finish()). It may be
  // given "" (a read that completed no segment). If OpenStreamed fails,
  // whatever it was given is to be discarded: a later segment, or the end,
  // did not authenticate, or a read failed.
  std::function<Status(std::string_view plaintext)> plaintext;
  // Container bytes asked of `read` at a time, after the header.
  size_t slice = 1 << 16;
};

// Opens a container read a slice at a time through `read`: the header
// first (only as many bytes as it needs), its signature verified, then the
// stream decrypted into `open.plaintext`, so memory stays flat whatever its
// size. A fault of the container itself (not a container, cut, a changed
// byte, a signature or key that does not fit) is one status for which
// IsContainerFault() is true, whatever the fault.
Status OpenStreamed(const ReadFn& read, const StreamedOpen& open);

// True for OpenStreamed's status of a container at fault.
bool IsContainerFault(const Status& status);

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_SEALED_READER_H_
