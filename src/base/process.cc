#include "base/process.h"

#include <malloc.h>

namespace sealpost {

void TuneAllocatorForLargeBuffers() {
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 32 << 20);
}

}  // namespace sealpost
