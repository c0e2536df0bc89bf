#include "mime/source_stream.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "mime/gmime_util.h"

namespace sealpost::mime::internal {

int64_t SourceCursor::Fail(Status s) {
  if (status_.ok()) status_ = std::move(s);
  return -1;
}

int64_t SourceCursor::ReadAt(int64_t offset, char* buf, size_t len) {
  if (!status_.ok()) return -1;
  if (stopped_ || len == 0 || (end_ >= 0 && offset >= end_)) return 0;
  if (offset < slice_at_) {
    if (++restarts_ > kMaxRestarts) {
      return Fail(InvalidArgumentError("message read back too many times"));
    }
    Status restarted = source_->Restart();
    if (!restarted.ok()) return Fail(restarted);
    slice_.clear();
    slice_at_ = 0;
    at_end_ = false;
  }
  while (offset >= slice_at_ + static_cast<int64_t>(slice_.size())) {
    if (at_end_) return 0;
    slice_at_ += static_cast<int64_t>(slice_.size());
    slice_.clear();
    auto n = source_->Read(kSlice, &slice_);
    if (!n.ok()) return Fail(n.status());
    if (*n == 0) {
      at_end_ = true;
      // Every pass must see the same bytes: a source that ends elsewhere
      // than the pass before changed under us.
      if (end_ >= 0 && end_ != slice_at_) {
        return Fail(DataLossError("message changed while it was read"));
      }
      end_ = slice_at_;
      return 0;
    }
  }
  size_t from = static_cast<size_t>(offset - slice_at_);
  size_t n = std::min(len, slice_.size() - from);
  std::memcpy(buf, slice_.data() + from, n);
  return static_cast<int64_t>(n);
}

namespace {

struct SpSourceStream {
  GMimeStream parent;
  std::shared_ptr<SourceCursor>* cursor;  // owned, shared with substreams
};

GType SpSourceStreamType();

SourceCursor& CursorOf(GMimeStream* s) {
  return **reinterpret_cast<SpSourceStream*>(s)->cursor;
}

ssize_t StreamRead(GMimeStream* s, char* buf, size_t len) {
  if (s->bound_end != -1) {
    if (s->position >= s->bound_end) return 0;
    len =
        std::min<size_t>(len, static_cast<size_t>(s->bound_end - s->position));
  }
  // As much as asked for, across the source's slices, as a stream over
  // memory gives it: GMime's parser reads some lines differently when a
  // read comes back short (a field name followed by blanks before its ':',
  // split by a short read, made no message of the whole).
  size_t done = 0;
  while (done < len) {
    int64_t n = CursorOf(s).ReadAt(s->position, buf + done, len - done);
    if (n <= 0) {
      if (done == 0) return static_cast<ssize_t>(n);
      break;  // a fault shows at the next read, as the cursor keeps it
    }
    s->position += n;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

gboolean StreamEos(GMimeStream* s) {
  if (CursorOf(s).stopped()) return TRUE;
  if (s->bound_end != -1) return s->position >= s->bound_end;
  int64_t end = CursorOf(s).end();
  return end >= 0 && s->position >= end;
}

int StreamReset(GMimeStream* s) {
  s->position = s->bound_start;
  return 0;
}

gint64 StreamSeek(GMimeStream* s, gint64 offset, GMimeSeekWhence whence) {
  gint64 real;
  switch (whence) {
    case GMIME_STREAM_SEEK_SET:
      real = s->bound_start + offset;
      break;
    case GMIME_STREAM_SEEK_CUR:
      real = s->position + offset;
      break;
    default: {
      gint64 end = s->bound_end != -1 ? s->bound_end : CursorOf(s).end();
      if (end < 0) return -1;  // not known before the end was read
      real = end + offset;
    }
  }
  if (real < s->bound_start || (s->bound_end != -1 && real > s->bound_end)) {
    return -1;
  }
  s->position = real;
  return real;
}

gint64 StreamTell(GMimeStream* s) { return s->position; }

gint64 StreamLength(GMimeStream* s) {
  gint64 end = s->bound_end != -1 ? s->bound_end : CursorOf(s).end();
  return end < 0 ? -1 : end - s->bound_start;
}

GMimeStream* NewStream(std::shared_ptr<SourceCursor> cursor, gint64 start,
                       gint64 end) {
  auto* s =
      static_cast<SpSourceStream*>(g_object_new(SpSourceStreamType(), nullptr));
  s->cursor = new std::shared_ptr<SourceCursor>(std::move(cursor));
  g_mime_stream_construct(&s->parent, start, end);
  return &s->parent;
}

GMimeStream* StreamSubstream(GMimeStream* s, gint64 start, gint64 end) {
  return NewStream(*reinterpret_cast<SpSourceStream*>(s)->cursor, start, end);
}

void StreamFinalize(GObject* object) {
  auto* s = reinterpret_cast<SpSourceStream*>(object);
  delete s->cursor;
  s->cursor = nullptr;
  FinalizeStream(object);
}

GType SpSourceStreamType() {
  static constexpr ReadOnlyStreamMethods kMethods{.read = StreamRead,
                                                  .eos = StreamEos,
                                                  .reset = StreamReset,
                                                  .seek = StreamSeek,
                                                  .tell = StreamTell,
                                                  .length = StreamLength,
                                                  .substream = StreamSubstream,
                                                  .finalize = StreamFinalize};
  static const GType type = RegisterReadOnlyStream(
      "SealpostSourceStream", sizeof(SpSourceStream), &kMethods);
  return type;
}

}  // namespace

GMimeStream* NewSourceStream(std::shared_ptr<SourceCursor> cursor) {
  return NewStream(std::move(cursor), 0, -1);
}

}  // namespace sealpost::mime::internal
