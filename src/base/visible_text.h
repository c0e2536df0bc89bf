// Text from outside (a mail's header, a remote server's reply, a client's
// label) as it may be shown on an admin's terminal or kept in a one-line
// field: every character that acts instead of showing itself made
// visible, so the text cannot clear the screen, move the cursor, retitle
// the window, hide what follows or fake a line of its own.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_BASE_VISIBLE_TEXT_H_
#define SEALPOST_BASE_VISIBLE_TEXT_H_

#include <string>
#include <string_view>

namespace sealpost {

// Whether code point `c` acts on a terminal or on the order of the text
// around it instead of showing: the C0 controls (tab and line feed too),
// DEL, the C1 controls (U+0080..U+009F: U+009B is a CSI in xterm's UTF-8
// mode) and the bidirectional embeddings, overrides and isolates
// (U+202A..U+202E, U+2066..U+2069), which reorder what follows them.
bool IsControlCodePoint(char32_t c);

// `s` with each control code point (IsControlCodePoint) and each byte that
// is not part of valid UTF-8 written as an escape of printable ASCII: \t,
// \n and \r; \xNN for the other bytes below 0x80 and for a byte that is no
// UTF-8; \uNNNN for the others (\u009b, \u202e). All else is kept as it
// is, letters of any script and a backslash too: the result is for
// reading (a backslash in `s` followed by "x1b" reads like an escape), not
// to be parsed back; whoever needs the exact text asks for JSON.
std::string VisibleText(std::string_view s);

}  // namespace sealpost

#endif  // SEALPOST_BASE_VISIBLE_TEXT_H_
