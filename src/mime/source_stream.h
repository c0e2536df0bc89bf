// A GMimeStream over a ByteSource (base/byte_source.h): seekable, so GMime's
// parser keeps each part's content as a range of it (a persistent stream)
// instead of copying it, and reading a part goes back to its start by
// restarting the source and reading forward. Memory: one slice of the
// source, whatever the message's size.
//
// Thread-safety: one thread at a time (the stream and its substreams share
// one cursor).
#ifndef SEALPOST_MIME_SOURCE_STREAM_H_
#define SEALPOST_MIME_SOURCE_STREAM_H_

#include <gmime/gmime.h>

#include <cstdint>
#include <memory>
#include <string>

#include "base/byte_source.h"
#include "base/status.h"

namespace sealpost::mime::internal {

// Random reads over a forward-only source: going back restarts it.
class SourceCursor {
 public:
  // Restarts allowed per cursor: a part read twice (its size, then its
  // bytes) after the parse takes three passes; a message crafted to make
  // GMime seek back and forth must not cost a pass per seek.
  static constexpr int kMaxRestarts = 8;
  static constexpr size_t kSlice = 64 * 1024;

  explicit SourceCursor(std::unique_ptr<ByteSource> source)
      : source_(std::move(source)) {}
  // Up to `len` bytes at `offset`; 0 at the end; -1 on a fault (status()).
  int64_t ReadAt(int64_t offset, char* buf, size_t len);
  // The source's length once its end was reached, else -1.
  int64_t end() const { return end_; }
  // The first fault, or OK.
  const Status& status() const { return status_; }
  // Ends the source here: every read from now on is at its end (a parse
  // over the header budget, mime::ParsedMessage).
  void Stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

 private:
  int64_t Fail(Status s);

  std::unique_ptr<ByteSource> source_;
  std::string slice_;  // source bytes [slice_at_, slice_at_ + size)
  int64_t slice_at_ = 0;
  bool at_end_ = false;  // this pass reached the end
  int64_t end_ = -1;
  int restarts_ = 0;
  bool stopped_ = false;
  Status status_;
};

// A new stream (one reference, the caller's) reading `cursor` from 0.
GMimeStream* NewSourceStream(std::shared_ptr<SourceCursor> cursor);

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_SOURCE_STREAM_H_
