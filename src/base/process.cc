#include "base/process.h"

#include <malloc.h>

namespace sealpost {

void TuneAllocatorForLargeBuffers() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace sealpost
