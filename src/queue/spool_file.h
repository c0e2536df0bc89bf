// SpoolFile: a message's bytes kept out of memory while it arrives over SMTP
// and until the protection stage has read it (issue 14): a crypto::Spool (an
// encrypted temporary file) as the ByteSpool the SMTP session writes. The key
// is 32 random bytes held only in memory by this object, so the file is
// unreadable once the process is gone; the file has no name (O_TMPFILE, or
// created and unlinked at once where the file system lacks O_TMPFILE), so it
// disappears when closed or when the process dies, and the spool directory is
// emptied at start-up for the second case (PrepareSpoolDir). Format: the
// streaming AEAD of crypto/streaming_aead.h (64 KiB segments), associated data
// "sealpost spool"; memory is one segment of plaintext and one write buffer,
// whatever the message's size. Reading back authenticates every segment and the
// end: a changed, cut or reordered file fails with the generic decryption
// error.
//
// Thread-safety: one thread at a time (the SMTP session writes it, then the
// protection stage reads it).
#ifndef SEALPOST_QUEUE_SPOOL_FILE_H_
#define SEALPOST_QUEUE_SPOOL_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_spool.h"
#include "base/status.h"
#include "crypto/spool.h"

namespace sealpost::queue {

// Messages up to this many bytes stay in memory; larger ones are spooled.
inline constexpr size_t kSpoolThreshold = 256 * 1024;

class SpoolFile final : public ByteSpool {
 public:
  // A new, empty spool in `dir` (which must exist). RESOURCE_EXHAUSTED when
  // the disk is full. `what` names it in the log line of a write that
  // fails ("smtp: spooling a message": the SMTP session's).
  static Result<std::unique_ptr<SpoolFile>> Create(
      const std::string& dir, std::string what = "smtp: spooling a message");

  Status Append(std::string_view bytes) override;
  Status Finish() override;
  int64_t size() const override { return spool_->size(); }
  // After Finish.
  Status Restart() override;
  Result<size_t> Read(size_t max, std::string* out) override;
  Result<std::unique_ptr<ByteSource>> Open() override;

  // For tests: the descriptor of the file (to find it in /proc, or change
  // its bytes).
  int fd_for_testing() const { return spool_->fd_for_testing(); }

 private:
  SpoolFile(std::shared_ptr<crypto::Spool> spool, std::string what)
      : spool_(std::move(spool)), what_(std::move(what)) {}
  Status Fail(Status s);

  std::shared_ptr<crypto::Spool> spool_;  // owned (shared with reader_)
  std::string what_;                      // for the log
  std::unique_ptr<ByteSource> reader_;    // after Finish
  Status failed_;  // the first write error; the spool is unusable after it
};

// Creates `dir` (0700) when missing and removes what an earlier process
// left in it (a spool file created where O_TMPFILE is missing, between its
// creation and its unlink). Run at start-up, before any session.
Status PrepareSpoolDir(const std::string& dir);

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_SPOOL_FILE_H_
