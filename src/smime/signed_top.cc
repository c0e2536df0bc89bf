#include "smime/signed_top.h"

#include <algorithm>

#include "base/strings.h"
#include "mime/signed_reading.h"

namespace sealpost::smime {

std::vector<std::string> HeaderFieldValues(std::string_view header,
                                           std::string_view name) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = pos;
    do {
      size_t nl = header.find('\n', end);
      end = nl == std::string_view::npos ? header.size() : nl + 1;
    } while (end < header.size() &&
             (header[end] == ' ' || header[end] == '\t'));
    std::string_view field = header.substr(pos, end - pos);
    pos = end;
    size_t colon = field.find(':');
    if (colon == std::string_view::npos) continue;
    if (!EqualsIgnoringAsciiCase(TrimBlanks(field.substr(0, colon)), name)) {
      continue;
    }
    std::string value;
    for (char c : field.substr(colon + 1)) {
      if (c != '\r' && c != '\n') value += c;
    }
    out.emplace_back(Trim(value));
  }
  return out;
}

namespace {

// RFC 2045 §5.1's lexical pieces of a structured field's value (RFC 822
// §3.3: blanks and comments between tokens, quoted strings with
// backslash escapes).
class ValueLexer {
 public:
  explicit ValueLexer(std::string_view s) : s_(s) {}
  bool AtEnd() const { return i_ == s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[i_]; }
  bool Take(char c) {
    if (Peek() != c || AtEnd()) return false;
    ++i_;
    return true;
  }
  // Skips blanks and comments (nested, with quoted pairs); false at a
  // comment that does not close.
  bool SkipBlanksAndComments() {
    for (;;) {
      while (!AtEnd() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\r' ||
                          s_[i_] == '\n')) {
        ++i_;
      }
      if (Peek() != '(') return true;
      size_t depth = 0;
      do {
        if (AtEnd()) return false;
        const char c = s_[i_++];
        if (c == '\\') {
          if (AtEnd()) return false;
          ++i_;
        } else if (c == '(') {
          ++depth;
        } else if (c == ')') {
          --depth;
        }
      } while (depth > 0);
    }
  }
  // token := 1*<any (US-ASCII) CHAR except SPACE, CTLs, or tspecials>.
  std::string_view Token() {
    const size_t begin = i_;
    while (!AtEnd() && IsTokenChar(s_[i_])) ++i_;
    return s_.substr(begin, i_ - begin);
  }
  // The rest of a quoted string whose opening quote was taken, unescaped;
  // nullopt when it does not close. 8-bit bytes are kept (RFC 6532).
  std::optional<std::string> QuotedRest() {
    std::string out;
    while (!AtEnd()) {
      const char c = s_[i_++];
      if (c == '"') return out;
      if (c == '\\') {
        if (AtEnd()) break;
        out += s_[i_++];
      } else {
        out += c;
      }
    }
    return std::nullopt;
  }

 private:
  static bool IsTokenChar(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u > 0x20 && u < 0x7f &&
           std::string_view("()<>@,;:\\\"/[]?=").find(c) ==
               std::string_view::npos;
  }
  std::string_view s_;
  size_t i_ = 0;
};

Status Malformed(std::string_view what) {
  return InvalidArgumentError(std::string(what));
}

// The parameters whose values a verdict depends on: RFC 2231's forms of
// them are refused (a reader that does not join sections reads another
// value).
bool IsReadParameter(std::string_view name) {
  return name == "boundary" || name == "protocol" || name == "smime-type";
}

}  // namespace

std::optional<std::string> ContentType::Param(std::string_view name) const {
  for (const auto& [n, v] : parameters) {
    if (n == name) return v;
  }
  return std::nullopt;
}

