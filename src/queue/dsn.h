// Delivery status notifications (RFC 3464): the bounce a sender gets when a
// recipient fails permanently or the retry window runs out. A
// multipart/report (RFC 6522) with a human-readable part, a
// message/delivery-status part and the original (headers only when the
// sender asked RET=HDRS or the message is large).
//
// Thread-safety: pure functions.
#ifndef SEALPOST_QUEUE_DSN_H_
#define SEALPOST_QUEUE_DSN_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sealpost::queue {

struct DsnRecipient {
  std::string address;
  std::string orcpt;       // RFC 3461 ORCPT as received ("rfc822;...")
  std::string status;      // RFC 3463 code, e.g. "5.1.1"
  std::string remote_mta;  // next hop host, may be empty
  std::string diagnostic;  // the last SMTP reply or local reason
};

struct DsnInput {
  std::string reporting_mta;  // our host name
  std::string original_id;    // our queue id of the failed message
  std::string envid;          // RFC 3461 ENVID, xtext
  int64_t arrival_unix = 0;
  std::string sender;  // the original reverse-path: the DSN goes here
  std::vector<DsnRecipient> recipients;
  std::string_view original;  // the original message bytes
  bool headers_only = false;  // RET=HDRS
  int64_t now_unix = 0;
  std::string boundary;    // unique MIME boundary
  std::string message_id;  // Message-ID for the DSN (without <>)
};

// The DSN message, CRLF line endings.
std::string BuildDsn(const DsnInput& in);

// The RFC 3463 code inside an SMTP reply ("550 5.1.1 ..." -> "5.1.1"), or a
// default for the reply class.
std::string StatusCodeOf(std::string_view reply, int code);

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_DSN_H_
