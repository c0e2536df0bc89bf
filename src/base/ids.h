// Strong id types: a MessageId cannot be passed where a UserId is expected.
//
// Thread-safety: value types.
#ifndef SEALPOST_BASE_IDS_H_
#define SEALPOST_BASE_IDS_H_

#include <compare>
#include <string>
#include <utility>

namespace sealpost {

template <typename Tag>
class StrongId {
 public:
  StrongId() = default;
  explicit StrongId(std::string value) : value_(std::move(value)) {}
  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }
  auto operator<=>(const StrongId&) const = default;

 private:
  std::string value_;
};

using MessageId = StrongId<struct MessageIdTag>;
using UserId = StrongId<struct UserIdTag>;
using KeyId = StrongId<struct KeyIdTag>;

}  // namespace sealpost

#endif  // SEALPOST_BASE_IDS_H_
