// Spool: bytes too many to hold in memory (issue 14: a large request body,
// the container sealed from it), kept in an anonymous temporary file and
// read back a slice at a time. The file has no name (O_TMPFILE, or unlinked
// as soon as it is made), so nothing is left behind however the process ends,
// and what is written to it is encrypted (streaming AEAD,
// crypto/streaming_aead.h) under a key drawn for the spool and held only in
// memory: no plaintext at rest (SPEC §2), and a changed or cut file fails to
// read back.
//
// Thread-safety: written by one thread; once finished, each reader from
// Open() is used by one thread at a time, and readers may run at once.
#ifndef SEALPOST_CRYPTO_SPOOL_H_
#define SEALPOST_CRYPTO_SPOOL_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/streaming_aead.h"

namespace sealpost::crypto {

class Spool : public std::enable_shared_from_this<Spool> {
 public:
  // An empty spool in directory `dir` (0600, no name; empty dir: /tmp).
  // RESOURCE_EXHAUSTED when the disk is full.
  static Result<std::shared_ptr<Spool>> Create(const std::string& dir);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // RESOURCE_EXHAUSTED when the disk is full.
  Status Append(std::string_view bytes);
  // No Append afterwards; needed before Open().
  Status Finish();
  // The bytes appended (the plaintext size).
  int64_t size() const { return size_; }
  // A reader from the first byte, which keeps the spool (its file) while
  // it lives and knows its size; its Read fails (DecryptionFailedError)
  // when the file was changed or cut since it was written.
  Result<std::unique_ptr<SizedByteSource>> Open();
  // For tests: the file's descriptor (to find it in /proc, or change it).
  int fd_for_testing() const { return fd_; }

 private:
  class Reader;
  Spool(int fd, SecretBytes key) : fd_(fd), key_(std::move(key)) {}
  Status WriteAll(std::string_view bytes);

  int fd_;
  SecretBytes key_;
  std::optional<StreamEncryptor> encryptor_;
  std::string pending_;
  int64_t size_ = 0;
  int64_t file_size_ = 0;
  bool finished_ = false;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_SPOOL_H_
