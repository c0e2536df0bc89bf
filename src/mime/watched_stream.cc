#include "mime/watched_stream.h"

namespace sealpost::mime::internal {
namespace {

struct SpWatchedStream {
  GMimeStream parent;
  GMimeStream* inner;  // one reference
  ReadWatcher* watcher;
};

struct SpWatchedStreamClass {
  GMimeStreamClass parent_class;
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

ssize_t StreamWrite(GMimeStream*, const char*, size_t) { return -1; }
int StreamFlush(GMimeStream*) { return 0; }
int StreamClose(GMimeStream*) { return 0; }
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

GObjectClass* parent_class = nullptr;

void StreamFinalize(GObject* object) {
  auto& s = *reinterpret_cast<SpWatchedStream*>(object);
  if (s.inner != nullptr) g_object_unref(s.inner);
  s.inner = nullptr;
  parent_class->finalize(object);
}

void ClassInit(gpointer klass, gpointer) {
  parent_class = G_OBJECT_CLASS(g_type_class_peek_parent(klass));
  G_OBJECT_CLASS(klass)->finalize = StreamFinalize;
  auto* c = static_cast<GMimeStreamClass*>(klass);
  c->read = StreamRead;
  c->write = StreamWrite;
  c->flush = StreamFlush;
  c->close = StreamClose;
  c->eos = StreamEos;
  c->reset = StreamReset;
  c->seek = StreamSeek;
  c->tell = StreamTell;
  c->length = StreamLength;
  c->substream = StreamSubstream;
}

GType SpWatchedStreamType() {
  static const GType type = [] {
    GTypeInfo info{};
    info.class_size = sizeof(SpWatchedStreamClass);
    info.class_init = ClassInit;
    info.instance_size = sizeof(SpWatchedStream);
    return g_type_register_static(GMIME_TYPE_STREAM, "SealpostWatchedStream",
                                  &info, static_cast<GTypeFlags>(0));
  }();
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
