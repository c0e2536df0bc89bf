// Segmented streaming AEAD (AES-256-GCM with an HKDF-SHA256 per-stream key),
// modelled on Tink's AES-GCM-HKDF streaming AEAD but simpler. Encrypts and
// decrypts incrementally, so memory stays bounded by one segment whatever the
// message size. Byte layout in docs/format.md §3:
//
//   header:   version 0x01 | salt (32) | nonce prefix (7)
//   segments: each AES-256-GCM(plaintext segment) || tag (16); every
//             plaintext segment is 64 KiB except the last (0..64 KiB).
//
//   stream key    = HKDF-SHA256(ikm = key, salt, info = "sealpost stream v1")
//   segment nonce = nonce prefix (7) | segment index (4, big-endian) |
//                   last-segment flag (1: 0x00 or 0x01)
//   segment AD    = the caller's associated data (the same for every segment)
//
// Truncation, reordering, splicing between streams and trailing bytes all
// fail with the generic DecryptionFailedError().
//
// Thread-safety: StreamEncryptor and StreamDecryptor are thread-compatible
// (one stream, one thread at a time).
#ifndef SEALPOST_CRYPTO_STREAMING_AEAD_H_
#define SEALPOST_CRYPTO_STREAMING_AEAD_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"

namespace sealpost::crypto {

inline constexpr uint8_t kStreamVersion = 0x01;
inline constexpr size_t kStreamKeySize = 32;
inline constexpr size_t kStreamSaltSize = 32;
inline constexpr size_t kStreamNoncePrefixSize = 7;
inline constexpr size_t kStreamHeaderSize =
    1 + kStreamSaltSize + kStreamNoncePrefixSize;        // 40
inline constexpr size_t kStreamSegmentSize = 64 * 1024;  // plaintext
inline constexpr size_t kStreamTagSize = 16;
inline constexpr size_t kStreamCiphertextSegmentSize =
    kStreamSegmentSize + kStreamTagSize;
inline constexpr std::string_view kStreamHkdfInfo = "sealpost stream v1";

class StreamEncryptor {
 public:
  // `key` is the 32-byte content key; a fresh salt and nonce prefix are drawn.
  static Result<StreamEncryptor> Create(const SecretBytes& key,
                                        std::string_view associated_data);

  // Appends the stream header to *out; call once, before any Update.
  Status WriteHeader(std::string* out);
  // Appends the ciphertext of every segment completed by `plaintext`.
  Status Update(std::string_view plaintext, std::string* out);
  // Appends the final segment (possibly empty). No call is valid afterwards.
  Status Finish(std::string* out);

  // For test vectors only: fixed salt and nonce prefix instead of random.
  static Result<StreamEncryptor> CreateForTesting(
      const SecretBytes& key, std::string_view associated_data,
      std::string_view salt, std::string_view nonce_prefix);

 private:
  StreamEncryptor() = default;
  Status SealSegment(std::string_view plaintext, bool last, std::string* out);

  SecretBytes stream_key_;
  std::string header_;
  std::string nonce_prefix_;
  std::string associated_data_;
  std::string buffer_;  // < one segment of pending plaintext
  uint64_t segment_ = 0;
  enum class State { kNew, kStreaming, kDone, kFailed } state_ = State::kNew;
};

class StreamDecryptor {
 public:
  static Result<StreamDecryptor> Create(const SecretBytes& key,
                                        std::string_view associated_data);

  // Consumes ciphertext (header first) and appends the plaintext of every
  // segment that is complete and authenticated. A segment is decrypted only
  // once a byte after it has arrived, because only Finish() knows which one
  // is last. Output before a successful Finish() is authentic but may be a
  // prefix of a truncated stream: discard it if Finish() fails.
  Status Update(std::string_view ciphertext, std::string* out);
  // Decrypts the final segment; fails if the stream was cut short.
  Status Finish(std::string* out);

 private:
  StreamDecryptor() = default;
  Status OpenSegment(std::string_view segment, bool last, std::string* out);
  Status Fail();

  SecretBytes key_;
  SecretBytes stream_key_;
  std::string nonce_prefix_;
  std::string associated_data_;
  std::string buffer_;  // <= one ciphertext segment (+ header at start)
  uint64_t segment_ = 0;
  enum class State {
    kHeader,
    kStreaming,
    kDone,
    kFailed
  } state_ = State::kHeader;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_STREAMING_AEAD_H_
