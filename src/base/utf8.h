// UTF-8 (RFC 3629) one code point at a time: the decoder behind mime/'s
// charset repair and search/'s word splitting, and the encoder of both.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_UTF8_H_
#define SEALPOST_BASE_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace sealpost {

// Length of the valid UTF-8 sequence at s[i] (i < s.size()), its code point
// in `*code_point` when given; 0 when invalid (RFC 3629 §3: overlong forms,
// surrogates and code points above U+10FFFF are invalid; NUL is valid).
size_t Utf8SequenceAt(std::string_view s, size_t i,
                      char32_t* code_point = nullptr);

// Appends the UTF-8 form of `c`, a Unicode scalar value (not a surrogate,
// at most U+10FFFF).
void AppendUtf8(char32_t c, std::string& out);

}  // namespace sealpost

#endif  // SEALPOST_BASE_UTF8_H_
