// The names of an enum's values as one table that serves both directions:
// printing a value and parsing a name.
//
//   constexpr NameTable<Color, 2> kColorNames = {{
//       {Color::kRed, "red"},
//       {Color::kGreen, "green"},
//   }};
//   NameOf(kColorNames, Color::kRed)   // "red"
//   ParseName(kColorNames, "green")    // Color::kGreen
//
// Thread-safety: pure functions over constant tables.
#ifndef SEALPOST_BASE_ENUM_NAMES_H_
#define SEALPOST_BASE_ENUM_NAMES_H_

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace sealpost {

template <typename E, size_t N>
using NameTable = std::array<std::pair<E, std::string_view>, N>;

// `value`'s name, or `fallback` for a value the table does not list.
template <typename E, size_t N>
constexpr std::string_view NameOf(const NameTable<E, N>& table, E value,
                                  std::string_view fallback = "unknown") {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  return fallback;
}

// The value named exactly `name`, if any.
template <typename E, size_t N>
constexpr std::optional<E> ParseName(const NameTable<E, N>& table,
                                     std::string_view name) {
  for (const auto& [e, n] : table) {
    if (n == name) return e;
  }
  return std::nullopt;
}

}  // namespace sealpost

#endif  // SEALPOST_BASE_ENUM_NAMES_H_
