#include "mime/watched_stream.h"

#include "mime/gmime_util.h"

namespace sealpost::mime::internal {
namespace {

struct SpWatchedStream {
  GMimeStream parent;
  GMimeStream* inner;  // one reference
  ReadWatcher* watcher;
};

GType SpWatchedStreamType();

SpWatchedStream& Of(GMimeStream* s) {
  return *reinterpret_cast<SpWatchedStream*>(s);
}

// The wrapper's own position follows the inner stream's, for any GMime
// code that reads the field rather than calling tell.
void Follow(GMimeStream* s) { s->position = g_mime_stream_tell(Of(s).inner); }

ssize_t StreamRead(GMimeStream* s, char* buf, size_t len) {
  const ssize_t n = g_mime_stream_read(Of(s).inner, buf, len);
  Follow(s);
  if (n > 0 && Of(s).watcher != nullptr) {
    Of(s).watcher->Saw(std::string_view(buf, static_cast<size_t>(n)));
  }
  return n;
}

gboolean StreamEos(GMimeStream* s) { return g_mime_stream_eos(Of(s).inner); }

int StreamReset(GMimeStream* s) {
  const int r = g_mime_stream_reset(Of(s).inner);
  Follow(s);
  return r;
}

gint64 StreamSeek(GMimeStream* s, gint64 offset, GMimeSeekWhence whence) {
  const gint64 r = g_mime_stream_seek(Of(s).inner, offset, whence);
  Follow(s);
  return r;
}

gint64 StreamTell(GMimeStream* s) { return g_mime_stream_tell(Of(s).inner); }
gint64 StreamLength(GMimeStream* s) {
  return g_mime_stream_length(Of(s).inner);
}

// The inner stream's class makes the substream: g_mime_stream_substream
// would also make the inner stream its super stream with a reference the
// caller's own g_mime_stream_substream (which makes this one the super
// stream) never drops.
GMimeStream* StreamSubstream(GMimeStream* s, gint64 start, gint64 end) {
  GMimeStream* inner = Of(s).inner;
  return GMIME_STREAM_GET_CLASS(inner)->substream(inner, start, end);
}

void StreamFinalize(GObject* object) {
  auto& s = *reinterpret_cast<SpWatchedStream*>(object);
  if (s.inner != nullptr) g_object_unref(s.inner);
  s.inner = nullptr;
  FinalizeStream(object);
}

GType SpWatchedStreamType() {
  static constexpr ReadOnlyStreamMethods kMethods{.read = StreamRead,
                                                  .eos = StreamEos,
                                                  .reset = StreamReset,
                                                  .seek = StreamSeek,
                                                  .tell = StreamTell,
                                                  .length = StreamLength,
                                                  .substream = StreamSubstream,
                                                  .finalize = StreamFinalize};
  static const GType type = RegisterReadOnlyStream(
      "SealpostWatchedStream", sizeof(SpWatchedStream), &kMethods);
  return type;
}

}  // namespace

GMimeStream* NewWatchedStream(GMimeStream* inner, ReadWatcher* watcher) {
  auto* s = static_cast<SpWatchedStream*>(
      g_object_new(SpWatchedStreamType(), nullptr));
  g_object_ref(inner);
  s->inner = inner;
  s->watcher = watcher;
  g_mime_stream_construct(&s->parent, 0, -1);
  Follow(&s->parent);
  return &s->parent;
}

void Unwatch(GMimeStream* stream) { Of(stream).watcher = nullptr; }

}  // namespace sealpost::mime::internal
