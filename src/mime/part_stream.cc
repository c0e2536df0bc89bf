#include "mime/part_stream.h"

#include <gmime/gmime.h>

#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include "mime/gmime_util.h"
#include "mime/source_stream.h"

namespace sealpost::mime {
namespace {

using internal::SourceCursor;

class SourcePart : public PartStream {
 public:
  SourcePart() = default;
  ~SourcePart() override {
    if (decoded_ != nullptr) g_object_unref(decoded_);
  }

  const std::string& filename() const override { return filename_; }
  const std::string& content_type() const override { return content_type_; }
  int64_t size() const override { return size_; }

  // Parses, then finds the leaf `pick` names and counts its bytes.
  // The parse is ParsedMessage's, within its header and part budget.
  Status Open(std::unique_ptr<ByteSource> source,
              const std::function<GMimeObject*(SourcePart&)>& pick) {
    parsed_.emplace(std::move(source));
    cursor_ = parsed_->source_cursor();
    message_ = parsed_->get();
    if (!cursor_->status().ok()) return cursor_->status();
    if (parsed_->headers_over_limit()) {
      return HeadersOverLimitError();
    }
    if (message_ == nullptr) return InvalidArgumentError("not a MIME message");
    // The parse may stop at the last boundary: read on to the end, so the
    // whole source (a container's last segment) is checked first.
    char byte;
    if (cursor_->ReadAt(std::numeric_limits<int64_t>::max() - 1, &byte, 1) <
        0) {
      return cursor_->status();
    }
    GMimeObject* leaf = pick(*this);
    if (leaf == nullptr) return NotFoundError("no such part");
    if (!GMIME_IS_PART(leaf)) {
      // An attached message: written out by GMime, from memory.
      char head[1024];
      int64_t n = cursor_->ReadAt(0, head, sizeof head);
      std::string_view first(head, n > 0 ? static_cast<size_t>(n) : 0);
      size_t lf = first.find('\n');
      bool crlf =
          lf != std::string_view::npos && lf > 0 && first[lf - 1] == '\r';
      GMimeStream* sink = g_mime_stream_mem_new();
      internal::WriteLeafContent(leaf, crlf, sink);
      GByteArray* bytes =
          g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink));
      whole_.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
      g_object_unref(sink);
      size_ = static_cast<int64_t>(whole_.size());
      in_memory_ = true;
      return cursor_->status();
    }
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(leaf));
    if (content == nullptr) {
      in_memory_ = true;  // no content: empty
      return Status::Ok();
    }
    GMimeStream* counting = internal::NewDecodedStream(content);
    GMimeStream* null = g_mime_stream_null_new();
    g_mime_stream_write_to_stream(counting, null);
    size_ = static_cast<int64_t>(GMIME_STREAM_NULL(null)->written);
    g_object_unref(null);
    g_object_unref(counting);
    if (!cursor_->status().ok()) return cursor_->status();
    decoded_ = internal::NewDecodedStream(content);
    return Status::Ok();
  }

  Result<size_t> Read(size_t max, std::string* out) override {
    if (in_memory_) {
      size_t n = std::min(max, whole_.size() - whole_at_);
      out->append(whole_, whole_at_, n);
      whole_at_ += n;
      return n;
    }
    if (max == 0) return 0;  // not the end: no size check
    size_t old = out->size();
    out->resize(old + max);
    ssize_t n = internal::ReadDecoded(decoded_, out->data() + old, max);
    if (n < 0 || !cursor_->status().ok()) {
      out->resize(old);
      if (!cursor_->status().ok()) return cursor_->status();
      return DataLossError("reading the part failed");
    }
    out->resize(old + static_cast<size_t>(n));
    read_ += n;
    if (read_ > size_ || (n == 0 && read_ != size_)) {
      return DataLossError("message changed while it was read");
    }
    return static_cast<size_t>(n);
  }

  GMimeMessage* message() const { return message_; }

 private:
  std::optional<ParsedMessage> parsed_;
  std::shared_ptr<SourceCursor> cursor_;  // parsed_'s
  GMimeMessage* message_ = nullptr;       // parsed_'s
  // Owned: one reference, dropped by the destructor.
  GMimeStream* decoded_ = nullptr;
  std::string filename_, content_type_;
  int64_t size_ = 0;
  int64_t read_ = 0;
  bool in_memory_ = false;
  std::string whole_;
  size_t whole_at_ = 0;

  friend Result<std::unique_ptr<PartStream>> Open(
      std::unique_ptr<ByteSource>,
      const std::function<GMimeObject*(GMimeMessage*, std::string*,
                                       std::string*)>&);
};

