// StringSource: a ByteSource (base/byte_source.h) over bytes already in
// memory, either held by the source or only viewed, handed out at most
// `slice` bytes a Read. The file-backed twin is FileReader (base/files.h).
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_BASE_STRING_SOURCE_H_
#define SEALPOST_BASE_STRING_SOURCE_H_

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "base/byte_source.h"

namespace sealpost {

class StringSource : public SizedByteSource {
 public:
  static constexpr size_t kWhole = std::numeric_limits<size_t>::max();

  // Reads `bytes`, which are not copied: the caller owns them and they must
  // outlive the source.
  explicit StringSource(std::string_view bytes, size_t slice = kWhole)
      : bytes_(bytes), slice_(slice) {}
  // Reads `bytes`, held by the source.
  static std::unique_ptr<StringSource> Holding(std::string bytes,
                                               size_t slice = kWhole) {
    return std::unique_ptr<StringSource>(
        new StringSource(std::move(bytes), slice));
  }
  StringSource(const StringSource&) = delete;
  StringSource& operator=(const StringSource&) = delete;

  Status Restart() override {
    at_ = 0;
    return Status::Ok();
  }
  int64_t size() const override { return static_cast<int64_t>(bytes_.size()); }
  Result<size_t> Read(size_t max, std::string* out) override {
    size_t n = std::min({max, slice_, bytes_.size() - at_});
    out->append(bytes_.substr(at_, n));
    at_ += n;
    return n;
  }

 private:
  StringSource(std::string&& held, size_t slice)
      : held_(std::move(held)), bytes_(held_), slice_(slice) {}

  std::string held_;
  std::string_view bytes_;  // held_, or bytes the caller owns
  size_t slice_ = kWhole;
  size_t at_ = 0;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_STRING_SOURCE_H_
