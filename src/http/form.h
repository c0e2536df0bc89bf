// HTML form bodies and the Cookie header, as the portal receives them from
// browsers: application/x-www-form-urlencoded (URL Standard §5.1),
// multipart/form-data (RFC 7578 over RFC 2046 §5.1.1) and Cookie (RFC 6265
// §5.4). Every input is untrusted: malformed bodies are errors with a precise
// message, never a partial result, and the limits bound what one request can
// make us hold.
//
// Thread-safety: pure functions over value types.
#ifndef SEALPOST_HTTP_FORM_H_
#define SEALPOST_HTTP_FORM_H_

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace sealpost::http {

struct FormFile {
  std::string filename;      // base name only: no directory part
  std::string content_type;  // "application/octet-stream" when not given
  std::string data;
};

struct FormLimits {
  size_t max_fields = 200;
  size_t max_files = 20;
  size_t max_field_bytes = 1 << 20;  // per field value; files are not bound
};

struct Form {
  std::vector<std::pair<std::string, std::string>> fields;  // in order
  // Field name -> file, in order. A file input left empty (empty filename,
  // no data) is skipped.
  std::vector<std::pair<std::string, FormFile>> files;

  // First value of the field, or "".
  std::string Get(std::string_view name) const;
  std::vector<std::string> GetAll(std::string_view name) const;
};

// Parses an application/x-www-form-urlencoded ('+' is space, %XX escapes) or
// multipart/form-data body (boundary from content_type; Content-Disposition
// name, filename and filename* (RFC 5987); per-part Content-Type).
// INVALID_ARGUMENT for anything malformed or over a limit, and
// "unsupported form content type" for other media types.
Result<Form> ParseForm(std::string_view content_type, std::string_view body,
                       const FormLimits& limits = {});

// Cookie header -> name/value; the first of two equal names wins. Tolerant of
// spaces; pairs without '=' or a name are ignored; a value in double quotes
// loses them.
std::map<std::string, std::string> ParseCookies(std::string_view cookie_header);

}  // namespace sealpost::http

#endif  // SEALPOST_HTTP_FORM_H_
