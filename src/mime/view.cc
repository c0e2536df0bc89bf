#include "mime/view.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <optional>
#include <utility>

#include "base/strings.h"
#include "base/utf8.h"
#include "mime/charset.h"
#include "mime/gmime_util.h"
#include "mime/view_internal.h"

namespace sealpost::mime {
namespace {

// Deeper nesting than this is not walked: no real mail needs it, and it
// bounds the recursion on hostile input.
constexpr int kMaxDepth = 64;
constexpr size_t kMaxLeaves = 10000;
constexpr size_t kMaxFilename = 200;  // bytes

using internal::CharsetToUtf8;
using internal::GuessToUtf8;
using internal::InitGmime;
using internal::IsToken;

}  // namespace

// ---- Headers (shared with the fast path, view_internal.h) ------------------

std::string internal::CleanLine(std::string_view v) {
  std::string valid = GuessToUtf8(v);
  std::string out;
  out.reserve(valid.size());
  for (char c : valid) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\t') {
      out += ' ';
    } else if (u >= 0x20 && u != 0x7F) {
      out += c;
    }
  }
  size_t b = out.find_first_not_of(' ');
  if (b == std::string::npos) return {};
  size_t e = out.find_last_not_of(' ');
  return out.substr(b, e - b + 1);
}

namespace {

using internal::CleanLine;
using internal::CollectMailboxes;

// The first `name` field's value as it stands in the message ("" when
// there is none).
std::string_view RawValue(GMimeMessage* msg, const char* name) {
  GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
  GMimeHeader* h = g_mime_header_list_get_header(list, name);
  if (h == nullptr) return {};
  const char* raw = g_mime_header_get_raw_value(h);
  return raw ? std::string_view(raw) : std::string_view();
}

std::string RawHeader(GMimeMessage* msg, const char* name) {
  return CleanLine(RawValue(msg, name));
}

}  // namespace

void internal::CollectMailboxes(InternetAddressList* list, int depth,
                                std::vector<std::string>* display,
                                std::vector<std::string>* addresses) {
  if (list == nullptr || depth > 4) return;
  int n = internet_address_list_length(list);
  for (int i = 0; i < n; ++i) {
    InternetAddress* ia = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(ia)) {
      CollectMailboxes(
          internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
          depth + 1, display, addresses);
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(ia)) continue;
    const char* name_c = internet_address_get_name(ia);
    const char* addr_c =
        internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
    std::string name = name_c ? CleanLine(name_c) : std::string();
    std::string addr = addr_c ? AsciiLower(CleanLine(addr_c)) : std::string();
    if (name.empty() && addr.empty()) continue;
    if (display != nullptr) {
      if (addr.empty()) {
        display->push_back(name);
      } else {
        display->push_back(name.empty() ? addr : name + " <" + addr + ">");
      }
    }
    if (addresses != nullptr && !addr.empty()) addresses->push_back(addr);
  }
}

bool internal::SetFrom(InternetAddressList* list, MessageView* v) {
  std::vector<std::string> from;
  std::vector<std::string> from_addresses;
  CollectMailboxes(list, 0, &from, &from_addresses);
  for (const std::string& f : from) {
    if (!v->from.empty()) v->from += ", ";
    v->from += f;
  }
  if (!from_addresses.empty()) v->from_address = from_addresses.front();
  return !v->from.empty();
}

std::string internal::FromText(std::string_view raw) {
  std::string clean = CleanLine(raw);
  char* decoded = g_mime_utils_header_decode_text(nullptr, clean.c_str());
  std::string out = CleanLine(decoded ? decoded : clean.c_str());
  g_free(decoded);
  return out;
}

std::string internal::JoinReferences(std::string_view raw) {
  std::string references = CleanLine(raw);
  std::string out;
  if (references.empty()) return out;
  GMimeReferences* refs = g_mime_references_parse(nullptr, references.c_str());
  if (refs == nullptr) return out;
  int n = g_mime_references_length(refs);
  for (int i = 0; i < n; ++i) {
    std::string id = CleanLine(g_mime_references_get_message_id(refs, i));
    if (id.empty() || id.find_first_of("<> ") != std::string::npos) continue;
    if (!out.empty()) out += ' ';
    out += "<" + id + ">";
  }
  g_mime_references_free(refs);
  return out;
}

