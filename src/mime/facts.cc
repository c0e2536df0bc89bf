#include "mime/facts.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "base/encoding.h"
#include "base/markup.h"
#include "mime/charset.h"
#include "mime/gmime_util.h"

namespace sealpost::mime {
namespace {

using internal::InitGmime;

std::string Unfold(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\r' || c == '\n') continue;
    out += c;
  }
  size_t b = out.find_first_not_of(" \t");
  return b == std::string::npos ? std::string() : out.substr(b);
}

// The first `cap` decoded bytes of a part, decoded as they are read: a
// large text part is not decoded whole to keep its beginning (issue 14).
std::string Decoded(GMimeDataWrapper* content, size_t cap) {
  GMimeStream* raw = g_mime_data_wrapper_get_stream(content);  // not ours
  if (raw == nullptr) return std::string();
  GMimeStream* filtered = internal::NewDecodedStream(content);
  std::string out;
  char buf[16 * 1024];
  while (out.size() < cap) {
    // Past a run the filter decodes to nothing (base64 line breaks, QP
    // soft breaks): the rules' body goes on after it.
    ssize_t n = internal::ReadDecoded(filtered, buf,
                                      std::min(sizeof(buf), cap - out.size()));
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  g_object_unref(filtered);
  g_mime_stream_reset(raw);
  return out;
}

// HTML is read this much further than its text is kept: its markup.
constexpr size_t kHtmlMarkupFactor = 4;

// What a reader sees of `part` as UTF-8, at most `cap` bytes: its content
// decoded, in its charset, HTML without its markup.
std::string TextOf(GMimePart* part, GMimeContentType* ct, size_t cap) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return std::string();
  bool html = g_mime_content_type_is_type(ct, "text", "html");
  std::string text = internal::CharsetToUtf8(
      Decoded(content, html ? cap * kHtmlMarkupFactor : cap),
      g_mime_content_type_get_parameter(ct, "charset"));
  if (html) text = HtmlToText(text, cap);
  internal::TruncateUtf8(text, cap);
  return text;
}

// The text a rule reads (MailFacts::body_text) gains `text`, within the
// message's cap.
void AppendBodyText(std::string_view text, std::string* body) {
  if (text.empty() || body->size() >= kMaxMessageBodyText) return;
  if (!body->empty()) *body += '\n';
  body->append(text.substr(0, kMaxMessageBodyText - body->size()));
  internal::TruncateUtf8(*body, kMaxMessageBodyText);
}

int64_t DecodedSize(GMimeDataWrapper* content) {
  GMimeStream* null = g_mime_stream_null_new();
  int64_t n = g_mime_data_wrapper_write_to_stream(content, null);
  g_object_unref(null);
  return n < 0 ? 0 : n;
}

}  // namespace

Result<MailFacts> ExtractFacts(std::string_view message, size_t max_body_text) {
  return ExtractFacts(ParsedMessage(message), max_body_text);
}

