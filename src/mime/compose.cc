#include "mime/compose.h"

#include <ctime>
#include <utility>

#include "base/domain_name.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/random.h"
#include "mime/gmime_util.h"

namespace sealpost::mime {
namespace {

using internal::IsToken;
using internal::WrapBase64;

constexpr size_t kFoldAt = 76;            // RFC 5322 §2.1.1: SHOULD be 78
constexpr size_t kMaxFilename = 255;      // bytes
constexpr size_t kEncodedWordBytes = 45;  // 60 base64 chars: a 72-char word

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80             ? 1
               : (c & 0xE0) == 0xC0 ? 2
               : (c & 0xF0) == 0xE0 ? 3
               : (c & 0xF8) == 0xF0 ? 4
                                    : 0;
    if (n == 0 || i + n > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n;
  }
  return true;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// A header field value from the user: a CR or LF would start a new header
// (injection); other control characters have no business there either. Tabs
// become spaces.
Result<std::string> CheckField(std::string_view value, std::string_view what) {
  for (unsigned char c : value) {
    if (c == '\r' || c == '\n') {
      return InvalidArgumentError(std::string(what) +
                                  ": line break in a header field");
    }
    if ((c < 0x20 && c != '\t') || c == 0x7F) {
      return InvalidArgumentError(std::string(what) + ": control character");
    }
  }
  if (!IsValidUtf8(value)) {
    return InvalidArgumentError(std::string(what) + ": not UTF-8");
  }
  std::string out(value);
  for (char& c : out) {
    if (c == '\t') c = ' ';
  }
  return out;
}

// RFC 2047 encoded words (UTF-8, base64), split on character boundaries,
// separated by single spaces.
std::string EncodedWords(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    size_t end = std::min(s.size(), i + kEncodedWordBytes);
    while (end < s.size() &&
           (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += ' ';
    out += "=?UTF-8?B?" + Base64Encode(AsBytes(s.substr(i, end - i))) + "?=";
    i = end;
  }
  return out;
}

// Unstructured text (RFC 5322 §3.2.5) for a header: kept as it is when it is
// plain ASCII that a reader cannot mistake for encoded words and that folds,
// else encoded words.
std::string EncodeText(std::string_view s) {
  bool raw = IsAscii(s) && s.find("=?") == std::string_view::npos &&
             s.find("  ") == std::string_view::npos &&
             TrimBlanks(s).size() == s.size();
  size_t word = 0;
  for (char c : s) {
    word = c == ' ' ? 0 : word + 1;
    if (word > kFoldAt - 12) raw = false;  // would not fold under 78
  }
  return raw ? std::string(s) : EncodedWords(s);
}

bool IsAtext(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) !=
             std::string_view::npos;
}

// A display name as an RFC 5322 phrase: atoms, a quoted string, or encoded
// words for anything beyond ASCII.
std::string EncodePhrase(std::string_view name) {
  if (!IsAscii(name) || name.find("=?") != std::string_view::npos) {
    return EncodedWords(name);
  }
  bool atoms = true;
  for (char c : name) {
    if (!IsAtext(c) && c != ' ') atoms = false;
  }
  if (atoms && name.find("  ") == std::string_view::npos) {
    return std::string(name);
  }
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

bool IsAddrSpec(std::string_view a) {
  size_t at = a.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  std::string_view local = a.substr(0, at);
  if (local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    if (!IsAtext(c) && c != '.') return false;
  }
  return IsDomainName(a.substr(at + 1));
}

namespace {

struct Mailbox {
  std::string name;
  std::string addr;
};

Result<Mailbox> ParseMailbox(std::string_view input, std::string_view what) {
  SP_ASSIGN_OR_RETURN(std::string checked, CheckField(input, what));
  std::string_view s = TrimBlanks(checked);
  Mailbox m;
  if (!s.empty() && s.back() == '>') {
    size_t lt = s.rfind('<');
    if (lt == std::string_view::npos) {
      return InvalidArgumentError(std::string(what) + ": bad address");
    }
    m.addr = std::string(s.substr(lt + 1, s.size() - lt - 2));
    std::string_view name = TrimBlanks(s.substr(0, lt));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
      for (size_t i = 0; i < name.size(); ++i) {
        if (name[i] == '\\' && i + 1 < name.size()) ++i;
        m.name += name[i];
      }
    } else {
      m.name = std::string(name);
    }
  } else {
    m.addr = std::string(s);
  }
  if (!IsAddrSpec(m.addr)) {
    return InvalidArgumentError(std::string(what) + ": bad address");
  }
  return m;
}

std::string FormatMailbox(const Mailbox& m) {
  if (m.name.empty()) return m.addr;
  return EncodePhrase(m.name) + " <" + m.addr + ">";
}

// "Name: value" folded at spaces to lines of at most kFoldAt characters where
// possible (RFC 5322 §2.2.3), with the final CRLF.
std::string Fold(std::string_view name, std::string_view value) {
  std::string line = std::string(name) + ":";
  std::string out;
  size_t line_start = 0;
  size_t i = 0;
  bool first = true;
  while (i <= value.size()) {
    // A piece is the spaces before a word and the word.
    size_t word = value.find_first_not_of(' ', i);
    if (word == std::string_view::npos) {
      if (i < value.size()) out += value.substr(i);
      break;
    }
    size_t end = value.find(' ', word);
    if (end == std::string_view::npos) end = value.size();
    std::string piece(value.substr(i, end - i));
    if (first) {
      out = line + " " + piece;
      first = false;
    } else {
      if (out.size() - line_start + piece.size() > kFoldAt) {
        out += "\r\n";
        line_start = out.size();
      }
      out += piece;
    }
    i = end;
  }
  if (first) out = line + " ";
  return out + "\r\n";
}

std::string RfcDate(int64_t unix_seconds) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000",
           kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
           tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

// "<a@b> <c@d>" (RFC 5322 §3.6.4 msg-id list), at most `max_ids` ids.
Result<std::string> CheckMessageIds(std::string_view value,
                                    std::string_view what, size_t max_ids) {
  SP_ASSIGN_OR_RETURN(std::string checked, CheckField(value, what));
  std::string out;
  size_t count = 0;
  size_t i = 0;
  while (true) {
    i = checked.find_first_not_of(' ', i);
    if (i == std::string::npos) break;
    size_t end = checked.find(' ', i);
    if (end == std::string::npos) end = checked.size();
    std::string_view id = std::string_view(checked).substr(i, end - i);
    bool ok = id.size() > 2 && id.size() <= 250 && id.front() == '<' &&
              id.back() == '>';
    for (size_t k = 1; ok && k + 1 < id.size(); ++k) {
      auto c = static_cast<unsigned char>(id[k]);
      if (c <= ' ' || c >= 0x7F || c == '<' || c == '>') ok = false;
    }
    if (!ok || ++count > max_ids) {
      return InvalidArgumentError(std::string(what) + ": bad message id");
    }
    if (!out.empty()) out += ' ';
    out += id;
    i = end;
  }
  return out;
}

// RFC 2045 §6.7 quoted-printable of UTF-8 text whose line breaks become CRLF;
// lines of at most 76 characters, ending with a line break.
std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t len = 0;  // of the current output line
  auto put = [&](std::string_view token) {
    if (len + token.size() > kFoldAt - 1) {  // room for the soft break "="
      out += "=\r\n";
      len = 0;
    }
    out += token;
    len += token.size();
  };
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\r\n";
      len = 0;
      line_start = i + 1;
      continue;
    }
    bool at_line_end =
        i + 1 == text.size() || text[i + 1] == '\r' || text[i + 1] == '\n';
    // "From " at the start of a line is mangled by mbox tools: encode the F.
    bool from_line = i == line_start && text.substr(i, 5) == "From ";
    bool literal = ((u >= 33 && u <= 126 && c != '=') ||
                    ((c == ' ' || c == '\t') && !at_line_end)) &&
                   !from_line;
    if (literal) {
      put(std::string_view(&text[i], 1));
    } else {
      char enc[3] = {'=', kHex[u >> 4], kHex[u & 0xF]};
      put(std::string_view(enc, 3));
    }
  }
  if (!text.empty() && text.back() != '\n' && text.back() != '\r') {
    out += "\r\n";
  }
  return out;
}