std::string internal::BodyToUtf8(std::string bytes, const char* charset,
                                 size_t max, bool& truncated) {
  const bool cut = bytes.size() > max;
  if (cut) {
    bytes.resize(max);
    truncated = true;
  }
  std::string text = CharsetToUtf8(bytes, charset, cut);
  truncated |= TruncateUtf8(text, max);
  text.erase(std::remove(text.begin(), text.end(), '\0'), text.end());
  return text;
}

namespace {

// ---- Leaves ----------------------------------------------------------------

struct Leaf {
  GMimeObject* object = nullptr;  // a GMimePart or a GMimeMessagePart
  bool in_related = false;        // direct child of a multipart/related
};

void CollectLeaves(GMimeObject* object, bool in_related, int depth,
                   std::vector<Leaf>& out) {
  if (object == nullptr || depth > kMaxDepth || out.size() >= kMaxLeaves) {
    return;
  }
  if (GMIME_IS_MULTIPART(object)) {
    GMimeMultipart* multipart = GMIME_MULTIPART(object);
    GMimeContentType* ct = g_mime_object_get_content_type(object);
    bool related = ct != nullptr &&
                   g_mime_content_type_is_type(ct, "multipart", "related");
    int n = g_mime_multipart_get_count(multipart);
    for (int i = 0; i < n; ++i) {
      CollectLeaves(g_mime_multipart_get_part(multipart, i), related, depth + 1,
                    out);
    }
    return;
  }
  if (GMIME_IS_PART(object) || GMIME_IS_MESSAGE_PART(object)) {
    out.push_back({object, in_related});
  }
}

std::vector<Leaf> Leaves(GMimeMessage* msg) {
  std::vector<Leaf> leaves;
  CollectLeaves(g_mime_message_get_mime_part(msg), false, 0, leaves);
  return leaves;
}

bool IsAttachment(GMimeObject* object) {
  const char* d = g_mime_object_get_disposition(object);
  return d != nullptr && EqualsIgnoringAsciiCase(d, "attachment");
}

bool IsType(GMimeObject* object, const char* type, const char* subtype) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  return ct != nullptr && g_mime_content_type_is_type(ct, type, subtype);
}

enum class Role { kText, kHtml, kPart };

// Which leaf is the text body, which the HTML body: the first text/plain and
// the first text/html that are not attachments. In a multipart/alternative
// this takes each from its own alternative.
std::vector<Role> Classify(const std::vector<Leaf>& leaves) {
  std::vector<Role> roles(leaves.size(), Role::kPart);
  bool text = false, html = false;
  for (size_t i = 0; i < leaves.size(); ++i) {
    GMimeObject* o = leaves[i].object;
    if (!GMIME_IS_PART(o) || IsAttachment(o)) continue;
    if (!text && IsType(o, "text", "plain")) {
      roles[i] = Role::kText;
      text = true;
    } else if (!html && IsType(o, "text", "html")) {
      roles[i] = Role::kHtml;
      html = true;
    }
  }
  return roles;
}

// "type/subtype" in lower case, safe to put in a response header: anything
// that is not two RFC 2045 tokens is application/octet-stream.
std::string MimeType(GMimeObject* object) {
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  const char* type = ct ? g_mime_content_type_get_media_type(ct) : nullptr;
  const char* subtype =
      ct ? g_mime_content_type_get_media_subtype(ct) : nullptr;
  if (type == nullptr || subtype == nullptr || !IsToken(type) ||
      !IsToken(subtype)) {
    return "application/octet-stream";
  }
  return AsciiLower(type) + "/" + AsciiLower(subtype);
}

std::string ExtensionFor(std::string_view type) {
  static constexpr std::pair<std::string_view, std::string_view> kTable[] = {
      {"text/plain", ".txt"},
      {"text/html", ".html"},
      {"text/calendar", ".ics"},
      {"text/csv", ".csv"},
      {"text/vcard", ".vcf"},
      {"text/x-vcard", ".vcf"},
      {"image/png", ".png"},
      {"image/jpeg", ".jpg"},
      {"image/jpg", ".jpg"},
      {"image/gif", ".gif"},
      {"image/webp", ".webp"},
      {"image/bmp", ".bmp"},
      {"image/tiff", ".tif"},
      {"image/svg+xml", ".svg"},
      {"application/pdf", ".pdf"},
      {"application/zip", ".zip"},
      {"application/gzip", ".gz"},
      {"application/json", ".json"},
      {"application/xml", ".xml"},
      {"application/msword", ".doc"},
      {"application/vnd.ms-excel", ".xls"},
      {"application/vnd.ms-powerpoint", ".ppt"},
      {"application/"
       "vnd.openxmlformats-officedocument.wordprocessingml.document",
       ".docx"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
       ".xlsx"},
      {"application/"
       "vnd.openxmlformats-officedocument.presentationml.presentation",
       ".pptx"},
      {"application/pkcs7-signature", ".p7s"},
      {"application/x-pkcs7-signature", ".p7s"},
      {"application/pkcs7-mime", ".p7m"},
      {"application/x-pkcs7-mime", ".p7m"},
      {"application/pgp-signature", ".asc"},
      {"application/pgp-encrypted", ".asc"},
      {"application/vnd.sealpost.sealed", ".sealed"},
      {"message/rfc822", ".eml"},
      {"message/global", ".eml"},
      {"message/delivery-status", ".txt"},
      {"audio/mpeg", ".mp3"},
      {"video/mp4", ".mp4"},
  };
  for (const auto& [t, ext] : kTable) {
    if (t == type) return std::string(ext);
  }
  return ".bin";
}

