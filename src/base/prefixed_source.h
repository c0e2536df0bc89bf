// PrefixedSource: a ByteSource (base/byte_source.h) that gives `prefix`,
// then `source` from its byte `skip` on: a message whose first `skip` bytes
// (its header section, or the fields of it that are not kept) are replaced
// by new ones, read without holding the rest. The source is restarted and
// its first `skip` bytes read past each time the prefix has been given, so
// a Restart of this one costs nothing until the prefix is done.
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_BASE_PREFIXED_SOURCE_H_
#define SEALPOST_BASE_PREFIXED_SOURCE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "base/byte_source.h"

namespace sealpost {

class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(std::string prefix, int64_t skip,
                 std::unique_ptr<ByteSource> source);
  // `source` not owned: it must outlive this one.
  PrefixedSource(std::string prefix, int64_t skip, ByteSource& source);

  Status Restart() override;
  // INTERNAL when the source ends within its first `skip` bytes; the
  // source's own errors as they are.
  Result<size_t> Read(size_t max, std::string* out) override;

 private:
  std::string prefix_;
  const int64_t skip_;
  std::unique_ptr<ByteSource> owned_;
  ByteSource& source_;
  size_t prefix_at_ = 0;
  bool skipped_ = false;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_PREFIXED_SOURCE_H_
