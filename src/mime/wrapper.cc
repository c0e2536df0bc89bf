#include "mime/wrapper.h"

#include <gmime/gmime.h>

#include <kainjow/mustache.hpp>

#include <algorithm>
#include <ctime>
#include <mutex>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/string_source.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "mime/facts.h"
#include "mime/gmime_util.h"
#include "mime/wrapper_templates.h"
#include "sealed/wrapper_seal.h"

namespace sealpost::mime {
namespace {

using internal::AppendWrappedBase64;
using internal::InitGmime;
using internal::WrapBase64;
using internal::WrappedBase64Size;
using Parsed = internal::ParsedMessage;

std::string HeaderOf(GMimeMessage* msg, const char* name) {
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
  GMimeHeader* h = g_mime_header_list_get_header(list, name);
  if (h == nullptr) return {};
  const char* raw = g_mime_header_get_raw_value(h);
  return raw ? std::string(Trim(raw)) : std::string();
}

// Mustache output uses "\n"; mail wants CRLF.
std::string ToCrlf(std::string_view s) {
  std::string out;
  out.reserve(s.size() + s.size() / 32);
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) out += '\r';
    out += s[i];
  }
  return out;
}

}  // namespace

Result<std::string> BuildWrapperMail(std::string_view original,
                                     std::string_view container,
                                     const WrapperOptions& o) {
  StringSource source(container);
  return BuildWrapperMail(original, container.size(), &source, o);
}