// "type/subtype" in lower case; application/octet-stream when it is not one.
std::string CleanContentType(std::string_view raw) {
  std::string t = AsciiLower(TrimBlanks(raw.substr(0, raw.find(';'))));
  size_t slash = t.find('/');
  if (slash == std::string::npos || !IsToken(t.substr(0, slash)) ||
      !IsToken(t.substr(slash + 1))) {
    return "application/octet-stream";
  }
  return t;
}

// The last path component, at most kMaxFilename bytes (the extension kept).
std::string CleanFilename(std::string_view raw, size_t number) {
  std::string name(raw.substr(raw.find_last_of("/\\") + 1));
  name = std::string(TrimBlanks(name));
  if (name.empty() || name == "." || name == "..") {
    return "attachment-" + std::to_string(number);
  }
  if (name.size() > kMaxFilename) {
    size_t dot = name.rfind('.');
    std::string ext = dot != std::string::npos && name.size() - dot <= 16
                          ? name.substr(dot)
                          : std::string();
    size_t end = kMaxFilename - ext.size();
    while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) {
      --end;
    }
    name = name.substr(0, end) + ext;
  }
  return name;
}

std::string QuotedParam(std::string_view v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// RFC 2231 §4 extended value: UTF-8''percent-encoded.
std::string ExtendedParam(std::string_view v) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "UTF-8''";
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    bool plain =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') ||
        std::string_view("!#$&+-.^_`|~").find(c) != std::string_view::npos;
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// A message/rfc822 attachment can only travel as 8bit (RFC 2046 §5.2.1): it
// must already be CRLF lines of at most 998 octets without NULs.
bool FitsEightBit(std::string_view bytes) {
  if (bytes.size() < 2 || bytes.substr(bytes.size() - 2) != "\r\n") {
    return false;
  }
  size_t line = 0;
  for (size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (c == '\0') return false;
    if (c == '\r') {
      if (i + 1 >= bytes.size() || bytes[i + 1] != '\n') return false;
      ++i;
      line = 0;
    } else if (c == '\n') {
      return false;
    } else if (++line > 998) {
      return false;
    }
  }
  return true;
}

Result<std::string> AttachmentPart(const ComposeAttachment& a, size_t number) {
  SP_ASSIGN_OR_RETURN(std::string checked,
                      CheckField(a.filename, "attachment name"));
  SP_RETURN_IF_ERROR(CheckField(a.content_type, "attachment type").status());
  std::string name = CleanFilename(checked, number);
  std::string type = CleanContentType(a.content_type);
  bool eight_bit = false;
  if (type.compare(0, 8, "message/") == 0) {
    eight_bit = type == "message/rfc822" && FitsEightBit(a.bytes);
    if (!eight_bit) type = "application/octet-stream";
  }
  std::string out;
  if (IsAscii(name)) {
    out += "Content-Type: " + type + "; name=" + QuotedParam(name) + "\r\n";
    out += "Content-Disposition: attachment; filename=" + QuotedParam(name) +
           "\r\n";
  } else {
    // filename* for RFC 2231 readers; the encoded-word name= is what older
    // Outlook versions read.
    out += "Content-Type: " + type + ";\r\n name=\"" + EncodedWords(name) +
           "\"\r\n";
    out += "Content-Disposition: attachment;\r\n filename*=" +
           ExtendedParam(name) + "\r\n";
  }
  if (eight_bit) {
    out += std::string("Content-Transfer-Encoding: ") +
           (IsAscii(a.bytes) ? "7bit" : "8bit") + "\r\n\r\n";
    out += a.bytes;
  } else {
    out += "Content-Transfer-Encoding: base64\r\n\r\n";
    out += WrapBase64(a.bytes);
  }
  return out;
}

constexpr char kTextHeaders[] =
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n";

}  // namespace

