// A ByteSource that gives `bytes` but fails after the first `good` of them:
// a spool file cut or changed under a reader (tests only).
#ifndef SEALPOST_BASE_FAILING_SOURCE_FOR_TESTING_H_
#define SEALPOST_BASE_FAILING_SOURCE_FOR_TESTING_H_

#include <algorithm>
#include <string>
#include <string_view>

#include "base/byte_source.h"

namespace sealpost {

class FailingSource : public ByteSource {
 public:
  FailingSource(std::string_view bytes, size_t good)
      : bytes_(bytes), good_(good) {}
  Status Restart() override {
    at_ = 0;
    return Status::Ok();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    if (at_ >= good_) return InternalError("spool file: cut");
    size_t n = std::min({max, good_ - at_, bytes_.size() - at_});
    out->append(bytes_.substr(at_, n));
    at_ += n;
    return n;
  }

 private:
  std::string_view bytes_;
  size_t good_;
  size_t at_ = 0;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_FAILING_SOURCE_FOR_TESTING_H_
