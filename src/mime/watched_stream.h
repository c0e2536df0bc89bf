// A GMimeStream that shows each slice read through it to a watcher before
// its reader gets it: mime::ParsedMessage watches what GMime's parser reads
// (boundary_lines.h). It reads, seeks and ends as the seekable stream it
// wraps, and its substreams are that stream's own (not watched): the
// parts of a parse read their content without it, though each holds a
// reference to it (GMime's super stream), so it outlives the parse:
// Unwatch it when the watcher goes.
//
// Thread-safety: as the wrapped stream (one thread at a time).
#ifndef SEALPOST_MIME_WATCHED_STREAM_H_
#define SEALPOST_MIME_WATCHED_STREAM_H_

#include <gmime/gmime.h>

#include <string_view>

namespace sealpost::mime::internal {

class ReadWatcher {
 public:
  virtual void Saw(std::string_view slice) = 0;

 protected:
  ~ReadWatcher() = default;
};

// A new stream (one reference, the caller's) over `inner` (which it
// references), showing `watcher` what is read until Unwatch.
GMimeStream* NewWatchedStream(GMimeStream* inner, ReadWatcher* watcher);
// From now on `stream` (NewWatchedStream's) shows nothing: its watcher
// may go.
void Unwatch(GMimeStream* stream);

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_WATCHED_STREAM_H_
