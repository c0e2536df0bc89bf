#include "mime/parsed_message.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>

#include "mime/gmime_util.h"
#include "mime/source_stream.h"

namespace sealpost::mime {

struct ParsedMessage::Impl {
  // Describes the borrowed bytes to the stream (NewBorrowedStream), which
  // keeps a pointer to it for as long as the message's parts read through
  // their substreams: hence on the heap, where a move does not take it.
  GByteArray array{};
  GMimeMessage* message = nullptr;
  // A parse over a source: the cursor its streams share.
  std::shared_ptr<internal::SourceCursor> cursor;

  // The header budget (kMaxHeaderFields, kMaxHeaderBytes), counted while
  // GMime parses, through `stream` (the parser's, during the parse only).
  GMimeStream* stream = nullptr;
  int fields = 0;
  int64_t field_bytes = 0;
  int64_t stopped_at = -1;

  ~Impl() {
    if (message != nullptr) g_object_unref(message);
  }

  void Parse(GMimeStream* s);
  void Stop();
  static void CountField(GMimeParser*, const char* name, const char* raw_value,
                         gint64, gpointer data);
};

// GMime's header regex callback (g_mime_parser_set_header_regex): called
// once per header field of every part, after the parser copied the field;
// a count and two strlen, where GMime copied the field's bytes twice.
void ParsedMessage::Impl::CountField(GMimeParser*, const char* name,
                                     const char* raw_value, gint64,
                                     gpointer data) {
  auto* impl = static_cast<Impl*>(data);
  if (impl->stopped_at >= 0) return;
  ++impl->fields;
  impl->field_bytes += static_cast<int64_t>(std::strlen(name)) +
                       static_cast<int64_t>(std::strlen(raw_value)) +
                       ParsedMessage::kHeaderFieldCost;
  if (impl->fields > ParsedMessage::kMaxHeaderFields ||
      impl->field_bytes > ParsedMessage::kMaxHeaderBytes) {
    impl->Stop();
  }
}

void ParsedMessage::Impl::Parse(GMimeStream* s) {
  stream = s;
  GMimeParser* parser = g_mime_parser_new_with_stream(s);
  // Every field: the empty pattern matches every name.
  g_mime_parser_set_header_regex(parser, "", CountField, this);
  message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  stream = nullptr;
}

void ParsedMessage::Impl::Stop() {
  // The stream ends where the parser has read to: what it still holds in
  // its read-ahead buffer (4 KB) is parsed, then it sees the end of the
  // message and builds no more fields or parts.
  stopped_at = g_mime_stream_tell(stream);
  if (cursor != nullptr) {
    cursor->Stop();
  } else {
    array.len = static_cast<guint>(
        std::min<int64_t>(std::max<int64_t>(stopped_at, 0), array.len));
  }
}

ParsedMessage::ParsedMessage(std::string_view bytes)
    : bytes_(bytes), impl_(std::make_unique<Impl>()) {
  GMimeStream* stream = internal::NewBorrowedStream(bytes, &impl_->array);
  impl_->Parse(stream);
  g_object_unref(stream);
}

ParsedMessage::ParsedMessage(std::unique_ptr<ByteSource> source)
    : impl_(std::make_unique<Impl>()) {
  internal::InitGmime();
  impl_->cursor = std::make_shared<internal::SourceCursor>(std::move(source));
  GMimeStream* stream = internal::NewSourceStream(impl_->cursor);
  impl_->Parse(stream);
  g_object_unref(stream);  // the parts hold their ranges of it
}

bool ParsedMessage::headers_over_limit() const {
  return impl_ != nullptr && impl_->stopped_at >= 0;
}

int64_t ParsedMessage::stopped_at() const {
  return impl_ == nullptr ? -1 : impl_->stopped_at;
}

Status ParsedMessage::source_status() const {
  if (impl_ == nullptr || impl_->cursor == nullptr) return Status::Ok();
  return impl_->cursor->status();
}

int64_t ParsedMessage::source_size() const {
  if (impl_ == nullptr || impl_->cursor == nullptr) return -1;
  return impl_->cursor->end();
}

ParsedMessage::~ParsedMessage() = default;
ParsedMessage::ParsedMessage(ParsedMessage&&) noexcept = default;
ParsedMessage& ParsedMessage::operator=(ParsedMessage&&) noexcept = default;

std::shared_ptr<internal::SourceCursor> ParsedMessage::source_cursor() const {
  return impl_ == nullptr ? nullptr : impl_->cursor;
}

GMimeMessage* ParsedMessage::get() const {
  return impl_ == nullptr ? nullptr : impl_->message;
}

}  // namespace sealpost::mime
