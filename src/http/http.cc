#include "http/http.h"

#include <algorithm>
#include <cctype>

#include "base/encoding.h"
#include "http/headers.h"

namespace sealpost::http {
namespace {

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.emplace_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::string_view HeaderValue(
    const std::vector<std::pair<std::string, std::string>>& headers,
    std::string_view lower_name) {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

std::string_view Request::Header(std::string_view lower_name) const {
  return HeaderValue(headers, lower_name);
}

std::string Request::QueryParam(std::string_view name) const {
  return FindQueryParam(name).value_or("");
}

std::optional<std::string> Request::FindQueryParam(
    std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view pair = q.substr(0, amp);
    size_t eq = pair.find('=');
    std::string key = PercentDecode(pair.substr(0, eq));
    if (key == name) {
      return eq == std::string_view::npos ? std::string()
                                          : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

Response Response::Json(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response Response::JsonError(int status, std::string_view code,
                             std::string_view message) {
  return Json(status, "{\"error\":{\"code\":" + JsonQuote(code) +
                          ",\"message\":" + JsonQuote(message) + "}}");
}

Response Response::Text(int status, std::string body) {
  Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

void Router::Add(std::string method, std::string pattern, Handler handler) {
  routes_.push_back(
      {std::move(method), SplitPath(pattern), std::move(handler)});
}

Response Router::Dispatch(Request& request) const {
  std::vector<std::string> segs = SplitPath(request.path);
  bool path_matched = false;
  for (const Route& r : routes_) {
    if (r.segments.size() != segs.size()) continue;
    std::map<std::string, std::string> params;
    bool match = true;
    for (size_t i = 0; i < segs.size() && match; ++i) {
      if (!r.segments[i].empty() && r.segments[i][0] == ':') {
        params[r.segments[i].substr(1)] = PercentDecode(segs[i]);
      } else {
        match = r.segments[i] == segs[i];
      }
    }
    if (!match) continue;
    path_matched = true;
    if (r.method != request.method &&
        !(r.method == "GET" && request.method == "HEAD")) {
      continue;
    }
    request.params = std::move(params);
    return r.handler(request);
  }
  if (path_matched) {
    return Response::JsonError(
        405, "method_not_allowed",
        "method " + request.method + " is not allowed on " + request.path);
  }
  return Response::JsonError(404, "not_found",
                             "no such endpoint: " + request.path);
}

std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

namespace {

// The first `max` bytes of UTF-8 `s`, not cutting a character in two.
std::string_view Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end);
}

std::string ShortName(std::string_view name) {
  if (name.size() <= kMaxFilenameBytes) return std::string(name);
  constexpr size_t kMaxExtension = 16;
  size_t dot = name.rfind('.');
  std::string_view ext;
  if (dot != std::string_view::npos && name.size() - dot <= kMaxExtension) {
    ext = name.substr(dot);
  }
  return std::string(Utf8Prefix(name, kMaxFilenameBytes - ext.size())) +
         std::string(ext);
}

}  // namespace

std::string AttachmentDisposition(std::string_view filename) {
  std::string name = ShortName(filename);
  std::string ascii;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    ascii += (u < 0x20 || u >= 0x7f || c == '"' || c == '\\') ? '_' : c;
  }
  return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" +
         PercentEncode(name);
}

bool PathMatches(std::string_view pattern, std::string_view target) {
  const size_t star = pattern.find('*');
  if (star == std::string_view::npos) return target == pattern;
  const std::string_view prefix = pattern.substr(0, star);
  const std::string_view suffix = pattern.substr(star + 1);
  if (suffix.empty()) return target.starts_with(prefix);
  // "/m/*/reply": one path segment where the '*' is.
  if (target.size() < prefix.size() + suffix.size() + 1 ||
      !target.starts_with(prefix) || !target.ends_with(suffix)) {
    return false;
  }
  const std::string_view middle = target.substr(
      prefix.size(), target.size() - prefix.size() - suffix.size());
  return middle.find('/') == std::string_view::npos;
}

std::string PercentDecode(std::string_view s) {
  // A '+' is a space in a query or form (HTML 4.01 §17.13.4.1); an
  // escaped one ("%2B") is a plus.
  std::string spaced(s);
  std::replace(spaced.begin(), spaced.end(), '+', ' ');
  return DecodePercentEscapes(spaced);
}

std::string_view StatusReason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
  }
  return "Unknown";
}

}  // namespace sealpost::http
