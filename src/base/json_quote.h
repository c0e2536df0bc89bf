// JSON string literals for the few places that write JSON without a JSON
// library: error bodies (http/), log lines (log.cc).
//
// Thread-safety: pure function.
#ifndef SEALPOST_BASE_JSON_QUOTE_H_
#define SEALPOST_BASE_JSON_QUOTE_H_

#include <string>
#include <string_view>

namespace sealpost {

// `s` as a JSON string literal with its quotes, escaped per RFC 8259 §7;
// valid UTF-8 kept as is, each byte that is not part of it (a cut-off,
// overlong or surrogate sequence, 0xFF...) written as \ufffd, so that the
// result is always UTF-8 JSON whatever bytes `s` holds.
std::string JsonQuote(std::string_view s);

}  // namespace sealpost

#endif  // SEALPOST_BASE_JSON_QUOTE_H_
