// The reading view of a single-part text message without GMime's object
// graph (view_internal.h). Everything here either reads a field the way the
// GMime parse does, through the same GMime utility on the same bytes, or
// gives up (nullopt) so that the GMime parse reads the message.
#include <gmime/gmime.h>

#include <algorithm>
#include <array>
#include <utility>

#include "base/strings.h"
#include "mime/gmime_util.h"
#include "mime/parsed_message.h"
#include "mime/view_internal.h"

namespace sealpost::mime::internal {

// Shared with the GMime view (view_internal.h).
std::string ToLf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t cr = s.find('\r', i);
    if (cr == std::string_view::npos) {
      out.append(s, i);
      break;
    }
    out.append(s, i, cr - i);
    out += '\n';
    i = cr + 1;
    if (i < s.size() && s[i] == '\n') ++i;
  }
  return out;
}

namespace {

// The header fields the view reads, and those that decide the part's shape.
enum Field {
  kFrom,
  kTo,
  kCc,
  kReplyTo,
  kSubject,
  kDate,
  kMessageId,
  kReferences,
  kContentType,
  kTransferEncoding,
  kDisposition,
  kFieldCount,
  kOther,  // any other field: not read
  kUnsure  // a Content-* field the fast path does not know: give up
};

Field Classify(std::string_view name) {
  static constexpr std::pair<std::string_view, Field> kNames[] = {
      {"from", kFrom},
      {"to", kTo},
      {"cc", kCc},
      {"reply-to", kReplyTo},
      {"subject", kSubject},
      {"date", kDate},
      {"message-id", kMessageId},
      {"references", kReferences},
      {"content-type", kContentType},
      {"content-transfer-encoding", kTransferEncoding},
      {"content-disposition", kDisposition},
      // Content-* fields that do not change how a text part is shown.
      {"content-id", kOther},
      {"content-description", kOther},
      {"content-language", kOther},
  };
  for (const auto& [n, f] : kNames) {
    if (EqualsIgnoringAsciiCase(n, name)) return f;
  }
  if (StartsWithIgnoringAsciiCase(name, "content-")) {
    return kUnsure;  // Content-Length, Content-Base, ...: GMime's business
  }
  return kOther;
}

struct Split {
  // Each read field's raw value: from after the colon to the end of its last
  // line (without that line's ending), folds included.
  std::array<std::optional<std::string_view>, kFieldCount> fields;
  std::string_view body;
};

// Letters, digits, '-', '_' and '.': every field name real mail uses. RFC
// 5322 allows any printable character but ':', but which of those GMime's
// parser takes as a field is its business.
bool IsFieldNameChar(char c) {
  return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.';
}

// The line of `m` that begins at `pos`, without its LF or CRLF.
struct Line {
  std::string_view text;
  size_t next;  // where the line after it begins (m.size() at the end)
  bool ended;   // whether a LF ends it (else the message does)
};
Line LineAt(std::string_view m, size_t pos) {
  size_t nl = m.find('\n', pos);
  Line line{m.substr(pos, nl == std::string_view::npos ? m.npos : nl - pos),
            nl == std::string_view::npos ? m.size() : nl + 1,
            nl != std::string_view::npos};
  if (line.text.ends_with('\r')) line.text.remove_suffix(1);
  return line;
}

// Splits `m` into its header fields and body; false when anything is
// unusual: a line that is not a field or a fold, a fold of only white
// space, a bare CR in the header section, a read field given twice, a
// Content-* field we do not know, or no header field at all.
bool SplitMessage(std::string_view m, Split& out) {
  size_t pos = 0;
  int count = 0;
  while (true) {
    if (pos == m.size()) {  // header fields up to the end: no body
      out.body = {};
      return count > 0;
    }
    const auto [line, next, ended] = LineAt(m, pos);
    if (line.find('\r') != std::string_view::npos) return false;
    if (line.empty()) {
      if (!ended) return false;  // a lone CR at the end
      out.body = m.substr(next);
      return count > 0;
    }
    size_t colon = line.find(':');
    if (colon == 0 || colon == std::string_view::npos) return false;
    std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsFieldNameChar(c)) return false;
    }
    size_t value_begin = pos + colon + 1;
    size_t value_end = pos + line.size();
    pos = next;
    // Folded lines: each starts with white space and has more than that.
    while (pos < m.size() && (m[pos] == ' ' || m[pos] == '\t')) {
      const Line fold = LineAt(m, pos);
      if (fold.text.find('\r') != std::string_view::npos ||
          fold.text.find_first_not_of(" \t") == std::string_view::npos) {
        return false;
      }
      value_end = pos + fold.text.size();
      pos = fold.next;
    }
    ++count;
    Field f = Classify(name);
    if (f == kUnsure) return false;
    if (f == kOther) continue;
    if (out.fields[f].has_value()) return false;
    out.fields[f] = m.substr(value_begin, value_end - value_begin);
  }
}

