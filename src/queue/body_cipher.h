// The queue's encryption at rest of a large message body, a segment at a
// time (issue 14): a message is encrypted as it is written to its body
// file and decrypted as it is sent, so that neither its ciphertext nor,
// on delivery, its plaintext is ever whole in memory. Small bodies keep
// the content key's one-shot AEAD (crypto/aead.h); BodyDecryptor reads
// both, so bodies queued before this format still deliver. Layout
// (docs/format.md "Queue bodies"):
//
//   magic "\0SQS" (4) | key length (2, big-endian) |
//   the body key (32 random bytes) under the content key (Aead, associated
//   data "sealpost queue body key" 0x00 ID) |
//   the body under the body key (crypto/streaming_aead.h, associated data
//   the queue id ID)
//
// An Aead ciphertext starts with its version byte (0x01), never 0x00. A
// body renamed to another id, cut short, reordered or spliced with
// another fails to decrypt.
//
// Thread-safety: BodyEncryptor and BodyDecryptor are thread-compatible.
#ifndef SEALPOST_QUEUE_BODY_CIPHER_H_
#define SEALPOST_QUEUE_BODY_CIPHER_H_

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "crypto/streaming_aead.h"
#include "queue/transport.h"
#include "store/body_store.h"
#include "store/store.h"

namespace sealpost::queue {

inline constexpr std::string_view kStreamedBodyMagic{"\0SQS", 4};

// True when `ciphertext` begins like the segmented format.
bool IsStreamedBody(std::string_view ciphertext);

class BodyEncryptor {
 public:
  // Appends the format's header to *out.
  static Result<BodyEncryptor> Create(const crypto::Aead& content_key,
                                      std::string_view id, std::string* out);
  // Appends the ciphertext of every segment `plaintext` completes.
  Status Update(std::string_view plaintext, std::string* out);
  // Appends the last segment. No call is valid afterwards.
  Status Finish(std::string* out);

 private:
  explicit BodyEncryptor(crypto::StreamEncryptor stream)
      : stream_(std::move(stream)) {}
  crypto::StreamEncryptor stream_;
};

class BodyDecryptor {
 public:
  BodyDecryptor(const crypto::Aead& content_key, std::string id)
      : key_(content_key), id_(std::move(id)) {}
  // Appends the plaintext of what `ciphertext` completes (nothing for a
  // one-shot body until Finish). Authentic, but only a prefix until
  // Finish() is OK.
  Status Update(std::string_view ciphertext, std::string* out);
  Status Finish(std::string* out);

 private:
  const crypto::Aead& key_;  // not owned: must outlive this object
  const std::string id_;
  std::string pending_;  // the header so far, or a one-shot ciphertext
  bool one_shot_ = false;
  std::optional<crypto::StreamDecryptor> stream_;
};

// Either format, whole (a body in its row).
Result<std::string> DecryptBody(const crypto::Aead& content_key,
                                std::string_view ciphertext,
                                std::string_view id);

// Encrypts `plaintext` into the store's staged body of message `id` a
// slice at a time (store::BodyStore::StartBody): nothing of the ciphertext is
// held whole. RESOURCE_EXHAUSTED when the disk is full; nothing is left behind
// on an error.
Status StageEncryptedBody(store::Store& store, const crypto::Aead& content_key,
                          std::string_view id, std::string_view plaintext);
// The same for a body given in pieces (a Received field, then the
// message), written one after the other.
Status StageEncryptedBody(store::Store& store, const crypto::Aead& content_key,
                          std::string_view id,
                          std::initializer_list<std::string_view> pieces);

// The same for a body read from `source` to its end (after `prefix`, e.g.
// a Received field), a slice at a time; `head` gets the first bytes of
// the source (up to `head_max`), for the caller to read its header
// fields. Returns how many bytes of the source were written.
Result<int64_t> StageEncryptedBody(store::Store& store,
                                   const crypto::Aead& content_key,
                                   std::string_view id, std::string_view prefix,
                                   ByteSource& source, std::string* head,
                                   size_t head_max);

// The plaintext of a queued body kept in a file (BodyStore::OpenBody), a
// slice at a time; NOT_FOUND when the body is in its row. `content_key`
// must outlive the reader.
Result<std::unique_ptr<ContentReader>> OpenStoredBody(
    store::Store& store, const crypto::Aead& content_key, std::string_view id);

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_BODY_CIPHER_H_
