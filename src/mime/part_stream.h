// One leaf part of a message that is never whole in memory, its decoded
// bytes read a slice at a time: what PartContent (view.h) gives, for a
// portal download or a `sealpost open` whose memory must not follow the
// message's size. The message comes from a ByteSource read from its start
// as often as needed: once for GMime to parse it (the part's content stays
// a range of the source: a persistent stream), once to count the part's
// decoded size, once to read it. Memory: one slice and the headers.
//
// The parse reads the source to its end before anything is given out, so
// a decrypting source (sealed/plaintext_source.h) has authenticated every
// segment, the last included, before the first byte leaves.
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_MIME_PART_STREAM_H_
#define SEALPOST_MIME_PART_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "base/byte_source.h"
#include "base/status.h"
#include "mime/parsed_message.h"

namespace sealpost::mime {

class PartStream {
 public:
  virtual ~PartStream() = default;
  virtual const std::string& filename() const = 0;      // as in ViewPart
  virtual const std::string& content_type() const = 0;  // as in ViewPart
  // Decoded bytes, counted before the first is read.
  virtual int64_t size() const = 0;
  // Appends up to `max` decoded bytes to *out; 0 at the end (after exactly
  // size() bytes, else DATA_LOSS). The source's error when it fails.
  virtual Result<size_t> Read(size_t max, std::string* out) = 0;
};

// Leaf `index` as numbered in MessageView::parts[].index. NOT_FOUND when
// there is no such leaf, INVALID_ARGUMENT when `message` is not a message
// or its parse goes over ParsedMessage's budget (HeadersOverLimitError),
// the source's own error when it fails (a container that does not
// authenticate). An attached message (message/rfc822) is given whole from
// memory, as PartContent does.
Result<std::unique_ptr<PartStream>> OpenPart(
    std::unique_ptr<ByteSource> message, int index);

// The first application/vnd.sealpost.sealed part of a wrapper mail (as
// ExtractSealedAttachment finds it); NOT_FOUND when it has none, errors
// otherwise as OpenPart's.
Result<std::unique_ptr<PartStream>> OpenSealedAttachment(
    std::unique_ptr<ByteSource> mail);

// The content of `parsed`'s top-level part, decoded as the in-memory
// facts decode it (MailFacts::smime_content: GMime's own decoding of the
// transfer encoding it read, whatever it is, from the body it found),
// read a slice at a time through the parse: over a source (a large
// message in its spool), one more pass over it, one slice in memory
// (issue 14: an S/MIME claim decided without the message whole). Empty
// for a part without content; NOT_FOUND when the top-level part is no
// leaf or `parsed` no message. A read fails with the source's fault
// (parsed.source_status()) when it fails. It holds what it reads (the
// part's content and the source's cursor): `parsed` may be moved from,
// and a parse over a source destroyed first (one over bytes must outlive
// it, as its bytes must).
Result<std::unique_ptr<ByteSource>> OpenTopLevelContent(
    const ParsedMessage& parsed);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_PART_STREAM_H_
