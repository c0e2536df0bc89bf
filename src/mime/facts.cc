#include "mime/facts.h"

#include <gmime/gmime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "base/markup.h"
#include "base/utf8.h"
#include "mime/charset.h"
#include "mime/embedded_files.h"
#include "mime/gmime_util.h"

namespace sealpost::mime {
namespace {

using internal::EmbeddedFiles;
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
// With `total`, read on to the end and count them all there: one pass for
// a part that is both text and a file (a parse over a spool reads each
// part once, in order). With `embedded`, read on to the end too, each
// slice given to it as it is read.
std::string Decoded(GMimeDataWrapper* content, size_t cap,
                    int64_t* total = nullptr,
                    EmbeddedFiles* embedded = nullptr) {
  GMimeStream* raw = g_mime_data_wrapper_get_stream(content);  // not ours
  if (raw == nullptr) return std::string();
  GMimeStream* filtered = internal::NewDecodedStream(content);
  std::string out;
  int64_t count = 0;
  char buf[16 * 1024];
  while (out.size() < cap || total != nullptr || embedded != nullptr) {
    // Past a run the filter decodes to nothing (base64 line breaks, QP
    // soft breaks): the rules' body goes on after it.
    size_t want = out.size() < cap ? std::min(sizeof(buf), cap - out.size())
                                   : sizeof(buf);
    ssize_t n = internal::ReadDecoded(filtered, buf, want);
    if (n <= 0) break;
    count += n;
    if (embedded != nullptr) embedded->Feed(std::string_view(buf, n));
    if (out.size() < cap) {
      out.append(buf, std::min(static_cast<size_t>(n), cap - out.size()));
    }
  }
  if (total != nullptr) *total = count;
  g_object_unref(filtered);
  g_mime_stream_reset(raw);
  return out;
}

// Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt): what
// a reader's font shows as nothing.
bool ShowsNothing(char32_t c) {
  static constexpr std::pair<char32_t, char32_t> kRanges[] = {
      {0x00AD, 0x00AD},   {0x034F, 0x034F},  {0x061C, 0x061C},
      {0x115F, 0x1160},   {0x17B4, 0x17B5},  {0x180B, 0x180F},
      {0x200B, 0x200F},   {0x202A, 0x202E},  {0x2060, 0x206F},
      {0x3164, 0x3164},   {0xFE00, 0xFE0F},  {0xFEFF, 0xFEFF},
      {0xFFA0, 0xFFA0},   {0xFFF0, 0xFFF8},  {0x1BCA0, 0x1BCA3},
      {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF}};
  for (const auto& [lo, hi] : kRanges) {
    if (c >= lo && c <= hi) return true;
  }
  return false;
}

// Unicode's space separators (general category Zs) but the ASCII space:
// the no-break, en, em, thin, hair, narrow no-break, ideographic... spaces.
bool IsSpaceSeparator(char32_t c) {
  return c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x202F || c == 0x205F || c == 0x3000;
}

// Text as a reader sees it, for matching: NUL and the characters that show
// nothing (the soft hyphen, zero-width spaces and joiners, direction
// marks, the byte order mark...) dropped, so that "con\u200bfidential"
// reads "confidential", and every space separator a space (a rule's
// phrase matches ASCII spaces only).
std::string Visible(std::string_view text) {
  // Every such character is NUL or starts with a byte of 0xC2 or more:
  // ASCII text is copied whole.
  size_t first = 0;
  while (first < text.size() && text[first] != '\0' &&
         static_cast<unsigned char>(text[first]) < 0xC2) {
    ++first;
  }
  if (first == text.size()) return std::string(text);
  std::string out(text.substr(0, first));
  out.reserve(text.size());
  for (size_t i = first; i < text.size();) {
    char32_t c = 0;
    size_t n = Utf8SequenceAt(text, i, &c);
    if (n == 0) {  // not UTF-8: kept as it is
      out += text[i++];
      continue;
    }
    if (IsSpaceSeparator(c)) {
      out += ' ';
    } else if (c != 0 && !ShowsNothing(c)) {
      out.append(text, i, n);
    }
    i += n;
  }
  return out;
}

// RFC 3676: the lines of format=flowed text joined where they were broken
// (a line ending in a space, but the signature separator "-- "; never
// across a change of quote depth), the space itself dropped too with
// DelSp=yes; space-stuffing undone.
std::string Unflowed(std::string_view text, bool delsp) {
  auto depth = [](std::string_view line) {
    size_t d = 0;
    while (d < line.size() && line[d] == '>') ++d;
    return d;
  };
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  bool continued = false;  // the line before was joined to this one
  while (i < text.size()) {
    size_t nl = text.find('\n', i);
    size_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    std::string_view line = text.substr(i, next - i);
    size_t body_end = line.size();
    if (body_end > 0 && line[body_end - 1] == '\n') --body_end;
    if (body_end > 0 && line[body_end - 1] == '\r') --body_end;
    std::string_view content = line.substr(0, body_end);
    size_t quotes = depth(content);
    std::string_view rest = content.substr(quotes);
    if (rest.starts_with(' ')) rest.remove_prefix(1);  // stuffed
    bool soft = rest.ends_with(' ') && rest != "-- " && next < text.size() &&
                depth(text.substr(next)) == quotes;
    if (soft && delsp) rest.remove_suffix(1);
    // A joined line's quote marks are those of its first line.
    if (!continued) out.append(content.substr(0, quotes));
    out.append(rest);
    if (!soft) out.append(line.substr(body_end));
    continued = soft;
    i = next;
  }
  return out;
}

// HTML's markup is read this far (decoded bytes, 8 times the text's cap),
// its text kept to the cap: markup does not use the cap up, and a part's
// read stays a few MiB however large the part.
constexpr size_t kMaxHtmlBytes = 2 << 20;

// What a reader sees of `part` as UTF-8, at most `cap` bytes a form: its
// content decoded, in its charset; format=flowed text as it came and with
// its lines joined; HTML (and text/enriched, tagged alike) in
// base/markup.h's three forms, since whether a tag breaks a word depends
// on its style.
std::string TextOf(GMimePart* part, GMimeContentType* ct, size_t cap,
                   int64_t* total, EmbeddedFiles* embedded) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return std::string();
  bool markup =
      ct != nullptr && (g_mime_content_type_is_type(ct, "text", "html") ||
                        g_mime_content_type_is_type(ct, "text", "enriched") ||
                        g_mime_content_type_is_type(ct, "text", "richtext"));
  const char* charset =
      ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
  size_t read = markup ? std::max(cap, kMaxHtmlBytes) : cap;
  std::string bytes = Decoded(content, read, total, embedded);
  const bool cut = bytes.size() == read;
  std::string text = internal::CharsetToUtf8(bytes, charset, cut);
  if (markup) {
    // Each distinct form once.
    std::string forms;
    std::vector<std::string> seen;
    HtmlText html = HtmlToTexts(text, cap);
    for (std::string* raw : {&html.laid_out, &html.spaced, &html.joined}) {
      std::string form = Visible(*raw);
      if (std::find(seen.begin(), seen.end(), form) != seen.end()) continue;
      if (!forms.empty()) forms += '\n';
      forms += form;
      seen.push_back(std::move(form));
    }
    return forms;
  }
  const char* format =
      ct ? g_mime_content_type_get_parameter(ct, "format") : nullptr;
  if (format != nullptr && g_ascii_strcasecmp(format, "flowed") == 0) {
    const char* delsp = g_mime_content_type_get_parameter(ct, "delsp");
    // Both as flowed readers join it and as the others show it (Outlook
    // does not join lines).
    std::string joined = Unflowed(
        text, delsp != nullptr && g_ascii_strcasecmp(delsp, "yes") == 0);
    TruncateUtf8(text, cap);
    TruncateUtf8(joined, cap);
    if (joined != text) return Visible(text) + "\n" + Visible(joined);
  }
  TruncateUtf8(text, cap);
  return Visible(text);
}

// The text a rule reads (MailFacts::body_text) gains `text`, within the
// message's cap.
void AppendBodyText(std::string_view text, std::string* body) {
  if (text.empty() || body->size() >= kMaxMessageBodyText) return;
  if (!body->empty()) *body += '\n';
  body->append(text);  // at most three forms of kMaxBodyText
  TruncateUtf8(*body, kMaxMessageBodyText);
}

// A file a reader is shown, to the attachment rules: a part marked as an
// attachment, or named, or that is not text (a picture shown inline, Apple
// Mail's inline PDF, a file with no disposition, a signature). Only those
// counted that said "attachment" before: an inline PDF passed
// "attachment-name=*.pdf".
bool ShownAsFile(GMimePart* part, bool text) {
  return g_mime_part_is_attachment(part) || !text ||
         g_mime_part_get_filename(part) != nullptr;
}

// The file a part is, of `size` bytes: named by Content-Disposition's
// filename, else Content-Type's name (as g_mime_part_get_filename), and
// by the latter too when they differ: readers save it under one or the
// other (the rules read the filename only, and evil.exe passed as
// evil.txt).
MailFacts::Attachment FileOf(GMimeObject* object, int64_t size) {
  const char* filename =
      g_mime_object_get_content_disposition_parameter(object, "filename");
  const char* type_name =
      g_mime_object_get_content_type_parameter(object, "name");
  MailFacts::Attachment file{"", size, ""};
  if (filename != nullptr) {
    file.name = filename;
    if (type_name != nullptr && file.name != type_name) {
      file.other_name = type_name;
    }
  } else if (type_name != nullptr) {
    file.name = type_name;
  }
  return file;
}

// The bytes of an attached message as GMime writes it (what reached the
// stream: the call's own count is of what went into its filters).
int64_t MessageSize(GMimeObject* message_part) {
  GMimeMessage* message =
      g_mime_message_part_get_message(GMIME_MESSAGE_PART(message_part));
  if (message == nullptr) return 0;
  GMimeStream* null = g_mime_stream_null_new();
  g_mime_object_write_to_stream(GMIME_OBJECT(message), nullptr, null);
  auto n = static_cast<int64_t>(GMIME_STREAM_NULL(null)->written);
  g_object_unref(null);
  return n;
}

int64_t DecodedSize(GMimeDataWrapper* content) {
  GMimeStream* null = g_mime_stream_null_new();
  int64_t n = g_mime_data_wrapper_write_to_stream(content, null);
  g_object_unref(null);
  return n < 0 ? 0 : n;
}

// An attached message in base64 or quoted-printable (RFC 2046 §5.2.1
// allows neither, and GMime leaves such a part encoded bytes; readers
// decode it) is decoded into memory to be parsed: at most this much of all
// of them in a message together, and no deeper than kMaxEncodedDepth
// inside one another. Past either, its text and files are not read, and
// the files are marked incomplete (docs/mail-flow.md).
constexpr size_t kMaxEncodedMessageBytes = 4 << 20;
constexpr int kMaxEncodedDepth = 3;
// Files found inside the lines of text parts (embedded_files.h), at most,
// in a message; past them, the files are marked incomplete.
constexpr size_t kMaxEmbeddedFiles = 1000;

// What the walk over a message, and those over the encoded attached
// messages inside it, may still spend.
struct Budget {
  int depth = 0;  // encoded attached messages this walk is inside
  size_t encoded_bytes = kMaxEncodedMessageBytes;
  size_t embedded_files = kMaxEmbeddedFiles;
};

void ReadParts(GMimeMessage* msg, GMimeObject* top, size_t max_body_text,
               Budget& budget, MailFacts& f);

// The files of `f` lack some, for the first reason given.
void Incomplete(MailFacts& f, std::string_view why) {
  if (f.attachments_incomplete.empty()) f.attachments_incomplete = why;
}

// A type GMime parses as a message (message/rfc822, RFC 6532's global,
// RFC 1036's news) when it is not encoded.
bool IsMessageType(GMimeContentType* ct) {
  return g_mime_content_type_is_type(ct, "message", "rfc822") ||
         g_mime_content_type_is_type(ct, "message", "global") ||
         g_mime_content_type_is_type(ct, "message", "news");
}

// Such a part that GMime left encoded: decoded (its first bytes, within
// `budget`), parsed, and read as the message's own parts are, its text
// added to the body and its files listed (unsized: this part holds them).
// Its decoded size.
int64_t ReadEncodedMessage(GMimePart* part, size_t max_body_text,
                           Budget& budget, MailFacts& f) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr) return 0;
  if (max_body_text == 0) return DecodedSize(content);  // no text asked for
  if (budget.depth >= kMaxEncodedDepth) {
    const int64_t size = DecodedSize(content);
    if (size > 0) {
      Incomplete(f, "encoded attached messages nested deeper than " +
                        std::to_string(kMaxEncodedDepth));
    }
    return size;
  }
  int64_t size = 0;
  const std::string bytes = Decoded(content, budget.encoded_bytes, &size);
  budget.encoded_bytes -= bytes.size();
  if (size > static_cast<int64_t>(bytes.size())) {
    // Its first bytes are read (a file named early still counts), not its
    // end.
    Incomplete(f, "encoded attached messages past " +
                      std::to_string(kMaxEncodedMessageBytes >> 20) + " MiB");
  }
  const ParsedMessage inner(bytes);
  GMimeMessage* msg = inner.get();
  if (msg == nullptr) return size;
  if (inner.headers_over_limit()) {
    Incomplete(f, "an encoded attached message's header fields over limit");
    return size;
  }
  MailFacts read;
  ++budget.depth;
  ReadParts(msg, g_mime_message_get_mime_part(msg), max_body_text, budget,
            read);
  --budget.depth;
  if (!read.attachments_incomplete.empty()) {
    Incomplete(f, read.attachments_incomplete);
  }
  AppendBodyText(read.body_text, &f.body_text);
  for (MailFacts::Attachment& a : read.attachments) {
    a.size = 0;
    f.attachments.push_back(std::move(a));
  }
  return size;
}