Result<std::unique_ptr<PartStream>> Open(
    std::unique_ptr<ByteSource> source,
    const std::function<GMimeObject*(GMimeMessage*, std::string*,
                                     std::string*)>& pick) {
  auto part = std::make_unique<SourcePart>();
  SP_RETURN_IF_ERROR(part->Open(std::move(source), [&](SourcePart& p) {
    return pick(p.message(), &p.filename_, &p.content_type_);
  }));
  return std::unique_ptr<PartStream>(std::move(part));
}

// A leaf's decoded content as a ByteSource, through its parse.
class DecodedContent final : public ByteSource {
 public:
  // `cursor`: the parse's (null for a parse over bytes), held so that the
  // parse may move or go first.
  DecodedContent(std::shared_ptr<SourceCursor> cursor,
                 GMimeDataWrapper* content)
      : cursor_(std::move(cursor)) {
    // Without a stream, no content: empty, as in memory.
    if (content != nullptr && g_mime_data_wrapper_get_stream(content)) {
      content_ = content;
      g_object_ref(content_);
    }
  }
  ~DecodedContent() override {
    if (decoded_ != nullptr) g_object_unref(decoded_);
    if (content_ != nullptr) g_object_unref(content_);
  }

  Status Restart() override {
    if (decoded_ != nullptr) g_object_unref(decoded_);
    decoded_ = nullptr;
    return Status::Ok();
  }

  Result<size_t> Read(size_t max, std::string* out) override {
    if (content_ == nullptr) return 0;
    if (decoded_ == nullptr) decoded_ = internal::NewDecodedStream(content_);
    const size_t old = out->size();
    out->resize(old + max);
    ssize_t n = internal::ReadDecoded(decoded_, out->data() + old, max);
    // The source's fault, even when the filter made an end of it.
    Status source = cursor_ == nullptr ? Status::Ok() : cursor_->status();
    if (n < 0 || !source.ok()) {
      out->resize(old);
      if (!source.ok()) return source;
      return DataLossError("reading the part failed");
    }
    out->resize(old + static_cast<size_t>(n));
    return static_cast<size_t>(n);
  }

 private:
  std::shared_ptr<SourceCursor> cursor_;
  GMimeDataWrapper* content_ = nullptr;  // one reference, or none
  GMimeStream* decoded_ = nullptr;       // one reference, or none yet
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenTopLevelContent(
    const ParsedMessage& parsed) {
  GMimeMessage* message = parsed.get();
  if (message == nullptr) return NotFoundError("not a MIME message");
  GMimeObject* top = g_mime_message_get_mime_part(message);
  if (top == nullptr || !GMIME_IS_PART(top)) {
    return NotFoundError("the top-level part is no leaf");
  }
  return std::unique_ptr<ByteSource>(std::make_unique<DecodedContent>(
      parsed.source_cursor(), g_mime_part_get_content(GMIME_PART(top))));
}

Result<std::unique_ptr<PartStream>> OpenPart(
    std::unique_ptr<ByteSource> message, int index) {
  return Open(std::move(message),
              [index](GMimeMessage* m, std::string* name, std::string* type) {
                return internal::DescribeLeaf(m, index, name, type);
              });
}

Result<std::unique_ptr<PartStream>> OpenSealedAttachment(
    std::unique_ptr<ByteSource> mail) {
  auto part = Open(std::move(mail), [](GMimeMessage* m, std::string* name,
                                       std::string* type) {
    GMimeObject* found = nullptr;
    internal::ForEachPart(GMIME_OBJECT(m), [&](GMimePart* p) {
      GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(p));
      if (ct == nullptr || g_mime_part_get_content(p) == nullptr ||
          !g_mime_content_type_is_type(ct, "application",
                                       "vnd.sealpost.sealed")) {
        return true;
      }
      found = GMIME_OBJECT(p);
      return false;
    });
    *name = "message.sealed";
    *type = "application/vnd.sealpost.sealed";
    return found;
  });
  if (part.status().code() == StatusCode::kNotFound) {
    return NotFoundError("no message.sealed attachment in this mail");
  }
  return part;
}

}  // namespace sealpost::mime
