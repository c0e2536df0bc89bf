// A ByteSource over `bytes` read `slice` at a time that adds every byte it
// gives to *read: how often a reader goes over its source (tests only).
#ifndef SEALPOST_BASE_COUNTING_SOURCE_FOR_TESTING_H_
#define SEALPOST_BASE_COUNTING_SOURCE_FOR_TESTING_H_

#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/string_source.h"

namespace sealpost {

class CountingSource final : public ByteSource {
 public:
  CountingSource(std::string_view bytes, size_t slice, size_t* read)
      : in_(bytes, slice), read_(read) {}
  Status Restart() override { return in_.Restart(); }
  Result<size_t> Read(size_t max, std::string* out) override {
    SP_ASSIGN_OR_RETURN(size_t n, in_.Read(max, out));
    *read_ += n;
    return n;
  }

 private:
  StringSource in_;
  size_t* read_;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_COUNTING_SOURCE_FOR_TESTING_H_