// A leaf of the walk: its text, when a reader is shown it as text, and the
// files it is and carries (inside its lines, or an attached message).
void ReadLeaf(GMimePart* part, size_t max_body_text, Budget& budget,
              MailFacts& f) {
  GMimeObject* object = GMIME_OBJECT(part);
  GMimeContentType* ct = g_mime_object_get_content_type(object);
  if (ct != nullptr && IsMessageType(ct)) {
    const size_t at = f.attachments.size();
    f.attachments.push_back(FileOf(object, 0));
    const int64_t size = ReadEncodedMessage(part, max_body_text, budget, f);
    f.attachments[at].size = size;
    return;
  }
  // Text by its type, or by GMime's reading of it (a Content-Type GMime
  // could not read, "text" alone, makes application/octet-stream of a
  // part it still reads as text, as RFC 2045 §5.2 says). A delivery or
  // read report's fields are text a reader is shown.
  bool text = GMIME_IS_TEXT_PART(object) ||
              (ct != nullptr &&
               (g_mime_content_type_is_type(ct, "text", "*") ||
                g_mime_content_type_is_type(ct, "message", "delivery-status") ||
                g_mime_content_type_is_type(ct, "message",
                                            "disposition-notification")));
  bool file = ShownAsFile(part, text);
  // Shown as text: read to its end for the files inside its lines, its
  // first bytes kept for the body while it is under its cap.
  bool shown = text && max_body_text > 0 && !g_mime_part_is_attachment(part);
  EmbeddedFiles embedded(budget.embedded_files);
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  int64_t size = 0;
  if (shown && f.body_text.size() < kMaxMessageBodyText) {
    // A named text part shown inline: its text and its size in one pass.
    AppendBodyText(
        TextOf(part, ct, max_body_text, file ? &size : nullptr, &embedded),
        &f.body_text);
  } else if (shown && content != nullptr) {
    Decoded(content, 0, &size, &embedded);
  } else if (file && content != nullptr) {
    size = DecodedSize(content);
  }
  if (file) f.attachments.push_back(FileOf(object, size));
  bool unnamed = false;
  for (EmbeddedFiles::File& e : embedded.Finish()) {
    unnamed = unnamed || e.name.empty();
    f.attachments.push_back({std::move(e.name), e.size, ""});
    --budget.embedded_files;
  }
  if (embedded.incomplete()) {
    Incomplete(f, unnamed ? "a file inside text whose name was not read"
                          : "more than " + std::to_string(kMaxEmbeddedFiles) +
                                " files inside text");
  }
}