Result<MailFacts> ExtractFacts(const ParsedMessage& parsed,
                               size_t max_body_text) {
  GMimeMessage* msg = parsed.get();
  if (msg == nullptr) return InvalidArgumentError("not a MIME message");
  if (parsed.headers_over_limit()) {
    return HeadersOverLimitError();
  }
  const std::string_view message = parsed.bytes();

  MailFacts f;
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
  int count = g_mime_header_list_get_count(list);
  for (int i = 0; i < count; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(h);
    const char* raw = g_mime_header_get_raw_value(h);
    if (name == nullptr) continue;
    std::string value = raw ? Unfold(raw) : std::string();
    if (g_ascii_strcasecmp(name, "Subject") == 0 && f.raw_subject.empty()) {
      f.raw_subject = value;
    }
    if (g_ascii_strcasecmp(name, "X-Sealpost-Protected") == 0 &&
        f.protected_header.empty()) {
      f.protected_header = value;
    }
    f.headers.emplace_back(name, std::move(value));
  }
  if (const char* s = g_mime_message_get_subject(msg)) f.subject = s;

  GMimeObject* top = g_mime_message_get_mime_part(msg);
  if (top != nullptr) {
    GMimeContentType* ct = g_mime_object_get_content_type(top);
    if (ct != nullptr) {
      if (g_mime_content_type_is_type(ct, "multipart", "signed")) {
        f.is_signed = true;
      }
      if (g_mime_content_type_is_type(ct, "application", "pkcs7-mime") ||
          g_mime_content_type_is_type(ct, "application", "x-pkcs7-mime")) {
        const char* type = g_mime_content_type_get_parameter(ct, "smime-type");
        if (type != nullptr && g_ascii_strcasecmp(type, "signed-data") == 0) {
          f.is_signed = true;
        } else if (GMIME_IS_PART(top)) {
          f.claims_smime_encrypted = true;
          GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(top));
          // Whole; a parse over a source (a large message) leaves it to
          // its caller, who reads it through the parse a slice at a time
          // (OpenTopLevelContent, part_stream.h; issue 14).
          if (content != nullptr && !message.empty()) {
            f.smime_content = Decoded(content, message.size());
          }
        }
      }
    }
  }

  // The body a rule reads is every text a reader may be shown, in order:
  // each text part that is no attachment (plain, HTML, a second one after
  // an inline picture, the alternatives of one another), and the prologue
  // of a multipart GMime found no part in (its boundary never came), which
  // readers show as text.
  auto prologue_of_no_part = [&](GMimeObject* object) {
    if (!GMIME_IS_MULTIPART(object) || max_body_text == 0) return;
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    const char* prologue = g_mime_multipart_get_prologue(multipart);
    if (g_mime_multipart_get_count(multipart) == 0 && prologue != nullptr) {
      std::string text(prologue, strnlen(prologue, max_body_text));
      AppendBodyText(internal::GuessToUtf8(text), &f.body_text);
    }
  };
  // GMime's iterator starts at the first part in the top-level multipart,
  // and has none to start at when that has no part.
  if (top != nullptr) prologue_of_no_part(top);
  GMimePartIter* iter = g_mime_part_iter_new(GMIME_OBJECT(msg));
  if (g_mime_part_iter_is_valid(iter)) {
    do {
      GMimeObject* cur = g_mime_part_iter_get_current(iter);
      if (GMIME_IS_MULTIPART(cur)) {
        prologue_of_no_part(cur);
        continue;
      }
      if (!GMIME_IS_PART(cur)) continue;
      GMimePart* part = GMIME_PART(cur);
      GMimeContentType* ct = g_mime_object_get_content_type(cur);
      if (g_mime_part_is_attachment(part)) {
        GMimeDataWrapper* content = g_mime_part_get_content(part);
        const char* name = g_mime_part_get_filename(part);
        f.attachments.push_back(
            {name ? name : "", content ? DecodedSize(content) : 0});
      } else if (ct != nullptr && max_body_text > 0 &&
                 f.body_text.size() < kMaxMessageBodyText &&
                 g_mime_content_type_is_type(ct, "text", "*")) {
        AppendBodyText(TextOf(part, ct, max_body_text), &f.body_text);
      }
    } while (g_mime_part_iter_next(iter));
  }
  g_mime_part_iter_free(iter);
  return f;
}

std::string EncodeSubject(std::string_view subject) {
  bool ascii = true;
  for (unsigned char c : subject) {
    if (c >= 0x80 || c == '\r' || c == '\n') ascii = false;
  }
  if (ascii) return std::string(subject);
  // RFC 2047 §2: encoded words of at most 75 characters; split on UTF-8
  // character boundaries, 45 bytes (60 base64 characters) per word.
  std::string out;
  size_t i = 0;
  while (i < subject.size()) {
    size_t end = std::min(subject.size(), i + 45);
    while (end < subject.size() &&
           (static_cast<unsigned char>(subject[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out +=
        "=?UTF-8?B?" + Base64Encode(AsBytes(subject.substr(i, end - i))) + "?=";
    i = end;
  }
  return out;
}

}  // namespace sealpost::mime
