// Builds the new messages a portal user writes (compose, reply, forward):
// RFC 5322 headers with RFC 2047 encoded words for UTF-8, a text/plain UTF-8
// body in quoted-printable, and base64 attachments (RFC 2231 names) in a
// multipart/mixed. Every field is checked: a CR or LF in a header field is an
// attempt at header injection and is refused, not cleaned.
//
// Thread-safety: free functions, safe from any thread.
#ifndef SEALPOST_MIME_COMPOSE_H_
#define SEALPOST_MIME_COMPOSE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::mime {

struct ComposeAttachment {
  std::string filename;      // UTF-8; path components are dropped
  std::string content_type;  // "image/png"; application/octet-stream if bad
  std::string bytes;         // any bytes, sent base64
};

struct ComposeRequest {
  std::string from;                 // "Name <addr>" or "addr"
  std::string reply_to;             // optional, "addr" or "Name <addr>"
  std::vector<std::string> to, cc;  // "addr" or "Name <addr>"; one at least
  std::string subject;              // UTF-8
  std::string text;                 // UTF-8 plain-text body
  std::string in_reply_to;          // optional, "<id@host>"
  std::string references;           // optional, "<a@x> <b@y>"
  std::vector<ComposeAttachment> attachments;
  std::string message_id_domain;  // Message-ID: <random@domain>; empty: the
                                  // domain of `from`
  int64_t date_unix = 0;          // Date (+0000); 0: now
};

// The message, with CRLF line endings. The body always ends with a line
// break. INVALID_ARGUMENT for a bad address, a CR/LF/control character in a
// header field, invalid UTF-8, no recipient, or a malformed message id.
Result<std::string> ComposeMessage(const ComposeRequest& request);

// Whether `address` is an addr-spec the composer writes: a dot-atom local
// part (RFC 5322 §3.4.1) and a host-name domain (IsDomainName). Quoted
// local parts, domain literals and non-ASCII (RFC 6531) are not offered.
bool IsAddrSpec(std::string_view address);

// "Re: " + subject unless it already starts with "re:" (any case).
std::string ReplySubject(std::string_view subject);
// "Fwd: " + subject unless it already starts with "fwd:" or "fw:".
std::string ForwardSubject(std::string_view subject);
// "On DATE, FROM wrote:\n" then every line of `text` prefixed "> " ("FROM
// wrote:" when `date` is empty), with "\n" line endings.
std::string QuoteText(std::string_view text, std::string_view date,
                      std::string_view from);

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_COMPOSE_H_