Result<ContentType> ParseContentType(std::string_view value) {
  ValueLexer lex(value);
  const std::string_view kNoType = "no type/subtype";
  if (!lex.SkipBlanksAndComments()) return Malformed("an unclosed comment");
  const std::string_view type = lex.Token();
  if (type.empty() || !lex.SkipBlanksAndComments() || !lex.Take('/') ||
      !lex.SkipBlanksAndComments()) {
    return Malformed(kNoType);
  }
  const std::string_view subtype = lex.Token();
  if (subtype.empty()) return Malformed(kNoType);
  ContentType out;
  out.media_type = AsciiLower(type) + "/" + AsciiLower(subtype);
  // Per name without RFC 2231's suffix: which forms it came in.
  struct Forms {
    bool plain = false, extended = false, sections = false;
  };
  std::vector<std::pair<std::string, Forms>> seen;
  for (;;) {
    if (!lex.SkipBlanksAndComments()) return Malformed("an unclosed comment");
    if (lex.AtEnd()) break;
    if (!lex.Take(';')) {
      return Malformed(out.parameters.empty()
                           ? "text after the media type"
                           : "text after the value of the parameter " +
                                 out.parameters.back().first);
    }
    if (!lex.SkipBlanksAndComments()) return Malformed("an unclosed comment");
    if (lex.AtEnd() || lex.Peek() == ';') continue;  // an empty parameter
    const std::string name = AsciiLower(lex.Token());
    if (name.empty()) return Malformed("a parameter without a name");
    if (!lex.SkipBlanksAndComments() || !lex.Take('=') ||
        !lex.SkipBlanksAndComments()) {
      return Malformed("the parameter " + name + " has no value");
    }
    std::string v;
    if (lex.Take('"')) {
      std::optional<std::string> quoted = lex.QuotedRest();
      if (!quoted) return Malformed("an unclosed quoted string");
      v = std::move(*quoted);
    } else {
      v = lex.Token();
      if (v.empty())
        return Malformed("the parameter " + name + " has no value");
    }
    // RFC 2231 §3, §4: "name*" (extended), "name*0", "name*1*" (sections).
    const size_t star = name.find('*');
    const std::string base = name.substr(0, star);
    if (base.empty()) return Malformed("a parameter without a name");
    if (star != std::string::npos && IsReadParameter(base)) {
      return Malformed("the parameter " + base + " in RFC 2231 form");
    }
    auto it = std::find_if(seen.begin(), seen.end(),
                           [&](const auto& s) { return s.first == base; });
    if (it == seen.end()) it = seen.insert(seen.end(), {base, Forms{}});
    Forms& forms = it->second;
    const bool again =
        std::any_of(out.parameters.begin(), out.parameters.end(),
                    [&](const auto& p) { return p.first == name; });
    if (star == std::string::npos) {
      forms.plain = true;
    } else if (star + 1 == name.size()) {
      forms.extended = true;
    } else {
      forms.sections = true;
    }
    if (again || forms.plain + forms.extended + forms.sections > 1) {
      return Malformed("the parameter " + base + " given twice");
    }
    out.parameters.emplace_back(name, std::move(v));
  }
  return out;
}

SignedForm SignedFormOf(const ContentType& type) {
  if (type.media_type == "multipart/signed" &&
      AsciiLower(type.Param("protocol").value_or(""))
          .ends_with("pkcs7-signature")) {
    return SignedForm::kClear;
  }
  if (type.media_type == "application/pkcs7-mime" &&
      AsciiLower(type.Param("smime-type").value_or("")) == "signed-data") {
    return SignedForm::kOpaque;
  }
  return SignedForm::kNone;
}

