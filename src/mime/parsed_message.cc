#include "mime/parsed_message.h"

#include <gmime/gmime.h>

#include "mime/gmime_util.h"

namespace sealpost::mime {

struct ParsedMessage::Impl {
  // Describes the borrowed bytes to the stream (NewBorrowedStream), which
  // keeps a pointer to it for as long as the message's parts read through
  // their substreams: hence on the heap, where a move does not take it.
  GByteArray array{};
  GMimeMessage* message = nullptr;

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

ParsedMessage::~ParsedMessage() = default;
ParsedMessage::ParsedMessage(ParsedMessage&&) noexcept = default;
ParsedMessage& ParsedMessage::operator=(ParsedMessage&&) noexcept = default;

GMimeMessage* ParsedMessage::get() const {
  return impl_ == nullptr ? nullptr : impl_->message;
}

}  // namespace sealpost::mime