namespace {

// The wrapper but for the container's base64 and the seal: the header
// fields (without X-Sealpost-Protected and the empty line after them), and
// the body before and after the container's base64 (only when
// o.attach_container).
struct Layout {
  std::string head;
  std::string prefix;
  std::string suffix;
};

Result<Layout> MakeLayout(std::string_view original, const WrapperOptions& o) {
  // Mail with no header section, or none GMime can read, is still
  // protected (as bytes): the wrapper's addresses come from the envelope.
  // Only the header fields are read: the body is not parsed at all.
  size_t end = original.find("\r\n\r\n");
  Parsed parsed(end == std::string_view::npos ? original
                                              : original.substr(0, end + 4));
  auto header = [&](const char* name) {
    return parsed.get() == nullptr ? std::string()
                                   : HeaderOf(parsed.get(), name);
  };
  const WrapperBranding& br = o.branding;
  std::string from = header("From");
  if (from.empty()) from = o.envelope_from;
  std::string link = o.portal_url + "/m/" + o.message_id;
  std::string mixed = "=_sealpost_" + crypto::RandomToken(12);
  std::string alt = "=_sealpost_alt_" + crypto::RandomToken(12);
  std::string related = "=_sealpost_rel_" + crypto::RandomToken(12);
  bool logo = !br.logo.empty();

  kainjow::mustache::data d;
  d.set("sender", from.empty() ? std::string("The sender") : from);
  d.set("introduction", br.introduction_text);
  d.set("button", br.read_button_text);
  d.set("link", link);
  // An empty string opens a mustache section: unset fields stay unset, so
  // no empty "Privacy statement" link.
  auto set_if = [&d](const std::string& name, const std::string& value) {
    if (!value.empty()) d.set(name, value);
  };
  set_if("email_text", br.email_text);
  set_if("disclaimer", br.disclaimer_text);
  set_if("privacy_url", br.privacy_statement_url);
  d.set("background", br.background_color.empty() ? std::string("#ffffff")
                                                  : br.background_color);
  d.set("template", o.template_name);
  if (logo) d.set("logo", kainjow::mustache::data::type::bool_true);
  if (o.attach_container) {
    d.set("attached", kainjow::mustache::data::type::bool_true);
  }
  if (o.expires_at > 0) {
    time_t t = static_cast<time_t>(o.expires_at);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%d %B %Y %H:%M UTC", &tm);
    d.set("expires", std::string(buf));
  }
  // Parsed once per thread (parsing costs more than rendering).
  thread_local kainjow::mustache::mustache text_tmpl{
      std::string(kTextTemplate)};
  thread_local kainjow::mustache::mustache html_tmpl{
      std::string(kHtmlTemplate)};
  std::string text = ToCrlf(text_tmpl.render(d));
  std::string html = ToCrlf(html_tmpl.render(d));
  if (!text_tmpl.is_valid() || !html_tmpl.is_valid()) {
    return InternalError("wrapper template: " + text_tmpl.error_message() +
                         html_tmpl.error_message());
  }

  std::string head;
  for (const char* name : {"From", "Sender", "Reply-To", "To", "Cc", "Subject",
                           "Date", "In-Reply-To", "References"}) {
    std::string v = header(name);
    if (std::string_view(name) == "Subject" && o.subject.has_value()) {
      v = EncodeSubject(*o.subject);
      head += "Subject: " + v + "\r\n";
      continue;
    }
    if (v.empty() && std::string_view(name) == "From") v = o.envelope_from;
    if (v.empty() && std::string_view(name) == "To" && header("Cc").empty()) {
      for (const auto& a : o.envelope_to) v += (v.empty() ? "" : ", ") + a;
    }
    if (!v.empty()) head += std::string(name) + ": " + v + "\r\n";
  }
  if (header("Date").empty())
    head += "Date: " + Rfc5322Date(time(nullptr)) + "\r\n";
  std::string host = o.portal_url.substr(o.portal_url.find("://") + 3);
  host = host.substr(0, host.find_first_of(":/"));
  head += "Message-ID: <" + o.message_id + "@" + host + ">\r\n";
  head += "MIME-Version: 1.0\r\n";

  Layout l;
  std::string& out = l.prefix;
  out.reserve(WrappedBase64Size(br.logo.size()) + text.size() * 2 +
              html.size() * 2 + (16 << 10));
  out += o.attach_container
             ? "This is a protected message. Open the link below, or the "
               "attached message.sealed with `sealpost open`.\r\n"
             : "This is a protected message. Open the link below to read "
               "it.\r\n";
  out += "--" + mixed + "\r\n";
  out +=
      "Content-Type: multipart/alternative; boundary=\"" + alt + "\"\r\n\r\n";
  out += "--" + alt + "\r\n";
  out +=
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  out += WrapBase64(text);
  out += "--" + alt + "\r\n";
  if (logo) {
    out +=
        "Content-Type: multipart/related; type=\"text/html\"; "
        "boundary=\"" +
        related + "\"\r\n\r\n";
    out += "--" + related + "\r\n";
  }
  out +=
      "Content-Type: text/html; charset=utf-8\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n";
  out += WrapBase64(html);
  if (logo) {
    std::string ext = br.logo_type == "image/jpeg" ? "jpg" : "png";
    out += "--" + related + "\r\n";
    out += "Content-Type: " + br.logo_type + "; name=\"logo." + ext +
           "\"\r\nContent-ID: <logo@sealpost>\r\n"
           "Content-Disposition: inline; filename=\"logo." +
           ext + "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    out += WrapBase64(br.logo);
    out += "--" + related + "--\r\n";
  }
  out += "--" + alt + "--\r\n";
  if (o.attach_container) {
    out += "--" + mixed + "\r\n";
    out +=
        "Content-Type: application/vnd.sealpost.sealed; "
        "name=\"message.sealed\"\r\n"
        "Content-Disposition: attachment; filename=\"message.sealed\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n";
  }
  l.suffix = "--" + mixed + "--\r\n";
  head += "Content-Type: multipart/mixed; boundary=\"" + mixed + "\"\r\n";
  l.head = std::move(head);
  return l;
}

// The container read in slices of whole 57-byte groups, so that every
// base64 line but the last is full, as if encoded in one piece; `emit`
// gets each slice. INTERNAL when it does not come to `size` bytes.
template <class Emit>
Status ForEachContainerSlice(ByteSource* container, size_t size, Emit emit) {
  if (container == nullptr) return InternalError("no container to attach");
  constexpr size_t kSlice = 57 * 1024;
  std::string slice;
  size_t total = 0;
  for (;;) {
    slice.clear();
    while (slice.size() < kSlice) {
      SP_ASSIGN_OR_RETURN(size_t n,
                          container->Read(kSlice - slice.size(), &slice));
      if (n == 0) break;
    }
    if (slice.empty()) break;
    total += slice.size();
    emit(std::string_view(slice));
    if (slice.size() < kSlice) break;
  }
  if (total != size) {
    return InternalError("the container ended after " + std::to_string(total) +
                         " of " + std::to_string(size) + " bytes");
  }
  return Status::Ok();
}

// The X-Sealpost-Protected field and the empty line, after `head`, given
// the seal's parameters ("" without a seal).
std::string FinishHead(std::string head, const WrapperOptions& o,
                       std::string_view seal_params) {
  std::string marker =
      sealed::FormatProtectedHeader(o.message_id, o.template_name);
  marker += seal_params;
  head += std::string(sealed::kProtectedHeader) + ": " + marker + "\r\n";
  head += "\r\n";
  return head;
}

// WrapperStream over a Layout: the header section, the body's prefix, the
// container's base64 read again from its start, the suffix.
class LayoutStream : public WrapperStream {
 public:
  LayoutStream(Layout layout, std::string head, size_t container_size,
               std::unique_ptr<ByteSource> container, bool attach)
      : layout_(std::move(layout)),
        head_(std::move(head)),
        container_size_(container_size),
        container_(std::move(container)),
        attach_(attach) {}