// `s` starts with `word` (any case) followed by its end, ';' or white space.
bool StartsWithWord(std::string_view s, std::string_view word) {
  if (!StartsWithIgnoringAsciiCase(s, word)) return false;
  if (s.size() == word.size()) return true;
  char c = s[word.size()];
  return c == ';' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// What GMime's header list gives as a field's value: unfolded and RFC 2047
// decoded (g_mime_header_get_value).
std::string DecodedValue(std::string_view raw) {
  std::string copy(raw);
  char* unfolded = g_mime_utils_header_unfold(copy.c_str());
  char* decoded = g_mime_utils_header_decode_text(nullptr, unfolded);
  std::string out = decoded ? decoded : "";
  g_free(decoded);
  g_free(unfolded);
  return out;
}

// An address field's list as GMime's message reads it from the raw value,
// or false when the fast path cannot be sure to read it the same way.
// GMime's message (message_update_addresses, GMime 3.2) appends to its list
// whatever the address-list parser made out before an error; the public
// internet_address_list_parse gives NULL for the whole field instead. The
// parser fails part way only when an opening '(' has no closing one (its
// comment skipper is the only step that stops the list), so a NULL from a
// field with a '(' in it is left to GMime (mime_fuzz found a From field of
// groups and an open comment shown as text here, as groups of "=" by GMime).
// `*list` is set (nullptr when no field or no address).
bool ParseAddressField(const std::optional<std::string_view>& raw,
                       InternetAddressList** list) {
  *list = nullptr;
  if (!raw) return true;
  // GMime recurses once per group: past ParsedMessage's bound, GMime's
  // view (which refuses it) decides, not the address parser.
  if (std::ranges::count(*raw, ':') > ParsedMessage::kMaxAddressGroups) {
    return false;
  }
  std::string copy(*raw);
  *list = internet_address_list_parse(nullptr, copy.c_str());
  return *list != nullptr || raw->find('(') == std::string_view::npos;
}

// The address lists of the From, To, Cc and Reply-To fields, unreferenced
// when it goes.
struct AddressLists {
  std::array<InternetAddressList*, 4> lists{};
  AddressLists() = default;
  AddressLists(const AddressLists&) = delete;
  AddressLists& operator=(const AddressLists&) = delete;
  ~AddressLists() {
    for (InternetAddressList* l : lists) {
      if (l != nullptr) g_object_unref(l);
    }
  }
};

struct Body {
  bool html = false;
  std::string charset;  // empty when none
  GMimeContentEncoding encoding = GMIME_CONTENT_ENCODING_DEFAULT;
};

bool IsSimpleValueChar(char c) {
  return g_ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '+';
}

// Content-Type parameters after the media type in their plainest form:
// `; name=value`, the value letters, digits and "-_.+", bare or quoted, at
// most one charset. Sets `charset`; false for anything else (RFC 2231 or
// 2047 values, comments, other characters), which GMime's own parser then
// reads: the GObjects it makes and frees for one field cost more than all
// the other fields' reading.
bool ReadSimpleParams(std::string_view rest, std::string& charset) {
  bool seen_charset = false;
  size_t i = 0;
  auto skip_white = [&] {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t' ||
                               rest[i] == '\r' || rest[i] == '\n')) {
      ++i;
    }
  };
  while (true) {
    skip_white();
    if (i == rest.size()) return true;
    if (rest[i++] != ';') return false;
    skip_white();
    size_t name_begin = i;
    while (i < rest.size() && (g_ascii_isalnum(rest[i]) || rest[i] == '-')) ++i;
    std::string_view name = rest.substr(name_begin, i - name_begin);
    if (name.empty() || i == rest.size() || rest[i++] != '=') return false;
    bool quoted = i < rest.size() && rest[i] == '"';
    if (quoted) ++i;
    size_t value_begin = i;
    while (i < rest.size() && IsSimpleValueChar(rest[i])) ++i;
    std::string_view value = rest.substr(value_begin, i - value_begin);
    if (value.empty()) return false;
    if (quoted && (i == rest.size() || rest[i++] != '"')) return false;
    if (EqualsIgnoringAsciiCase(name, "charset")) {
      if (seen_charset) return false;
      seen_charset = true;
      charset = value;
    }
  }
}

