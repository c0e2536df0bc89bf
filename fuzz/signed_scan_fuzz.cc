// libFuzzer target: arbitrary bytes as the body of a multipart/signed that
// `sealpost open` scans a slice at a time (smime::ClearSignedScanner, issue
// 14). Invariants: no crash or leak; the split does not depend on the
// slice size (the first byte picks one, checked against one whole slice);
// and it is CheckSignature's split of the same body (a reference written
// as CheckSignature searches, below): same first part, same signature
// part, or an error exactly where CheckSignature finds no part.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smime/signed_stream.h"

namespace {

struct Split {
  bool ok = false;
  std::string content, signature;
};

constexpr size_t kMax = 256;  // the signature part's bound here

Split Scan(std::string_view body, size_t slice) {
  Split out;
  sealpost::smime::ClearSignedScanner s(
      "b0und",
      [&out](std::string_view b) {
        out.content.append(b);
        return sealpost::Status::Ok();
      },
      kMax);
  sealpost::Status st = sealpost::Status::Ok();
  for (size_t at = 0; at < body.size() && st.ok(); at += slice) {
    st = s.Write(body.substr(at, slice));
  }
  if (st.ok()) st = s.Finish();
  if (!st.ok() && st.code() != sealpost::StatusCode::kInvalidArgument) {
    std::abort();
  }
  out.ok = st.ok();
  if (!out.ok) out.content.clear();
  out.signature = s.signature_part();
  return out;
}

// signature_check.cc's search, whole.
Split Reference(std::string_view body) {
  const std::string delim = "--b0und", crlf_delim = "\r\n--b0und";
  Split out;
  const bool at_top = body.starts_with(delim);
  size_t first = at_top ? 0 : body.find(crlf_delim);
  if (first == std::string_view::npos) return out;
  size_t start = body.find("\r\n", first + (at_top ? 0 : 2));
  if (start == std::string_view::npos) return out;
  size_t next = body.find(crlf_delim, start + 2);
  if (next == std::string_view::npos) return out;
  size_t sig_start = body.find("\r\n", next + 2);
  if (sig_start == std::string_view::npos) return out;
  size_t sig_end = body.find(crlf_delim, sig_start);
  // An empty signature part (the delimiter right after the line's CRLF)
  // is refused by the scanner.
  if (sig_end == std::string_view::npos || sig_end == sig_start) return out;
  if (sig_end - sig_start - 2 > kMax) return out;
  out.ok = true;
  out.content = std::string(body.substr(start + 2, next - start - 2));
  out.signature =
      std::string(body.substr(sig_start + 2, sig_end - sig_start - 2));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t slice = 1 + data[0] % 32;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Split sliced = Scan(body, slice);
  Split whole = Scan(body, body.size() + 1);
  Split ref = Reference(body);
  if (sliced.ok != whole.ok || sliced.ok != ref.ok) std::abort();
  if (!ref.ok) return 0;
  if (sliced.content != ref.content || whole.content != ref.content ||
      sliced.signature != ref.signature || whole.signature != ref.signature) {
    std::abort();
  }
  return 0;
}
