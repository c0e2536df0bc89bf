// SpoolFile: a message's bytes kept out of memory while it arrives over SMTP
// and until the protection stage has read it (issue 14): an encrypted
// temporary file. The key is 32 random bytes held only in memory by this
// object, so the file is unreadable once the process is gone; the file has
// no name (O_TMPFILE, or created and unlinked at once where the file system
// lacks O_TMPFILE), so it disappears when closed or when the process dies,
// and the spool directory is emptied at start-up for the second case
// (PrepareSpoolDir). Format: the streaming AEAD of crypto/streaming_aead.h
// (64 KiB segments), associated data "sealpost spool"; memory is one
// segment of plaintext and one write buffer, whatever the message's size.
// Reading back authenticates every segment and the end: a changed, cut or
// reordered file fails with the generic decryption error.
//
// Thread-safety: one thread at a time (the SMTP session writes it, then the
// protection stage reads it).
#ifndef SEALPOST_QUEUE_SPOOL_FILE_H_
#define SEALPOST_QUEUE_SPOOL_FILE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_spool.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/streaming_aead.h"

namespace sealpost::queue {

// Messages up to this many bytes stay in memory; larger ones are spooled.
inline constexpr size_t kSpoolThreshold = 256 * 1024;

class SpoolFile final : public ByteSpool {
 public:
  // A new, empty spool in `dir` (which must exist). RESOURCE_EXHAUSTED when
  // the disk is full.
  static Result<std::unique_ptr<SpoolFile>> Create(const std::string& dir);
  ~SpoolFile() override;
  SpoolFile(const SpoolFile&) = delete;
  SpoolFile& operator=(const SpoolFile&) = delete;

  Status Append(std::string_view bytes) override;
  Status Finish() override;
  int64_t size() const override { return size_; }
  // After Finish.
  Status Restart() override;
  Result<size_t> Read(size_t max, std::string* out) override;

  // For tests: the descriptor of the file (to find it in /proc, or change
  // its bytes).
  int fd_for_testing() const { return fd_; }

 private:
  SpoolFile(int fd, SecretBytes key, crypto::StreamEncryptor encryptor)
      : fd_(fd), key_(std::move(key)), encryptor_(std::move(encryptor)) {}
  Status Flush();
  Status Fail(Status s);

  int fd_;
  SecretBytes key_;
  crypto::StreamEncryptor encryptor_;
  std::string pending_;  // ciphertext not yet written
  int64_t written_ = 0;  // ciphertext bytes in the file
  int64_t size_ = 0;     // plaintext bytes appended
  bool finished_ = false;
  Status failed_;  // the first write error; the spool is unusable after it
  // Reading back.
  std::optional<crypto::StreamDecryptor> decryptor_;
  int64_t read_at_ = 0;  // next ciphertext offset
  std::string plain_;    // decrypted, not yet handed out
  size_t plain_pos_ = 0;
  bool read_end_ = false;  // the last segment authenticated
};

// Creates `dir` (0700) when missing and removes what an earlier process
// left in it (a spool file created where O_TMPFILE is missing, between its
// creation and its unlink). Run at start-up, before any session.
Status PrepareSpoolDir(const std::string& dir);

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_SPOOL_FILE_H_
