#include "mime/parsed_message.h"

#include <gmime/gmime.h>

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

  ~Impl() {
    if (message != nullptr) g_object_unref(message);
  }
};

ParsedMessage::ParsedMessage(std::string_view bytes)
    : bytes_(bytes), impl_(std::make_unique<Impl>()) {
  GMimeStream* stream = internal::NewBorrowedStream(bytes, &impl_->array);
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  impl_->message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  g_object_unref(stream);
}

ParsedMessage::ParsedMessage(std::unique_ptr<ByteSource> source)
    : impl_(std::make_unique<Impl>()) {
  internal::InitGmime();
  impl_->cursor = std::make_shared<internal::SourceCursor>(std::move(source));
  GMimeStream* stream = internal::NewSourceStream(impl_->cursor);
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  impl_->message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  g_object_unref(stream);  // the parts hold their ranges of it
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
