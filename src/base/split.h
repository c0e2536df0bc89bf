// Walking a list field by field: "a; b; c", header lines, cookies.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_SPLIT_H_
#define SEALPOST_BASE_SPLIT_H_

#include <string_view>

namespace sealpost {

// Takes the next field off the front of `rest`: the text before the first
// `separator`, which is dropped with it; all of `rest` when it holds none.
inline std::string_view TakeField(std::string_view& rest,
                                  std::string_view separator) {
  size_t at = rest.find(separator);
  std::string_view field = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view()
                                      : rest.substr(at + separator.size());
  return field;
}

}  // namespace sealpost

#endif  // SEALPOST_BASE_SPLIT_H_