namespace {

// Whether a lenient reader would take a Content-Type value that does not
// parse for an S/MIME signature.
SignedForm LenientFormOf(std::string_view value) {
  const std::string lower = AsciiLower(value);
  if (lower.find("multipart/signed") != std::string::npos &&
      lower.find("pkcs7-signature") != std::string::npos) {
    return SignedForm::kClear;
  }
  if (lower.find("pkcs7-mime") != std::string::npos &&
      lower.find("signed-data") != std::string::npos) {
    return SignedForm::kOpaque;
  }
  return SignedForm::kNone;
}

// The first value GMime holds for parameter `name`, and whether it holds
// it more than once.
std::optional<std::string> GmimeParam(const mime::TopFieldsReading& gmime,
                                      std::string_view name, bool* twice) {
  std::optional<std::string> out;
  for (const auto& [n, v] : gmime.parameters) {
    if (n != name) continue;
    if (out) *twice = true;
    if (!out) out = v;
  }
  return out;
}

// How GMime's reading takes the message's top.
SignedForm GmimeFormOf(const mime::TopFieldsReading& gmime) {
  bool twice = false;
  if (gmime.media_type == "multipart/signed" &&
      AsciiLower(GmimeParam(gmime, "protocol", &twice).value_or(""))
          .ends_with("pkcs7-signature")) {
    return SignedForm::kClear;
  }
  if (gmime.media_type.ends_with("pkcs7-mime") &&
      AsciiLower(GmimeParam(gmime, "smime-type", &twice).value_or("")) ==
          "signed-data") {
    return SignedForm::kOpaque;
  }
  return SignedForm::kNone;
}

// Whether GMime reads the parts of `type` a verdict depends on as we do.
bool ReadAlike(const ContentType& type, const mime::TopFieldsReading& gmime) {
  if (type.media_type != gmime.media_type) return false;
  for (std::string_view name : {"boundary", "protocol", "smime-type"}) {
    bool twice = false;
    if (GmimeParam(gmime, name, &twice) != type.Param(name) || twice) {
      return false;
    }
  }
  return true;
}

FromReading ReadFrom(std::string_view header,
                     const mime::TopFieldsReading& gmime) {
  FromReading out;
  const std::vector<std::string> values = HeaderFieldValues(header, "From");
  if (static_cast<int>(values.size()) != gmime.from_fields) {
    out.problem = values.size() > 1 || gmime.from_fields > 1
                      ? "two From fields"
                      : "the From field reads otherwise in GMime";
    return out;
  }
  if (values.empty()) return out;
  // Several fields name one address when each is the same one mailbox:
  // what a message unwrapped from openssl's sign-then-encrypt carries
  // (the message's From, then the signed entity's own). Readers may show
  // either; they show the same address.
  std::optional<std::string> address;
  for (const std::string& value : values) {
    std::optional<std::string> one = mime::SoleMailboxAsGmime(value);
    if (!one || one->find('@') == std::string::npos) {
      out.problem = "the From field is not one address";
      return out;
    }
    if (address && *one != *address) {
      out.problem = "two From fields";
      return out;
    }
    address = std::move(one);
  }
  if (gmime.from.size() != values.size() ||
      std::any_of(gmime.from.begin(), gmime.from.end(),
                  [&](const std::string& a) { return a != *address; })) {
    out.problem = "the From field reads otherwise in GMime";
    return out;
  }
  out.address = std::move(*address);
  return out;
}

// A boundary every reader matches alike: no control or 8-bit byte, no
// blank at its end (RFC 2046 §5.1.1: "bcharsnospace").
bool PlainBoundary(std::string_view b) {
  if (b.empty() || b.back() == ' ' || b.back() == '\t') return false;
  return std::all_of(b.begin(), b.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

}  // namespace

FromReading ReadFrom(std::string_view header) {
  return ReadFrom(header, mime::ReadTopFieldsAsGmime(header));
}

SignedTop SignedTopOf(std::string_view header) {
  SignedTop top;
  const std::vector<std::string> types =
      HeaderFieldValues(header, "Content-Type");
  const mime::TopFieldsReading gmime = mime::ReadTopFieldsAsGmime(header);
  // Signed to any reading: ours of each field (leniently when it does not
  // parse), GMime's.
  for (const std::string& t : types) {
    Result<ContentType> parsed = ParseContentType(t);
    top.form = parsed.ok() ? SignedFormOf(*parsed) : LenientFormOf(t);
    if (top.form != SignedForm::kNone) break;
  }
  if (top.form == SignedForm::kNone) top.form = GmimeFormOf(gmime);
  if (top.form == SignedForm::kNone) return top;
  auto refuse = [&top](std::string why) {
    top.refused.emplace().reason = std::move(why);
    return top;
  };
  if (!gmime.ok) return refuse("GMime reads no header section");
  if (types.size() > 1 || gmime.content_type_fields > 1) {
    return refuse("two Content-Type fields");
  }
  if (static_cast<int>(types.size()) != gmime.content_type_fields) {
    return refuse("the Content-Type field reads otherwise in GMime");
  }
  Result<ContentType> type = ParseContentType(types.front());
  if (!type.ok()) {
    return refuse("the Content-Type field is malformed: " +
                  type.status().message());
  }
  if (!ReadAlike(*type, gmime)) {
    return refuse("the Content-Type field reads otherwise in GMime");
  }
  top.form = SignedFormOf(*type);
  if (top.form == SignedForm::kNone) return top;
  FromReading from = ReadFrom(header, gmime);
  if (!from.problem.empty()) return refuse(std::move(from.problem));
  if (top.form != SignedForm::kClear) return top;
  top.boundary = type->Param("boundary").value_or("");
  if (top.boundary.empty())
    return refuse("multipart/signed without a boundary");
  if (!PlainBoundary(top.boundary)) {
    return refuse("its boundary has a control character or ends in a blank");
  }
  return top;
}

std::string FromAddress(std::string_view v) {
  std::optional<std::string> address = mime::SoleMailboxAsGmime(v);
  return address && address->find('@') != std::string::npos ? *address
                                                            : std::string();
}

}  // namespace sealpost::smime
