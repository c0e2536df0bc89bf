// libFuzzer target: arbitrary bytes as the body of a multipart/signed that
// the gateway's check and `sealpost open` scan a slice at a time
// (smime::ClearSignedScanner, issue 14; CheckSignature scans it whole).
// Invariants: no crash or leak; the split does not depend on the slice
// size (the first byte picks one, checked against one whole slice); and it
// is the split of the whole-body reference that reads the rules a CRLF
// line at a time (smime/clear_signed_reference_for_testing.h): same parts
// where they begin, or an error exactly where the reference refuses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "smime/clear_signed_reference_for_testing.h"
#include "smime/signed_stream.h"

namespace {

struct Split {
  bool ok = false;
  std::string content, signature;
  uint64_t content_begin = 0, signature_begin = 0;
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
  out.content_begin = s.content_begin();
  out.signature_begin = s.signature_begin();
  return out;
}

bool Same(const Split& a, const Split& b) {
  return a.content == b.content && a.signature == b.signature &&
         a.content_begin == b.content_begin &&
         a.signature_begin == b.signature_begin;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t slice = 1 + data[0] % 32;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  Split sliced = Scan(body, slice);
  Split whole = Scan(body, body.size() + 1);
  const sealpost::smime::testing::ReferenceSplit r =
      sealpost::smime::testing::SplitClearSignedWhole(body, "b0und", kMax);
  if (sliced.ok != whole.ok || sliced.ok != r.ok) std::abort();
  if (!r.ok) return 0;
  const Split ref{true, r.content, r.signature, r.content_begin,
                  r.signature_begin};
  if (!Same(sliced, ref) || !Same(whole, ref)) std::abort();
  return 0;
}
