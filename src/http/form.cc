#include "http/form.h"

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/split.h"
#include "base/strings.h"

namespace sealpost::http {
namespace {

// Part headers are a few hundred bytes from any browser.
constexpr size_t kMaxPartHeaderBytes = 16 * 1024;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict %XX decoding; '+' is a space when plus_is_space. `what` names the
// input in the error.
Result<std::string> PercentDecodeStrict(std::string_view s, bool plus_is_space,
                                        std::string_view what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%') {
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return InvalidArgumentError("bad percent escape in " +
                                    std::string(what) + " at offset " +
                                    std::to_string(i));
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Header parameters: `value *( OWS ";" OWS name "=" ( token / quoted-string ))`
// (RFC 9110 §5.6.6), shared by Content-Type and Content-Disposition.

struct HeaderValue {
  std::string value;  // lower case: "multipart/form-data", "form-data"
  std::vector<std::pair<std::string, std::string>> params;  // names lower

  const std::string* Param(std::string_view name) const {
    for (const auto& [n, v] : params) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

// A quoted-string starting at s[*pos] == '"'. A backslash escapes only '"'
// and '\': browsers do not escape the backslashes of a Windows path.
Result<std::string> ParseQuoted(std::string_view s, size_t* pos,
                                std::string_view header) {
  std::string out;
  for (size_t i = *pos + 1; i < s.size(); ++i) {
    char c = s[i];
    if (c == '"') {
      *pos = i + 1;
      return out;
    }
    if (c == '\\' && i + 1 < s.size() &&
        (s[i + 1] == '"' || s[i + 1] == '\\')) {
      c = s[++i];
    }
    out += c;
  }
  return InvalidArgumentError("unterminated quoted string in " +
                              std::string(header));
}

Result<HeaderValue> ParseHeaderValue(std::string_view s,
                                     std::string_view header) {
  HeaderValue result;
  size_t semi = s.find(';');
  result.value = AsciiLower(TrimBlanks(s.substr(0, semi)));
  size_t pos = semi == std::string_view::npos ? s.size() : semi + 1;
  while (pos < s.size()) {
    size_t eq = s.find_first_of("=;", pos);
    if (eq == std::string_view::npos || s[eq] == ';') {
      // A parameter without a value: ignored, as browsers do.
      pos = eq == std::string_view::npos ? s.size() : eq + 1;
      continue;
    }
    std::string name = AsciiLower(TrimBlanks(s.substr(pos, eq - pos)));
    pos = eq + 1;
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
    std::string value;
    if (pos < s.size() && s[pos] == '"') {
      SP_ASSIGN_OR_RETURN(value, ParseQuoted(s, &pos, header));
      while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t')) ++pos;
      if (pos < s.size() && s[pos] != ';') {
        return InvalidArgumentError("junk after quoted parameter " + name +
                                    " in " + std::string(header));
      }
      ++pos;
    } else {
      size_t end = s.find(';', pos);
      value = TrimBlanks(s.substr(pos, end - pos));
      pos = end == std::string_view::npos ? s.size() : end + 1;
    }
    if (!name.empty()) result.params.emplace_back(name, std::move(value));
  }
  return result;
}

// RFC 8187 §3.2.1 (was RFC 5987): charset'language'percent-encoded.
Result<std::string> DecodeExtValue(std::string_view v) {
  size_t q1 = v.find('\'');
  size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
  if (q2 == std::string_view::npos) {
    return InvalidArgumentError("malformed filename* parameter");
  }
  std::string charset = AsciiLower(v.substr(0, q1));
  SP_ASSIGN_OR_RETURN(
      std::string bytes,
      PercentDecodeStrict(v.substr(q2 + 1), false, "filename* parameter"));
  if (charset == "utf-8") return bytes;
  if (charset == "iso-8859-1") {
    std::string utf8;
    for (unsigned char c : bytes) {
      if (c < 0x80) {
        utf8 += static_cast<char>(c);
      } else {
        utf8 += static_cast<char>(0xc0 | (c >> 6));
        utf8 += static_cast<char>(0x80 | (c & 0x3f));
      }
    }
    return utf8;
  }
  return InvalidArgumentError("unsupported charset in filename* parameter: " +
                              charset);
}

// RFC 7578 §4.2: "only the last part of the file name" is wanted; a browser
// on Windows may still send a full path.
std::string BaseName(std::string_view path) {
  size_t slash = path.find_last_of("/\\");
  return std::string(slash == std::string_view::npos ? path
                                                     : path.substr(slash + 1));
}

// ---------------------------------------------------------------------------

Status CheckField(const Form& form, std::string_view name,
                  std::string_view value, const FormLimits& limits) {
  if (form.fields.size() >= limits.max_fields) {
    return InvalidArgumentError("too many form fields (limit " +
                                std::to_string(limits.max_fields) + ")");
  }
  if (name.size() > limits.max_field_bytes ||
      value.size() > limits.max_field_bytes) {
    return InvalidArgumentError("form field exceeds " +
                                std::to_string(limits.max_field_bytes) +
                                " bytes");
  }
  return Status::Ok();
}

// URL Standard §5.1 application/x-www-form-urlencoded parsing, except that a
// bad percent escape is an error instead of literal text.
Result<Form> ParseUrlEncoded(std::string_view body, const FormLimits& limits) {
  Form form;
  size_t offset = 0;
  while (offset <= body.size()) {
    size_t amp = body.find('&', offset);
    if (amp == std::string_view::npos) amp = body.size();
    std::string_view pair = body.substr(offset, amp - offset);
    offset = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string_view raw_name = pair.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    SP_ASSIGN_OR_RETURN(std::string name,
                        PercentDecodeStrict(raw_name, true, "form field name"));
    SP_ASSIGN_OR_RETURN(
        std::string value,
        PercentDecodeStrict(raw_value, true, "form field \"" + name + "\""));
    SP_RETURN_IF_ERROR(CheckField(form, name, value, limits));
    form.fields.emplace_back(std::move(name), std::move(value));
  }
  return form;
}

Status AddPart(Form& form, std::string_view headers, std::string_view content,
               const FormLimits& limits) {
  std::optional<HeaderValue> disposition;
  std::string content_type;
  while (!headers.empty()) {
    std::string_view line = TakeField(headers, "\r\n");
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0 || line[0] == ' ' ||
        line[0] == '\t') {
      return InvalidArgumentError("malformed multipart part header line");
    }
    std::string name = AsciiLower(TrimBlanks(line.substr(0, colon)));
    std::string_view value = TrimBlanks(line.substr(colon + 1));
    if (name == "content-disposition" && !disposition) {
      SP_ASSIGN_OR_RETURN(disposition,
                          ParseHeaderValue(value, "Content-Disposition"));
    } else if (name == "content-type" && content_type.empty()) {
      content_type = value;
    }
  }
  if (!disposition) {
    return InvalidArgumentError(
        "multipart part without a Content-Disposition header");
  }
  if (disposition->value != "form-data") {
    return InvalidArgumentError("multipart part disposition is not form-data");
  }
  const std::string* field_name = disposition->Param("name");
  if (field_name == nullptr) {
    return InvalidArgumentError("multipart part without a name");
  }
  const std::string* filename = disposition->Param("filename");
  const std::string* filename_ext = disposition->Param("filename*");
  if (filename == nullptr && filename_ext == nullptr) {
    SP_RETURN_IF_ERROR(CheckField(form, *field_name, content, limits));
    form.fields.emplace_back(*field_name, std::string(content));
    return Status::Ok();
  }
  FormFile file;
  if (filename_ext != nullptr) {  // RFC 6266 §4.3: preferred when both
    SP_ASSIGN_OR_RETURN(std::string decoded, DecodeExtValue(*filename_ext));
    file.filename = BaseName(decoded);
  } else {
    file.filename = BaseName(*filename);
  }
  if (file.filename.empty() && content.empty()) return Status::Ok();
  if (form.files.size() >= limits.max_files) {
    return InvalidArgumentError("too many files in form (limit " +
                                std::to_string(limits.max_files) + ")");
  }
  file.content_type =
      content_type.empty() ? "application/octet-stream" : content_type;
  file.data = std::string(content);
  form.files.emplace_back(*field_name, std::move(file));
  return Status::Ok();
}

// RFC 2046 §5.1.1 / RFC 7578. One pass: every search starts where the last
// one ended, and the delimiter is at most 74 bytes, so the scan is linear.
// Each part's content is copied once, into the Form.
Result<Form> ParseMultipart(const HeaderValue& content_type,
                            std::string_view body, const FormLimits& limits) {
  const std::string* boundary = content_type.Param("boundary");
  if (boundary == nullptr || boundary->empty()) {
    return InvalidArgumentError("multipart/form-data without a boundary");
  }
  if (boundary->size() > 70) {  // RFC 2046 §5.1.1 bchars, 1*70
    return InvalidArgumentError("multipart boundary longer than 70 bytes");
  }
  const std::string dash_boundary = "--" + *boundary;
  const std::string delimiter = "\r\n" + dash_boundary;

  size_t pos;
  if (body.starts_with(dash_boundary)) {
    pos = dash_boundary.size();
  } else {  // skip the preamble
    size_t found = body.find(delimiter);
    if (found == std::string_view::npos) {
      return InvalidArgumentError("multipart body without an opening boundary");
    }
    pos = found + delimiter.size();
  }

  Form form;
  while (true) {
    std::string_view rest = body.substr(pos);
    if (rest.starts_with("--")) return form;  // close-delimiter; epilogue
    size_t eol = 0;
    while (eol < rest.size() && (rest[eol] == ' ' || rest[eol] == '\t')) {
      ++eol;  // transport-padding
    }
    if (rest.substr(eol, 2) != "\r\n") {
      return InvalidArgumentError(
          rest.size() == eol ? "multipart body ends after a boundary without "
                               "the closing boundary"
                             : "malformed multipart boundary line");
    }
    size_t headers_start = pos + eol + 2;
    size_t headers_end;
    if (body.substr(headers_start, 2) == "\r\n") {
      headers_end = headers_start;  // no headers at all
    } else {
      std::string_view window =
          body.substr(headers_start, kMaxPartHeaderBytes + 4);
      size_t blank = window.find("\r\n\r\n");
      if (blank == std::string_view::npos) {
        return InvalidArgumentError(
            window.size() > kMaxPartHeaderBytes
                ? "multipart part headers exceed " +
                      std::to_string(kMaxPartHeaderBytes) + " bytes"
                : std::string("unterminated multipart part headers"));
      }
      headers_end = headers_start + blank + 2;
    }
    size_t content_start = headers_end + 2;
    size_t content_end = body.find(delimiter, content_start);
    if (content_end == std::string_view::npos) {
      return InvalidArgumentError(
          "unterminated multipart part: no boundary after its content");
    }
    SP_RETURN_IF_ERROR(AddPart(
        form, body.substr(headers_start, headers_end - headers_start),
        body.substr(content_start, content_end - content_start), limits));
    pos = content_end + delimiter.size();
  }
}

}  // namespace

std::string Form::Get(std::string_view name) const {
  for (const auto& [n, v] : fields) {
    if (n == name) return v;
  }
  return {};
}

std::vector<std::string> Form::GetAll(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [n, v] : fields) {
    if (n == name) values.push_back(v);
  }
  return values;
}

Result<Form> ParseForm(std::string_view content_type, std::string_view body,
                       const FormLimits& limits) {
  SP_ASSIGN_OR_RETURN(HeaderValue type,
                      ParseHeaderValue(content_type, "Content-Type"));
  if (type.value == "application/x-www-form-urlencoded") {
    return ParseUrlEncoded(body, limits);
  }
  if (type.value == "multipart/form-data") {
    return ParseMultipart(type, body, limits);
  }
  return InvalidArgumentError("unsupported form content type");
}

std::map<std::string, std::string> ParseCookies(std::string_view header) {
  std::map<std::string, std::string> cookies;
  while (!header.empty()) {
    std::string_view pair = TakeField(header, ";");
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = TrimBlanks(pair.substr(0, eq));
    std::string_view value = TrimBlanks(pair.substr(eq + 1));
    if (name.empty()) continue;
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    cookies.emplace(name, value);
  }
  return cookies;
}

}  // namespace sealpost::http
