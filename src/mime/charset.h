// Text of mail as UTF-8, for the reading view (internal to src/mime): a
// part's bytes in its declared charset converted (GMime's iconv; the
// WHATWG windows-1252 table for Latin-1 and for unlabelled 8-bit text),
// invalid UTF-8 repaired with U+FFFD (cuts that never split a character:
// base/utf8.h's TruncateUtf8).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_MIME_CHARSET_H_
#define SEALPOST_MIME_CHARSET_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace sealpost::mime::internal {

// No charset, or one we cannot use: UTF-8 when it is valid UTF-8, else
// windows-1252.
std::string GuessToUtf8(std::string_view bytes);
// `bytes` in `charset` (null or "" for none) as valid UTF-8. `cut`: a
// read's cap ended them, perhaps inside a character, which is then dropped.
std::string CharsetToUtf8(std::string_view bytes, const char* charset,
                          bool cut = false);

}  // namespace sealpost::mime::internal

#endif  // SEALPOST_MIME_CHARSET_H_