bool IsBidiOrInvisibleControl(uint32_t cp) {
  return (cp >= 0x80 && cp < 0xA0) || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
         cp == 0xFEFF;
}

// A name that is safe to offer as a download name: the last path component,
// without control characters or bidi overrides (no "gpj.exe" tricks), not
// starting with a dot, at most kMaxFilename bytes with its extension kept.
std::string SanitizeFilename(std::string_view raw) {
  std::string name = GuessToUtf8(raw);
  size_t slash = name.find_last_of("/\\");
  if (slash != std::string::npos) name.erase(0, slash + 1);
  std::string out;
  for (size_t i = 0; i < name.size();) {
    size_t n = std::max<size_t>(1, Utf8SequenceAt(name, i));
    auto c = static_cast<unsigned char>(name[i]);
    uint32_t cp = c;
    if (n > 1) {
      cp = c & (0xFF >> (n + 1));
      for (size_t k = 1; k < n; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(name[i + k]) & 0x3F);
      }
    }
    if (cp >= 0x20 && cp != 0x7F && !IsBidiOrInvisibleControl(cp)) {
      out.append(name, i, n);
    }
    i += n;
  }
  size_t b = out.find_first_not_of(" .");
  if (b == std::string::npos) return {};
  out.erase(0, b);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  if (out.size() > kMaxFilename) {
    size_t dot = out.rfind('.');
    std::string ext;
    if (dot != std::string::npos && out.size() - dot <= 16) {
      ext = out.substr(dot);
    }
    out.resize(kMaxFilename - ext.size() + 1);
    TruncateUtf8(out, kMaxFilename - ext.size());
    out += ext;
  }
  return out;
}

// Filename, type and Content-ID of a leaf that is listed as a part;
// `number` counts the listed parts from 1.
ViewPart Describe(const Leaf& leaf, int index, int number) {
  GMimeObject* o = leaf.object;
  ViewPart p;
  p.index = index;
  p.content_type = MimeType(o);
  if (const char* cid = g_mime_object_get_content_id(o)) {
    p.content_id = CleanLine(cid);
  }
  const char* disposition = g_mime_object_get_disposition(o);
  bool inline_disposition =
      disposition != nullptr && EqualsIgnoringAsciiCase(disposition, "inline");
  p.is_inline =
      !p.content_id.empty() &&
      (inline_disposition || (disposition == nullptr && leaf.in_related));
  std::string name;
  if (GMIME_IS_PART(o)) {
    if (const char* f = g_mime_part_get_filename(GMIME_PART(o))) {
      name = SanitizeFilename(f);
    }
  } else {
    // message/rfc822: the sender's name for it, else its subject, as .eml.
    GMimeContentDisposition* cd = g_mime_object_get_content_disposition(o);
    const char* f =
        cd ? g_mime_content_disposition_get_parameter(cd, "filename") : nullptr;
    if (f == nullptr) {
      GMimeContentType* ct = g_mime_object_get_content_type(o);
      f = ct ? g_mime_content_type_get_parameter(ct, "name") : nullptr;
    }
    if (f != nullptr) {
      name = SanitizeFilename(f);
    } else if (GMimeMessage* inner =
                   g_mime_message_part_get_message(GMIME_MESSAGE_PART(o))) {
      if (const char* s = g_mime_message_get_subject(inner)) {
        name = SanitizeFilename(CleanLine(s));
      }
    }
    if (!name.empty() && !EndsWithIgnoringAsciiCase(name, ".eml")) {
      TruncateUtf8(name, kMaxFilename - 4);
      name += ".eml";
    }
  }
  if (name.empty()) {
    name =
        "attachment-" + std::to_string(number) + ExtensionFor(p.content_type);
  }
  p.filename = std::move(name);
  return p;
}