// The body part's shape from its Content-* fields; false when it is not a
// text/plain or text/html body in an encoding we decode as GMime does.
bool ReadShape(const Split& s, Body& body) {
  if (const auto& ct = s.fields[kContentType]) {
    std::string_view v = Trim(*ct);
    bool plain = StartsWithWord(v, "text/plain");
    body.html = StartsWithWord(v, "text/html");
    if (!plain && !body.html) return false;
    if (!ReadSimpleParams(v.substr(plain ? 10 : 9), body.charset)) {
      // Anything else as GMime's parser reads it.
      body.charset.clear();
      std::string copy(*ct);
      GMimeContentType* type = g_mime_content_type_parse(nullptr, copy.c_str());
      if (type == nullptr) return false;
      bool same = g_mime_content_type_is_type(type, "text",
                                              body.html ? "html" : "plain");
      const char* charset = g_mime_content_type_get_parameter(type, "charset");
      if (charset != nullptr) body.charset = charset;
      g_object_unref(type);
      if (!same) return false;
    }
  }
  if (const auto& te = s.fields[kTransferEncoding]) {
    std::string_view v = Trim(*te);
    static constexpr std::pair<std::string_view, GMimeContentEncoding>
        kEncodings[] = {
            {"7bit", GMIME_CONTENT_ENCODING_7BIT},
            {"8bit", GMIME_CONTENT_ENCODING_8BIT},
            {"binary", GMIME_CONTENT_ENCODING_BINARY},
            {"base64", GMIME_CONTENT_ENCODING_BASE64},
            {"quoted-printable", GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE},
        };
    bool known = false;
    for (const auto& [name, encoding] : kEncodings) {
      if (EqualsIgnoringAsciiCase(v, name)) {
        body.encoding = encoding;
        known = true;
      }
    }
    if (!known) return false;
  }
  if (const auto& cd = s.fields[kDisposition]) {
    // Inline is what a body is anyway; an attachment is a listed part.
    if (!StartsWithWord(Trim(*cd), "inline")) return false;
  }
  return true;
}

// The body's content as GMime's data wrapper writes it: transfer encoding
// undone by the same decoder (g_mime_encoding_*).
std::string DecodeBody(std::string_view raw, GMimeContentEncoding encoding) {
  if (encoding != GMIME_CONTENT_ENCODING_BASE64 &&
      encoding != GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE) {
    return std::string(raw);
  }
  GMimeEncoding state;
  g_mime_encoding_init_decode(&state, encoding);
  std::string out(g_mime_encoding_outlen(&state, raw.size()), '\0');
  size_t n = g_mime_encoding_flush(&state, raw.data(), raw.size(), out.data());
  out.resize(n);
  return out;
}

}  // namespace

std::optional<MessageView> FastView(std::string_view message, size_t max_body) {
  // Before anything here calls GMime (ReadShape may parse a Content-Type
  // with its default options, which g_mime_init makes).
  InitGmime();
  Split s;
  Body shape;
  if (!SplitMessage(message, s) || !ReadShape(s, shape)) return std::nullopt;
  // A NUL anywhere: left to GMime. Looked for after the shape, so mail
  // that GMime reads anyway (multipart, large attachments) is not scanned.
  if (message.find('\0') != std::string_view::npos) return std::nullopt;
  // Address fields with control characters or 8-bit bytes: GMime's message
  // parser converts and reads them its own way (a raw latin1 display name,
  // view_fast_test.cc), so they are left to it.
  for (Field f : {kFrom, kTo, kCc, kReplyTo}) {
    if (!s.fields[f]) continue;
    for (unsigned char c : *s.fields[f]) {
      if ((c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c >= 0x7f) {
        return std::nullopt;
      }
    }
  }

  AddressLists a;
  const Field kAddressFields[] = {kFrom, kTo, kCc, kReplyTo};
  for (size_t i = 0; i < a.lists.size(); ++i) {
    if (!ParseAddressField(s.fields[kAddressFields[i]], &a.lists[i])) {
      return std::nullopt;
    }
  }

  MessageView v;
  if (const auto& subject = s.fields[kSubject]) {
    v.subject = CleanLine(DecodedValue(*subject));
  }
  if (!SetFrom(a.lists[0], &v)) {
    v.from = FromText(s.fields[kFrom].value_or(std::string_view()));
  }
  CollectMailboxes(a.lists[1], 0, &v.to, &v.to_addresses);
  CollectMailboxes(a.lists[2], 0, &v.cc, &v.cc_addresses);
  CollectMailboxes(a.lists[3], 0, nullptr, &v.reply_to_addresses);
  if (const auto& date = s.fields[kDate]) {
    v.date = CleanLine(*date);
    if (!v.date.empty()) {
      if (GDateTime* d =
              g_mime_utils_header_decode_date(DecodedValue(*date).c_str())) {
        v.date_unix = g_date_time_to_unix(d);
        g_date_time_unref(d);
      }
    }
  }
  if (const auto& raw_id = s.fields[kMessageId]) {
    if (char* id =
            g_mime_utils_decode_message_id(DecodedValue(*raw_id).c_str())) {
      std::string clean = CleanLine(id);
      g_free(id);
      if (!clean.empty()) v.message_id = "<" + clean + ">";
    }
  }
  if (const auto& refs = s.fields[kReferences]) {
    v.references = JoinReferences(*refs);
  }

  std::string text =
      BodyToUtf8(DecodeBody(s.body, shape.encoding),
                 shape.charset.empty() ? nullptr : shape.charset.c_str(),
                 max_body, v.body_truncated);
  if (shape.html) {
    v.html = std::move(text);
  } else {
    v.text = ToLf(text);
  }
  return v;
}

}  // namespace sealpost::mime::internal