// The text and the files a reader is shown (MailFacts::body_text and
// attachments), from the walk over the parts of `msg`, whose top-level
// part is `top`.
void ReadParts(GMimeMessage* msg, GMimeObject* top, size_t max_body_text,
               Budget& budget, MailFacts& f) {
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
      std::string bytes(prologue, strnlen(prologue, max_body_text));
      const bool cut = bytes.size() == max_body_text;
      std::string text = internal::CharsetToUtf8(bytes, nullptr, cut);
      TruncateUtf8(text, max_body_text);  // windows-1252 grows
      AppendBodyText(Visible(text), &f.body_text);
    }
  };
  // Attached messages not inside another one, sized after the walk: each
  // is read through once, in order (a parse over a spool goes back once
  // for all of them, not once for each).
  std::vector<std::pair<size_t, GMimeObject*>> outermost;
  std::string outer_path;
  // An attached message is a file a reader can open or save (GMime's
  // iterator goes on into its parts, but not to its top part: a multipart
  // with no part is left to us).
  auto attached_message = [&](GMimeObject* message_part, std::string path) {
    bool inside = !outermost.empty() &&
                  (outer_path.empty() || path.starts_with(outer_path + "."));
    if (!inside) {
      outer_path = std::move(path);
      outermost.emplace_back(f.attachments.size(), message_part);
    }
    f.attachments.push_back(FileOf(message_part, 0));
    GMimeMessage* inner =
        g_mime_message_part_get_message(GMIME_MESSAGE_PART(message_part));
    if (GMimeObject* inner_top =
            inner ? g_mime_message_get_mime_part(inner) : nullptr) {
      prologue_of_no_part(inner_top);
    }
  };
  // GMime's iterator starts inside the top-level part when it is a
  // multipart (and has nothing to start at when that has no part) or an
  // attached message, whose paths then are "1", "1.1"...: all inside it.
  if (top != nullptr) {
    prologue_of_no_part(top);
    if (GMIME_IS_MESSAGE_PART(top)) attached_message(top, "");
  }
  GMimePartIter* iter = g_mime_part_iter_new(GMIME_OBJECT(msg));
  if (g_mime_part_iter_is_valid(iter)) {
    do {
      GMimeObject* cur = g_mime_part_iter_get_current(iter);
      if (GMIME_IS_MULTIPART(cur)) {
        prologue_of_no_part(cur);
        continue;
      }
      if (GMIME_IS_MESSAGE_PART(cur)) {
        char* path = g_mime_part_iter_get_path(iter);
        attached_message(cur, path != nullptr ? path : "");
        g_free(path);
        continue;
      }
      if (GMIME_IS_PART(cur)) {
        ReadLeaf(GMIME_PART(cur), max_body_text, budget, f);
      }
    } while (g_mime_part_iter_next(iter));
  }
  g_mime_part_iter_free(iter);
  for (const auto& [index, message_part] : outermost) {
    f.attachments[index].size = MessageSize(message_part);
  }
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
    if (g_ascii_strcasecmp(name, "Subject") == 0) {
      if (f.raw_subject.empty()) f.raw_subject = value;
      char* decoded = g_mime_utils_header_decode_text(nullptr, value.c_str());
      if (!f.subject_text.empty()) f.subject_text += '\n';
      f.subject_text += Visible(decoded != nullptr ? decoded : value);
      g_free(decoded);
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

  Budget budget;
  ReadParts(msg, top, max_body_text, budget, f);
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
