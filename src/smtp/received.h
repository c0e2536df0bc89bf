// The trace a message gets on its way in (RFC 5321 §4.4): the client it
// came from (the connecting one, or the one an authorized proxy named with
// XFORWARD), our Received header field, and the count of Received fields
// that detects a mail loop (§6.3).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SMTP_RECEIVED_H_
#define SEALPOST_SMTP_RECEIVED_H_

#include <string>
#include <string_view>

#include "smtp/envelope.h"

namespace sealpost::smtp {

// "unknown" for what a proxy did not know.
struct ClientOrigin {
  std::string helo;
  std::string name;  // "" when not forwarded
  std::string addr;
  std::string proxy;  // the proxy's address, "" when not forwarded
};

// Number of Received header fields in the header section of `message`.
int CountReceivedHeaders(std::string_view message);

ClientOrigin OriginOf(const Envelope& e, const std::string& remote);

// Our Received field for message `id` (CRLF-ended, folded), with the TLS
// of the leg ("" for none) and "for <rcpt>" when there is one recipient.
std::string ReceivedHeader(const Envelope& e, const std::string& id,
                           const ClientOrigin& origin,
                           const std::string& hostname,
                           const std::string& tls_version,
                           const std::string& tls_cipher);

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_RECEIVED_H_