  int64_t size() const override {
    return static_cast<int64_t>(
        head_.size() + layout_.prefix.size() +
        (attach_ ? WrappedBase64Size(container_size_) : 0) +
        layout_.suffix.size());
  }

  Result<size_t> Next(size_t max, std::string* out) override {
    for (;;) {
      if (at_ < pending_.size()) {
        size_t n = std::min(max, pending_.size() - at_);
        out->append(pending_, at_, n);
        at_ += n;
        return n;
      }
      pending_.clear();
      at_ = 0;
      switch (phase_++) {
        case 0:
          pending_ = head_;
          break;
        case 1:
          pending_ = layout_.prefix;
          if (attach_) SP_RETURN_IF_ERROR(container_->Restart());
          break;
        case 2:
          // The container's base64, one slice of it at a time.
          if (attach_ && !container_done_) {
            SP_RETURN_IF_ERROR(NextSlice());
            --phase_;  // stay here until the container is done
          }
          break;
        case 3:
          pending_ = layout_.suffix;
          break;
        default:
          --phase_;
          return size_t{0};
      }
    }
  }

 private:
  // The next 57 KiB of the container as base64 in pending_.
  Status NextSlice() {
    constexpr size_t kSlice = 57 * 1024;
    slice_.clear();
    while (slice_.size() < kSlice) {
      SP_ASSIGN_OR_RETURN(size_t n,
                          container_->Read(kSlice - slice_.size(), &slice_));
      if (n == 0) break;
    }
    read_ += slice_.size();
    if (slice_.size() < kSlice) container_done_ = true;
    if (read_ > container_size_ ||
        (container_done_ && read_ != container_size_)) {
      return InternalError("the container changed while it was sent");
    }
    AppendWrappedBase64(slice_, &pending_);
    return Status::Ok();
  }

  Layout layout_;
  std::string head_;
  size_t container_size_;
  std::unique_ptr<ByteSource> container_;  // owned; read again from its start
  bool attach_;
  bool container_done_ = false;
  size_t read_ = 0;
  int phase_ = 0;
  std::string pending_;
  size_t at_ = 0;
  std::string slice_;
};

}  // namespace

