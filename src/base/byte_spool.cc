#include "base/byte_spool.h"

namespace sealpost {

Result<std::string> ReadSourceWhole(ByteSource& source, int64_t expected) {
  std::string whole;
  if (expected > 0) whole.reserve(static_cast<size_t>(expected));
  for (;;) {
    SP_ASSIGN_OR_RETURN(size_t n, source.Read(1 << 20, &whole));
    if (n == 0) break;
  }
  if (static_cast<int64_t>(whole.size()) != expected) {
    return InternalError("spool file: read back a different size");
  }
  return whole;
}

Status ReadSourceUpTo(ByteSource& source, size_t max, std::string* out) {
  while (out->size() < max) {
    SP_ASSIGN_OR_RETURN(size_t n, source.Read(max - out->size(), out));
    if (n == 0) break;
  }
  return Status::Ok();
}

Result<std::string> ReadSpoolWhole(ByteSpool& spool) {
  SP_RETURN_IF_ERROR(spool.Restart());
  return ReadSourceWhole(spool, spool.size());
}

}  // namespace sealpost
