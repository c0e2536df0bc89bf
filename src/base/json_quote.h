// JSON string literals for the few places that write JSON without a JSON
// library: error bodies (http/), log lines (log.cc).
//
// Thread-safety: pure function.
#ifndef SEALPOST_BASE_JSON_QUOTE_H_
#define SEALPOST_BASE_JSON_QUOTE_H_

#include <string>
#include <string_view>

namespace sealpost {

// `s` as a JSON string literal with its quotes, escaped per RFC 8259 §7.
std::string JsonQuote(std::string_view s);

}  // namespace sealpost

#endif  // SEALPOST_BASE_JSON_QUOTE_H_