Result<std::string> BuildWrapperMail(std::string_view original,
                                     size_t container_size,
                                     ByteSource* container,
                                     const WrapperOptions& o) {
  SP_ASSIGN_OR_RETURN(Layout l, MakeLayout(original, o));
  std::string out = std::move(l.prefix);
  // The container is most of the mail: room for all of it at once, and
  // for the header section put in front at the end, so that the mail is
  // built in one buffer without reallocating.
  out.reserve(out.size() + l.head.size() + l.suffix.size() +
              (o.attach_container ? WrappedBase64Size(container_size) : 0) +
              (4 << 10));
  if (o.attach_container) {
    SP_RETURN_IF_ERROR(ForEachContainerSlice(
        container, container_size,
        [&out](std::string_view slice) { AppendWrappedBase64(slice, &out); }));
  }
  out += l.suffix;
  std::string params;
  if (o.seal) {
    SP_ASSIGN_OR_RETURN(params, o.seal(l.head, out));
  }
  out.insert(0, FinishHead(std::move(l.head), o, params));
  return out;
}

Result<std::unique_ptr<WrapperStream>> BuildWrapperStream(
    std::string_view original_head, size_t container_size,
    std::unique_ptr<ByteSource> container, const WrapperOptions& o) {
  SP_ASSIGN_OR_RETURN(Layout l, MakeLayout(original_head, o));
  // First pass: the body's digest for the seal, the container read once.
  std::string params;
  if (o.seal_digest) {
    sealed::CanonicalBodyHasher hasher;
    hasher.Update(l.prefix);
    if (o.attach_container) {
      std::string b64;
      SP_RETURN_IF_ERROR(ForEachContainerSlice(
          container.get(), container_size, [&](std::string_view slice) {
            b64.clear();
            AppendWrappedBase64(slice, &b64);
            hasher.Update(b64);
          }));
    }
    hasher.Update(l.suffix);
    SP_ASSIGN_OR_RETURN(params, o.seal_digest(l.head, hasher.Finish()));
  } else if (o.seal) {
    return InvalidArgumentError("a streamed wrapper is sealed by digest");
  }
  std::string head = FinishHead(l.head, o, params);
  bool attach = o.attach_container;
  if (attach && container == nullptr) {
    return InternalError("no container to attach");
  }
  return std::unique_ptr<WrapperStream>(std::make_unique<LayoutStream>(
      std::move(l), std::move(head), container_size, std::move(container),
      attach));
}

Result<std::string> ExtractPart(std::string_view mail,
                                std::string_view mime_type) {
  Parsed parsed(mail);
  if (parsed.get() == nullptr) {
    return InvalidArgumentError("not a MIME message");
  }
  // Part of a message only: what it lacks may be the part asked for, or
  // one before it that would be found first.
  if (parsed.headers_over_limit()) {
    return HeadersOverLimitError();
  }
  std::string type(mime_type.substr(0, mime_type.find('/')));
  std::string subtype(mime_type.substr(mime_type.find('/') + 1));
  std::string out;
  bool found = false;
  internal::ForEachPart(GMIME_OBJECT(parsed.get()), [&](GMimePart* part) {
    GMimeContentType* ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (ct == nullptr ||
        !g_mime_content_type_is_type(ct, type.c_str(), subtype.c_str()) ||
        content == nullptr) {
      return true;
    }
    GMimeStream* sink = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(content, sink);
    GByteArray* bytes =
        g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink));
    out.assign(reinterpret_cast<const char*>(bytes->data), bytes->len);
    g_object_unref(sink);
    found = true;
    return false;
  });
  if (!found) {
    return NotFoundError("no " + std::string(mime_type) + " part in this mail");
  }
  return out;
}

Result<std::string> ExtractSealedAttachment(std::string_view mail) {
  auto part = ExtractPart(mail, "application/vnd.sealpost.sealed");
  if (part.status().code() == StatusCode::kNotFound) {
    return NotFoundError("no message.sealed attachment in this mail");
  }
  return part;
}

Result<std::string> RawHeader(std::string_view mail, std::string_view name) {
  Parsed parsed(mail);
  if (parsed.get() == nullptr) return InvalidArgumentError("not a message");
  return HeaderOf(parsed.get(), std::string(name).c_str());
}

}  // namespace sealpost::mime
