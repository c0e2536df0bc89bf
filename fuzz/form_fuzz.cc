// libFuzzer target for the portal's form and cookie parsers: arbitrary
// request bodies under both form content types (and a fuzzed Content-Type
// taken from the first line), and arbitrary Cookie headers.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "http/form.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using sealpost::http::ParseForm;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  sealpost::http::FormLimits limits{
      .max_fields = 16, .max_files = 4, .max_field_bytes = 256};
  (void)ParseForm("application/x-www-form-urlencoded", input, limits);
  auto multipart = ParseForm("multipart/form-data; boundary=b", input, limits);
  if (multipart.ok()) {
    // Every part is a slice of the body.
    size_t total = 0;
    for (const auto& [name, value] : multipart->fields) total += value.size();
    for (const auto& [name, file] : multipart->files) total += file.data.size();
    if (total > input.size()) std::abort();
  }
  size_t eol = input.find('\n');
  if (eol != std::string_view::npos) {
    (void)ParseForm(input.substr(0, eol), input.substr(eol + 1), limits);
  }
  (void)sealpost::http::ParseCookies(input);
  return 0;
}
