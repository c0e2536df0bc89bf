// Pieces every GMime user in src/mime shares (internal to the module).
// g_mime_init() is not thread-safe, so every entry point calls InitGmime()
// first, and all share one std::once_flag.
#ifndef SEALPOST_MIME_GMIME_UTIL_H_
#define SEALPOST_MIME_GMIME_UTIL_H_

#include <gmime/gmime.h>

#include <string>
#include <string_view>

#include "mime/parsed_message.h"

namespace sealpost::mime::internal {

void InitGmime();

// A read-only GMime stream over `bytes` without copying them: GMime's own
// g_mime_stream_mem_new_with_buffer() copies, which for a 50 MB message is
// 50 MB more at every parse. `array` only describes the bytes (the stream
// does not own it, GMime never writes through it); it and the bytes must
// outlive the stream and everything parsed from it, since the parser's
// parts read their content through substreams of this one.
GMimeStream* NewBorrowedStream(std::string_view bytes, GByteArray* array);

// The message parse the module's readers share (parsed_message.h).
using ParsedMessage = mime::ParsedMessage;

// Calls `visit(GMimePart*)` on each leaf part of `object`, in order, until
// it returns false.
template <typename Visit>
void ForEachPart(GMimeObject* object, Visit visit) {
  GMimePartIter* iter = g_mime_part_iter_new(object);
  if (g_mime_part_iter_is_valid(iter)) {
    do {
      GMimeObject* cur = g_mime_part_iter_get_current(iter);
      if (GMIME_IS_PART(cur) && !visit(GMIME_PART(cur))) break;
    } while (g_mime_part_iter_next(iter));
  }
  g_mime_part_iter_free(iter);
}

// Leaf `index` as PartContent (view.h) numbers and names it, or nullptr
// (view.cc).
GMimeObject* DescribeLeaf(GMimeMessage* msg, int index, std::string* filename,
                          std::string* content_type);
// Its decoded content, as PartContent gives it, written to `sink`.
void WriteLeafContent(GMimeObject* leaf, bool crlf, GMimeStream* sink);

// A part's content decoded as GMime's data wrapper writes it
// (g_mime_data_wrapper_write_to_stream: the basic filter for base64,
// quoted-printable and uuencode, the bytes as they are otherwise), read
// from its first byte: a new stream, one reference, the caller's. The
// readers that decode a part a slice at a time (a part's size, the S/MIME
// verdict, MailFacts' content) go through it; the others write the part
// whole with g_mime_data_wrapper_write_to_stream (view.cc, wrapper.cc,
// DecodedSize in facts.cc), which applies the same basic filter, so what
// one reads is what another gives.
GMimeStream* NewDecodedStream(GMimeDataWrapper* content);
// Up to `max` bytes of a NewDecodedStream into `buf`: more than 0 unless
// at its end (a filter may take input and give nothing yet: a run of line
// breaks, read on), 0 at once for `max` 0, -1 when the stream fails.
ssize_t ReadDecoded(GMimeStream* decoded, char* buf, size_t max);

// The methods of a read-only GMimeStream subclass (source_stream.cc,
// watched_stream.cc): writing fails, flush and close do nothing.
// `finalize` frees what an instance holds, then calls FinalizeStream.
struct ReadOnlyStreamMethods {
  ssize_t (*read)(GMimeStream*, char*, size_t);
  gboolean (*eos)(GMimeStream*);
  int (*reset)(GMimeStream*);
  gint64 (*seek)(GMimeStream*, gint64, GMimeSeekWhence);
  gint64 (*tell)(GMimeStream*);
  gint64 (*length)(GMimeStream*);
  GMimeStream* (*substream)(GMimeStream*, gint64, gint64);
  void (*finalize)(GObject*);
};
// Registers such a subclass named `name` whose instances are
// `instance_size` bytes (a struct that starts with a GMimeStream). Once per
// name (keep the GType in a function-local static); `methods` must live
// as long as the program.
GType RegisterReadOnlyStream(const char* name, size_t instance_size,
                             const ReadOnlyStreamMethods* methods);
// GMimeStream's own finalize, the last step of a subclass's.
void FinalizeStream(GObject* object);

// Base64 in lines of 76 characters, each ending in CRLF (RFC 2045 §6.8).
std::string WrapBase64(std::string_view data);
// The same appended to `out`, a slice at a time: no whole-size temporary.
void AppendWrappedBase64(std::string_view data, std::string* out);
// What WrapBase64 makes of `n` bytes, in bytes.
size_t WrappedBase64Size(size_t n);
// An RFC 2045 token (a parameter value that needs no quotes).
bool IsToken(std::string_view s);

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_GMIME_UTIL_H_
