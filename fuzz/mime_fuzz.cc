// libFuzzer target for the MIME readers that run on untrusted mail: message
// facts (GMime), the sealed attachment extraction, and the portal's reading
// view with every part it lists fetched back.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mime/facts.h"
#include "mime/view.h"
#include "mime/wrapper.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)sealpost::mime::ExtractFacts(input, 4096);
  (void)sealpost::mime::ExtractSealedAttachment(input);
  (void)sealpost::mime::RawHeader(input, "Subject");
  auto view = sealpost::mime::ParseForReading(input, 4096);
  if (view.ok()) {
    for (const sealpost::mime::ViewPart& part : view->parts) {
      auto content = sealpost::mime::PartContent(input, part.index);
      // The listing and the fetch agree on what a part is.
      if (!content.ok() || content->filename != part.filename ||
          static_cast<int64_t>(content->bytes.size()) != part.size) {
        __builtin_trap();
      }
    }
  }
  return 0;
}
