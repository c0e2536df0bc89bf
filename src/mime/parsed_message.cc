#include "mime/parsed_message.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <utility>

#include "mime/boundary_lines.h"
#include "mime/gmime_util.h"
#include "mime/source_stream.h"
#include "mime/watched_stream.h"

namespace sealpost::mime {

struct ParsedMessage::Impl final : internal::ReadWatcher {
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
  // The lines GMime makes a part of, priced kPartCost each (during the
  // parse only).
  internal::BoundaryLines boundaries;
  int64_t part_lines = 0;

  ~Impl() {
    if (message != nullptr) g_object_unref(message);
  }

  void Parse(GMimeStream* s);
  void Stop();
  void Charge(int64_t bytes);
  void Saw(std::string_view slice) override {
    if (stopped_at < 0) ChargeParts(boundaries.Read(slice));
  }
  void ChargeParts(int64_t lines) {
    part_lines += lines;
    Charge(lines * kPartCost);
  }
  void DeclareBoundary(const char* content_type);
  static void CountField(GMimeParser*, const char* name, const char* raw_value,
                         gint64, gpointer data);
};

namespace {

// The fields GMime 3.2.13 parses into objects as it builds a header
// block: the address lists of a message (gmime-message.c,
// message_headers) and the parameters of a part (gmime-object.c).
bool BuildsObjects(std::string_view name) {
  static constexpr std::string_view kNames[] = {
      "From", "Sender", "Reply-To",     "To",
      "Cc",   "Bcc",    "Content-Type", "Content-Disposition"};
  return std::ranges::any_of(kNames, [&](std::string_view known) {
    return name.size() == known.size() &&
           g_ascii_strncasecmp(name.data(), known.data(), known.size()) == 0;
  });
}

// The items GMime builds an object for from a field's value. Its address
// parser makes a mailbox of each ',' or '@' item, but also of each "<x>"
// with no separator between them, and a group and its list of each "g:"
// (two items); its parameter parser a parameter of each "a=1", ';' or
// not. So a field GMime builds objects from counts its separators (','
// ';' '<' '=', ':' twice) or its '@', whichever is more, and at least one
// item per kBytesPerItem bytes of its value, whatever separates them.
// Measured with GMime 3.2.13 in a message/rfc822 part, per byte of
// value: "<x>" 98 bytes of heap, "x," 146, "g:;" 155, "g:x;" 193,
// "; a=1" 85, " a=1" 32; each is priced higher. Any other field counts
// its ',' and ';' or its '@', whatever GMime reads into objects: a plain
// field holds few of them (and a Received: or DKIM-Signature: many ':'
// and '=', which would make a digest cost too much).
constexpr int64_t kBytesPerItem = 3;

// GMime 3.2.13's address parser recurses once per group ("g:") it opens,
// closed or not: 40,000 of them in one To: (80 KB, well under
// smtp.max_header_bytes) overflow an 8 MiB stack and kill the process.
// A real address field opens a group or two (ParsedMessage::
// kMaxAddressGroups).

bool IsAddressField(std::string_view name) {
  return BuildsObjects(name) &&
         g_ascii_strncasecmp(name.data(), "Content-", 8) != 0;
}

int64_t FieldItems(std::string_view name, std::string_view value) {
  const bool builds_objects = BuildsObjects(name);
  int64_t separators = 0;
  int64_t at_signs = 0;
  for (char c : value) {
    if (c == ',' || c == ';') ++separators;
    if (builds_objects && (c == '<' || c == '=')) ++separators;
    if (builds_objects && c == ':') separators += 2;
    if (c == '@') ++at_signs;
  }
  const int64_t items = std::max(separators, at_signs);
  if (!builds_objects) return items;
  return std::max(items, static_cast<int64_t>(value.size()) / kBytesPerItem);
}

}  // namespace

// GMime's header regex callback (g_mime_parser_set_header_regex): called
// once per header field of every part, after the parser copied the field
// and before it builds the objects of the field's header block from the
// copies. Over the budget, the copy is emptied (GMime 3.2's parser hands
// the callback its own g_strdup'ed raw_value, which it reads again to
// build the block: gmime-parser.c, header_buffer_parse), so that neither
// this field nor the rest of its block is built into objects: a 12 MB
// To: with 3 million addresses would be 860 MB of them.
#if !GMIME_CHECK_VERSION(3, 2, 0) || GMIME_CHECK_VERSION(3, 3, 0)
#error \
    "ParsedMessage::Impl::CountField writes into GMime's raw_value, \
which GMime 3.2's header_buffer_parse (gmime-parser.c) g_strdup's and \
reads again to build the header block. Re-check that this GMime still \
hands the callback a writable copy it builds the block from, then widen \
this range."
#endif
void ParsedMessage::Impl::CountField(GMimeParser*, const char* name,
                                     const char* raw_value, gint64,
                                     gpointer data) {
  auto* impl = static_cast<Impl*>(data);
  // GMime's own copy, which is not const (see above).
  auto* value = const_cast<char*>(raw_value);
  if (impl->stopped_at >= 0) {
    value[0] = '\0';
    return;
  }
  const std::string_view text(value);
  ++impl->fields;
  const std::string_view field_name(name);
  impl->field_bytes +=
      static_cast<int64_t>(field_name.size()) +
      static_cast<int64_t>(text.size()) + ParsedMessage::kHeaderFieldCost +
      FieldItems(field_name, text) * ParsedMessage::kFieldItemCost;
  if (impl->fields > ParsedMessage::kMaxHeaderFields ||
      impl->field_bytes > ParsedMessage::kMaxHeaderBytes ||
      (IsAddressField(field_name) &&
       std::ranges::count(text, ':') > ParsedMessage::kMaxAddressGroups)) {
    value[0] = '\0';
    impl->Stop();
    return;
  }
  if (g_ascii_strcasecmp(name, "Content-Type") == 0) {
    impl->DeclareBoundary(value);
  }
}

// The boundary as GMime will read it from the field, of any type: GMime
// parses the value unfolded, its 8-bit bytes made UTF-8 (a folded
// boundary="a\r\n b" is "a b", boundary=b\xe9 is "b\xc3\xa9"), with its
// own parser; the value as it came is read too. A boundary that makes no
// part only prices more lines.
void ParsedMessage::Impl::DeclareBoundary(const char* raw_value) {
  char* unfolded = g_mime_utils_header_unfold(raw_value);
  char* decoded =
      g_mime_utils_decode_8bit(nullptr, unfolded, std::strlen(unfolded));
  for (const char* value : {static_cast<const char*>(decoded), raw_value}) {
    GMimeContentType* type = g_mime_content_type_parse(nullptr, value);
    if (type == nullptr) continue;
    const char* boundary = g_mime_content_type_get_parameter(type, "boundary");
    if (boundary != nullptr) ChargeParts(boundaries.Declare(boundary));
    g_object_unref(type);
  }
  g_free(decoded);
  g_free(unfolded);
}

void ParsedMessage::Impl::Charge(int64_t bytes) {
  field_bytes += bytes;
  if (field_bytes > ParsedMessage::kMaxHeaderBytes && stopped_at < 0) Stop();
}

void ParsedMessage::Impl::Parse(GMimeStream* s) {
  // The parser reads through a watched stream, which shows each slice to
  // Saw (the part lines) before the parser gets it.
  stream = internal::NewWatchedStream(s, this);
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  // Every field: the empty pattern matches every name.
  g_mime_parser_set_header_regex(parser, "", CountField, this);
  message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  internal::Unwatch(stream);
  boundaries = {};  // its recent lines and boundaries: not needed now
  // The parts' substreams are `s`'s, each holding a reference to this
  // stream (their super stream), hence the Unwatch above.
  g_object_unref(stream);
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

int64_t ParsedMessage::part_lines() const {
  return impl_ == nullptr ? 0 : impl_->part_lines;
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
// What was moved from reads as no message and no bytes.
ParsedMessage::ParsedMessage(ParsedMessage&& other) noexcept
    : bytes_(std::exchange(other.bytes_, {})), impl_(std::move(other.impl_)) {}

ParsedMessage& ParsedMessage::operator=(ParsedMessage&& other) noexcept {
  bytes_ = std::exchange(other.bytes_, {});
  impl_ = std::move(other.impl_);
  return *this;
}

std::shared_ptr<internal::SourceCursor> ParsedMessage::source_cursor() const {
  return impl_ == nullptr ? nullptr : impl_->cursor;
}

GMimeMessage* ParsedMessage::get() const {
  return impl_ == nullptr ? nullptr : impl_->message;
}

}  // namespace sealpost::mime