Result<std::string> ComposeMessage(const ComposeRequest& r) {
  SP_ASSIGN_OR_RETURN(Mailbox from, ParseMailbox(r.from, "From"));
  std::string reply_to;
  if (!r.reply_to.empty()) {
    SP_ASSIGN_OR_RETURN(Mailbox m, ParseMailbox(r.reply_to, "Reply-To"));
    reply_to = FormatMailbox(m);
  }
  std::vector<std::string> to, cc;
  for (const std::string& a : r.to) {
    SP_ASSIGN_OR_RETURN(Mailbox m, ParseMailbox(a, "To"));
    to.push_back(FormatMailbox(m));
  }
  for (const std::string& a : r.cc) {
    SP_ASSIGN_OR_RETURN(Mailbox m, ParseMailbox(a, "Cc"));
    cc.push_back(FormatMailbox(m));
  }
  if (to.empty() && cc.empty()) return InvalidArgumentError("no recipient");
  SP_ASSIGN_OR_RETURN(std::string subject, CheckField(r.subject, "Subject"));
  SP_ASSIGN_OR_RETURN(std::string in_reply_to,
                      CheckMessageIds(r.in_reply_to, "In-Reply-To", 1));
  SP_ASSIGN_OR_RETURN(std::string references,
                      CheckMessageIds(r.references, "References", 1000));
  if (!IsValidUtf8(r.text)) return InvalidArgumentError("text: not UTF-8");
  SP_ASSIGN_OR_RETURN(std::string domain,
                      CheckField(r.message_id_domain, "Message-ID domain"));
  if (domain.empty()) domain = from.addr.substr(from.addr.rfind('@') + 1);
  if (!IsDomainName(domain)) {
    return InvalidArgumentError("Message-ID domain: not a host name");
  }

  std::vector<std::string> parts;
  for (size_t i = 0; i < r.attachments.size(); ++i) {
    SP_ASSIGN_OR_RETURN(std::string part,
                        AttachmentPart(r.attachments[i], i + 1));
    parts.push_back(std::move(part));
  }

  auto join = [](const std::vector<std::string>& list) {
    std::string out;
    for (const std::string& s : list) {
      if (!out.empty()) out += ", ";
      out += s;
    }
    return out;
  };
  std::string out = Fold("From", FormatMailbox(from));
  if (!reply_to.empty()) out += Fold("Reply-To", reply_to);
  if (!to.empty()) out += Fold("To", join(to));
  if (!cc.empty()) out += Fold("Cc", join(cc));
  out += Fold("Subject", EncodeText(subject));
  out += "Date: " +
         RfcDate(r.date_unix != 0 ? r.date_unix
                                  : static_cast<int64_t>(time(nullptr))) +
         "\r\n";
  out += "Message-ID: <" + crypto::RandomToken(18) + "@" + domain + ">\r\n";
  if (!in_reply_to.empty()) out += "In-Reply-To: " + in_reply_to + "\r\n";
  if (!references.empty()) out += Fold("References", references);
  out += "MIME-Version: 1.0\r\n";

  std::string body = QuotedPrintable(r.text);
  if (parts.empty()) {
    out += kTextHeaders;
    out += "\r\n";
    out += body;
    return out;
  }
  // "=_" cannot occur in quoted-printable or base64; an 8-bit message/rfc822
  // attachment is checked.
  std::string boundary;
  bool clash = true;
  while (clash) {
    boundary = "=_sealpost_" + crypto::RandomToken(18);
    clash = false;
    for (const std::string& p : parts) {
      clash |= p.find(boundary) != std::string::npos;
    }
  }
  out += "Content-Type: multipart/mixed; boundary=\"" + boundary + "\"\r\n";
  out += "\r\n";
  // RFC 2046 §5.1.1: the CRLF before each "--boundary" belongs to the
  // delimiter, so every body is followed by one more CRLF.
  out += "--" + boundary + "\r\n" + kTextHeaders + "\r\n" + body;
  for (const std::string& p : parts) {
    out += "\r\n--" + boundary + "\r\n" + p;
  }
  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

std::string ReplySubject(std::string_view subject) {
  std::string_view s = TrimBlanks(subject);
  if (StartsWithIgnoringAsciiCase(s, "re:")) return std::string(s);
  return "Re: " + std::string(s);
}

std::string ForwardSubject(std::string_view subject) {
  std::string_view s = TrimBlanks(subject);
  if (StartsWithIgnoringAsciiCase(s, "fwd:") ||
      StartsWithIgnoringAsciiCase(s, "fw:")) {
    return std::string(s);
  }
  return "Fwd: " + std::string(s);
}

std::string QuoteText(std::string_view text, std::string_view date,
                      std::string_view from) {
  std::string out;
  if (!date.empty()) out = "On " + std::string(date) + ", ";
  out += std::string(from) + " wrote:\n";
  size_t i = 0;
  while (i < text.size()) {
    size_t end = text.find_first_of("\r\n", i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(i, end - i);
    out += line.empty() ? ">" : "> ";
    out += line;
    out += '\n';
    if (end < text.size() && text[end] == '\r' && end + 1 < text.size() &&
        text[end + 1] == '\n') {
      ++end;
    }
    i = end + 1;
  }
  return out;
}

}  // namespace sealpost::mime
