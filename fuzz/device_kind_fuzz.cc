// The portal's User-Agent classifier: arbitrary header bytes give one of
// the four kinds and never read past the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "portal/device.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view kind = sealpost::portal::DeviceKind(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (kind != "desktop" && kind != "mobile" && kind != "tablet" &&
      kind != "unknown") {
    std::abort();
  }
  return 0;
}
