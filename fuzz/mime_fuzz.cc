// libFuzzer target for the MIME readers the mail flow runs on untrusted
// mail: message facts (GMime) and the sealed attachment extraction.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mime/facts.h"
#include "mime/wrapper.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)sealpost::mime::ExtractFacts(input, 4096);
  (void)sealpost::mime::ExtractSealedAttachment(input);
  (void)sealpost::mime::RawHeader(input, "Subject");
  return 0;
}
