// SMTP command-line syntax (RFC 5321 §4.1): the verb, the MAIL/RCPT path
// argument with its ESMTP parameters, and the mailbox grammar. Pure parsing;
// the state machine in server_protocol.h decides what the commands mean.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SMTP_COMMAND_H_
#define SEALPOST_SMTP_COMMAND_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::smtp {

// RFC 5321 §4.5.3.1.3: a path is at most 256 octets including the brackets.
inline constexpr size_t kMaxPathLength = 256;

struct CommandLine {
  std::string verb;       // upper-cased; "" for an empty line
  std::string_view args;  // after the single SP following the verb
};

// Splits "VERB args" (the line without CRLF). Returns std::nullopt when the
// verb is not made of letters only: that is a syntax error, not an unknown
// command.
std::optional<CommandLine> SplitCommand(std::string_view line);

// RFC 5321 §4.1.2 esmtp-param: keyword ["=" value].
struct EsmtpParam {
  std::string keyword;  // upper-cased
  std::optional<std::string> value;
};

struct PathArgument {
  std::string address;  // "" for the null path <>
  std::vector<EsmtpParam> params;
};

// Parses the argument of MAIL ("FROM:<path> params") or RCPT
// ("TO:<path> params"); `prefix` is "FROM:" or "TO:" and matches
// case-insensitively. One space after the colon is tolerated (common
// clients send it). A source route "<@a,@b:user@c>" is accepted and dropped
// (RFC 5321 §4.1.1.3, §C). Checks the path length and the parameter
// grammar, not the mailbox: the caller answers a bad mailbox with its own
// enhanced code (5.1.7 sender, 5.1.3 recipient) using IsValidMailbox. Errors
// are InvalidArgument with a message fit for the reply text.
Result<PathArgument> ParsePathArgument(std::string_view args,
                                       std::string_view prefix);

// RFC 5321 §4.1.2 Mailbox = Local-part "@" ( Domain / address-literal ),
// with RFC 6531 §3.3 UTF-8 in atoms, quoted strings and labels.
bool IsValidMailbox(std::string_view mailbox);
bool HasNonAscii(std::string_view s);
// RFC 3461 §4 xtext: "+" followed by two hex digits, or a printable ASCII
// character other than "+" and "=".
bool IsXtext(std::string_view s);
// Decodes xtext ("+2B" -> "+"); std::nullopt if `s` is not xtext.
std::optional<std::string> DecodeXtext(std::string_view s);

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_COMMAND_H_