// GMime writes a message with "\n" line endings unless told otherwise; an
// attached message is given back with the line endings of the mail it came in.
bool UsesCrlf(std::string_view message) {
  size_t lf = message.find('\n');
  return lf != std::string_view::npos && lf > 0 && message[lf - 1] == '\r';
}

// Writes the decoded content of a leaf to `sink`.
void WriteLeaf(GMimeObject* o, bool crlf, GMimeStream* sink) {
  if (GMIME_IS_PART(o)) {
    GMimeDataWrapper* content = g_mime_part_get_content(GMIME_PART(o));
    if (content != nullptr) g_mime_data_wrapper_write_to_stream(content, sink);
    return;
  }
  GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(o));
  if (inner == nullptr) return;
  GMimeFormatOptions* options = g_mime_format_options_new();
  g_mime_format_options_set_newline_format(
      options, crlf ? GMIME_NEWLINE_FORMAT_DOS : GMIME_NEWLINE_FORMAT_UNIX);
  g_mime_object_write_to_stream(GMIME_OBJECT(inner), options, sink);
  g_mime_format_options_free(options);
}

std::string LeafBytes(GMimeObject* o, bool crlf) {
  GMimeStream* sink = g_mime_stream_mem_new();
  WriteLeaf(o, crlf, sink);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(sink));
  std::string out(reinterpret_cast<const char*>(bytes->data), bytes->len);
  g_object_unref(sink);
  return out;
}

// What the null stream received: the write functions return the bytes that
// went into their filters, which is not what came out of them.
int64_t LeafSize(GMimeObject* o, bool crlf) {
  GMimeStream* sink = g_mime_stream_null_new();
  WriteLeaf(o, crlf, sink);
  auto n = static_cast<int64_t>(GMIME_STREAM_NULL(sink)->written);
  g_object_unref(sink);
  return n;
}

// The body of a text leaf in UTF-8, cut at `max` bytes.
std::string BodyText(GMimeObject* o, size_t max, bool& truncated) {
  GMimeContentType* ct = g_mime_object_get_content_type(o);
  const char* charset =
      ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
  // A text part: never a message.
  return internal::BodyToUtf8(LeafBytes(o, false), charset, max, truncated);
}

}  // namespace

GMimeObject* internal::DescribeLeaf(GMimeMessage* msg, int index,
                                    std::string* filename,
                                    std::string* content_type) {
  std::vector<Leaf> leaves = Leaves(msg);
  if (index < 0 || static_cast<size_t>(index) >= leaves.size()) return nullptr;
  std::vector<Role> roles = Classify(leaves);
  int number = 0;
  for (int i = 0; i <= index; ++i) {
    if (roles[i] == Role::kPart) ++number;
  }
  ViewPart p = Describe(leaves[index], index, std::max(number, 1));
  *filename = std::move(p.filename);
  *content_type = std::move(p.content_type);
  return leaves[index].object;
}

void internal::WriteLeafContent(GMimeObject* leaf, bool crlf,
                                GMimeStream* sink) {
  WriteLeaf(leaf, crlf, sink);
}

Result<MessageView> ParseForReading(std::string_view message, size_t max_body) {
  // Most protected mail is one text part: read without GMime's object graph
  // when the fast path can give the very same view (view_internal.h).
  if (std::optional<MessageView> fast = internal::FastView(message, max_body)) {
    return *std::move(fast);
  }
  return internal::GmimeView(message, max_body);
}

Result<MessageView> internal::GmimeView(std::string_view message,
                                        size_t max_body) {
  return mime::ParseForReading(ParsedMessage(message), max_body);
}

