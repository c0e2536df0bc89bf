#include "mime/gmime_util.h"

#include <mutex>

#include "base/encoding.h"

namespace sealpost::mime::internal {

void InitGmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

GMimeStream* NewBorrowedStream(std::string_view bytes, GByteArray* array) {
  InitGmime();
  // GByteArray's public fields are the whole of what a GMimeStreamMem reads
  // (data, len); set_byte_array leaves it unowned, so GMime never frees or
  // grows it.
  array->data =
      reinterpret_cast<guint8*>(const_cast<char*>(bytes.data()));  // read only
  array->len = static_cast<guint>(bytes.size());
  GMimeStream* stream = g_mime_stream_mem_new();
  g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(stream), array);
  return stream;
}

namespace {

ssize_t WriteNothing(GMimeStream*, const char*, size_t) { return -1; }
int DoNothing(GMimeStream*) { return 0; }

void InitReadOnlyStreamClass(gpointer klass, gpointer data) {
  const auto* m = static_cast<const ReadOnlyStreamMethods*>(data);
  G_OBJECT_CLASS(klass)->finalize = m->finalize;
  auto* c = static_cast<GMimeStreamClass*>(klass);
  c->read = m->read;
  c->write = WriteNothing;
  c->flush = DoNothing;
  c->close = DoNothing;
  c->eos = m->eos;
  c->reset = m->reset;
  c->seek = m->seek;
  c->tell = m->tell;
  c->length = m->length;
  c->substream = m->substream;
}

}  // namespace

GType RegisterReadOnlyStream(const char* name, size_t instance_size,
                             const ReadOnlyStreamMethods* methods) {
  static_assert(sizeof(GMimeStreamClass) <= G_MAXUINT16);
  g_return_val_if_fail(instance_size <= G_MAXUINT16, G_TYPE_INVALID);
  GTypeInfo info{};
  info.class_size = sizeof(GMimeStreamClass);
  info.class_init = InitReadOnlyStreamClass;
  info.class_data = methods;
  info.instance_size = static_cast<guint16>(instance_size);
  return g_type_register_static(GMIME_TYPE_STREAM, name, &info,
                                static_cast<GTypeFlags>(0));
}

void FinalizeStream(GObject* object) {
  G_OBJECT_CLASS(g_type_class_peek(GMIME_TYPE_STREAM))->finalize(object);
}

GMimeStream* NewDecodedStream(GMimeDataWrapper* content) {
  GMimeStream* raw = g_mime_data_wrapper_get_stream(content);  // not ours
  g_mime_stream_reset(raw);
  GMimeStream* filtered = g_mime_stream_filter_new(raw);
  GMimeContentEncoding encoding = g_mime_data_wrapper_get_encoding(content);
  switch (encoding) {
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
    case GMIME_CONTENT_ENCODING_UUENCODE: {
      GMimeFilter* filter = g_mime_filter_basic_new(encoding, FALSE);
      g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), filter);
      g_object_unref(filter);
      break;
    }
    default:
      break;
  }
  return filtered;
}

ssize_t ReadDecoded(GMimeStream* decoded, char* buf, size_t max) {
  // GMime's filter streams give 0, not at their end, for a read of 0.
  if (max == 0) return 0;
  for (;;) {
    ssize_t n = g_mime_stream_read(decoded, buf, max);
    if (n != 0 || g_mime_stream_eos(decoded)) return n;
  }
}

std::string WrapBase64(std::string_view data) {
  std::string out;
  AppendWrappedBase64(data, &out);
  return out;
}

size_t WrappedBase64Size(size_t n) {
  const size_t b64 = (n + 2) / 3 * 4;
  return b64 + (b64 + 75) / 76 * 2;
}

void AppendWrappedBase64(std::string_view data, std::string* out) {
  out->reserve(out->size() + WrappedBase64Size(data.size()));
  // 57 input bytes make one 76-character line; a slice of whole lines
  // keeps every line but the last full.
  constexpr size_t kSlice = 57 * 1024;
  for (size_t at = 0; at < data.size(); at += kSlice) {
    std::string b64 = Base64Encode(AsBytes(data.substr(at, kSlice)));
    for (size_t i = 0; i < b64.size(); i += 76) {
      out->append(b64, i, 76);
      *out += "\r\n";
    }
  }
}

bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= ' ' || u >= 0x7F ||
        std::string_view("()<>@,;:\\\"/[]?=").find(c) !=
            std::string_view::npos) {
      return false;
    }
  }
  return true;
}

}  // namespace sealpost::mime::internal
