#include "base/prefixed_source.h"

#include <algorithm>
#include <utility>

namespace sealpost {
namespace {

constexpr int64_t kSkipSlice = 256 << 10;

}  // namespace

PrefixedSource::PrefixedSource(std::string prefix, int64_t skip,
                               std::unique_ptr<ByteSource> source)
    : prefix_(std::move(prefix)),
      skip_(skip),
      owned_(std::move(source)),
      source_(*owned_) {}

PrefixedSource::PrefixedSource(std::string prefix, int64_t skip,
                               ByteSource& source)
    : prefix_(std::move(prefix)), skip_(skip), source_(source) {}

Status PrefixedSource::Restart() {
  prefix_at_ = 0;
  skipped_ = false;
  return Status::Ok();
}

Result<size_t> PrefixedSource::Read(size_t max, std::string* out) {
  if (prefix_at_ < prefix_.size()) {
    size_t n = std::min(max, prefix_.size() - prefix_at_);
    out->append(prefix_, prefix_at_, n);
    prefix_at_ += n;
    return n;
  }
  if (!skipped_) {
    SP_RETURN_IF_ERROR(source_.Restart());
    std::string dropped;
    for (int64_t at = 0; at < skip_;) {
      dropped.clear();
      SP_ASSIGN_OR_RETURN(
          size_t n,
          source_.Read(static_cast<size_t>(std::min(skip_ - at, kSkipSlice)),
                       &dropped));
      if (n == 0) {
        return InternalError("the source ended before byte " +
                             std::to_string(skip_));
      }
      at += static_cast<int64_t>(n);
    }
    skipped_ = true;
  }
  return source_.Read(max, out);
}

}  // namespace sealpost