Result<MessageView> ParseForReading(const ParsedMessage& parsed,
                                    size_t max_body) {
  GMimeMessage* msg = parsed.get();
  if (parsed.headers_over_limit()) {
    return HeadersOverLimitError();
  }
  if (msg == nullptr) {
    // No field first (a mailing list's digest cut from its header, a
    // note): GMime makes no message of it. A mail reader shows all of it
    // as the body, as the rules read it and as the queue delivers it (an
    // empty line after our Received field).
    if (parsed.bytes().empty() || !parsed.source_status().ok()) {
      return InvalidArgumentError("not a MIME message");
    }
    MessageView v;
    v.text = internal::ToLf(internal::BodyToUtf8(
        std::string(parsed.bytes()), nullptr, max_body, v.body_truncated));
    return v;
  }
  const std::string_view message = parsed.bytes();

  MessageView v;
  if (const char* s = g_mime_message_get_subject(msg)) v.subject = CleanLine(s);
  if (!internal::SetFrom(g_mime_message_get_from(msg), &v)) {
    // No mailbox GMime could make out: show the header text as it is.
    v.from = internal::FromText(RawValue(msg, "From"));
  }
  CollectMailboxes(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO), 0,
                   &v.to, &v.to_addresses);
  CollectMailboxes(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_CC), 0,
                   &v.cc, &v.cc_addresses);
  CollectMailboxes(g_mime_message_get_reply_to(msg), 0, nullptr,
                   &v.reply_to_addresses);

  v.date = RawHeader(msg, "Date");
  if (!v.date.empty()) {
    if (GDateTime* date = g_mime_message_get_date(msg)) {
      v.date_unix = g_date_time_to_unix(date);
    }
  }
  if (const char* id = g_mime_message_get_message_id(msg)) {
    std::string clean = CleanLine(id);
    if (!clean.empty()) v.message_id = "<" + clean + ">";
  }
  v.references = internal::JoinReferences(RawValue(msg, "References"));

  bool crlf = UsesCrlf(message);
  std::vector<Leaf> leaves = Leaves(msg);
  std::vector<Role> roles = Classify(leaves);
  for (size_t i = 0; i < leaves.size(); ++i) {
    switch (roles[i]) {
      case Role::kText:
        v.text = internal::ToLf(
            BodyText(leaves[i].object, max_body, v.body_truncated));
        break;
      case Role::kHtml:
        v.html = BodyText(leaves[i].object, max_body, v.body_truncated);
        break;
      case Role::kPart: {
        ViewPart p = Describe(leaves[i], static_cast<int>(i),
                              static_cast<int>(v.parts.size()) + 1);
        p.size = LeafSize(leaves[i].object, crlf);
        v.parts.push_back(std::move(p));
        break;
      }
    }
  }
  // A multipart whose boundary never comes has no part: GMime keeps its
  // body as the prologue, which mail readers show as its text (the reader
  // was shown an empty message).
  // With no leaf at all, every multipart holds only multiparts, and its
  // first parts lead to the first one with none.
  GMimeObject* empty =
      leaves.empty() ? g_mime_message_get_mime_part(msg) : nullptr;
  for (int depth = 0; empty != nullptr && GMIME_IS_MULTIPART(empty) &&
                      g_mime_multipart_get_count(GMIME_MULTIPART(empty)) > 0 &&
                      depth < kMaxDepth;
       ++depth) {
    empty = g_mime_multipart_get_part(GMIME_MULTIPART(empty), 0);
  }
  if (empty != nullptr && GMIME_IS_MULTIPART(empty) &&
      g_mime_multipart_get_count(GMIME_MULTIPART(empty)) == 0) {
    if (const char* prologue =
            g_mime_multipart_get_prologue(GMIME_MULTIPART(empty))) {
      v.text = internal::ToLf(internal::BodyToUtf8(
          std::string(prologue, strnlen(prologue, max_body + 1)), nullptr,
          max_body, v.body_truncated));
    }
  }
  return v;
}

Result<PartData> PartContent(std::string_view message, int index) {
  return PartContent(ParsedMessage(message), index);
}

Result<PartData> PartContent(const ParsedMessage& parsed, int index) {
  if (parsed.get() == nullptr) return InvalidArgumentError("not a message");
  if (parsed.headers_over_limit()) {
    return HeadersOverLimitError();
  }
  const std::string_view message = parsed.bytes();
  std::vector<Leaf> leaves = Leaves(parsed.get());
  if (index < 0 || static_cast<size_t>(index) >= leaves.size()) {
    return NotFoundError("no such part");
  }
  // Number the listed parts as ParseForReading does, for the same names.
  std::vector<Role> roles = Classify(leaves);
  int number = 0;
  for (int i = 0; i <= index; ++i) {
    if (roles[i] == Role::kPart) ++number;
  }
  const Leaf& leaf = leaves[index];
  ViewPart p = Describe(leaf, index, std::max(number, 1));
  PartData data;
  data.filename = std::move(p.filename);
  data.content_type = std::move(p.content_type);
  data.bytes = LeafBytes(leaf.object, UsesCrlf(message));
  return data;
}

}  // namespace sealpost::mime
