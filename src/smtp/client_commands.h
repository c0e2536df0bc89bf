// What the SMTP client (smtp/client.h) says to a next hop and how it reads
// the answers, without the I/O: the EHLO keywords it uses, MAIL and RCPT
// with their ESMTP parameters (RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531
// SMTPUTF8, RFC 3461 DSN), and reply lines (RFC 5321 §4.2.1).
//
// Thread-safety: pure functions and values.
#ifndef SEALPOST_SMTP_CLIENT_COMMANDS_H_
#define SEALPOST_SMTP_CLIENT_COMMANDS_H_

#include <string>
#include <vector>

#include "queue/transport.h"

namespace sealpost::smtp {

struct ServerReply {
  int code = 0;      // 0: I/O error (text says what)
  std::string text;  // the last line, e.g. "250 2.0.0 Ok"
  std::vector<std::string> lines;
};

// The EHLO keywords the client acts on.
struct Caps {
  bool starttls = false;
  bool pipelining = false;
  bool size = false;
  bool eightbit = false;
  bool smtputf8 = false;
  bool dsn = false;
};

Caps ParseEhlo(const ServerReply& r);

// Adds one reply line (without its CRLF) to *r: true once the reply is
// complete (its last line, or a malformed one: code 0 then).
bool AddReplyLine(std::string line, ServerReply* r);

// "MAIL FROM:<…>" with the parameters the next hop takes.
std::string MailCommand(const queue::DeliveryRequest& req, const Caps& caps);
// "RCPT TO:<…>" for each recipient, in order.
std::vector<std::string> RcptCommands(const queue::DeliveryRequest& req,
                                      const Caps& caps);

// Fills result->recipients (n of them) with the refusals among the RCPT
// replies (a missing reply: the connection was lost, 451) and returns how
// many were accepted; the accepted ones get DATA's result later.
size_t RcptResults(const std::vector<ServerReply>& replies, size_t n,
                   queue::DeliveryResult* result);

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_CLIENT_COMMANDS_H_
