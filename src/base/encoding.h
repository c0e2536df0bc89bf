// Hex and base64 (RFC 4648 §4 and §5, the URL-safe form unpadded) codecs,
// and percent-decoding (RFC 3986 §2.1).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_ENCODING_H_
#define SEALPOST_BASE_ENCODING_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost {

std::string HexEncode(std::span<const uint8_t> bytes);
Result<std::string> HexDecode(std::string_view hex);
std::string Base64Encode(std::span<const uint8_t> bytes);
// Base64Encode's text appended to *out (which grows once, by its size).
void Base64EncodeTo(std::span<const uint8_t> bytes, std::string* out);
std::string Base64UrlEncode(std::span<const uint8_t> bytes);  // no padding
Result<std::string> Base64Decode(std::string_view text);      // either alphabet
// Each %XX as its byte; a malformed escape stays as it is.
std::string DecodePercentEscapes(std::string_view text);

inline std::span<const uint8_t> AsBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace sealpost

#endif  // SEALPOST_BASE_ENCODING_H_
