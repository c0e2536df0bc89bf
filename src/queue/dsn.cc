#include "queue/dsn.h"

#include <time.h>

#include "base/clock.h"
#include "base/strings.h"

namespace sealpost::queue {
namespace {

// The header section of `message`: its field lines up to the empty line,
// or up to the first line that is neither a field nor a field's
// continuation (a message whose first line is no field has none), never
// its body (was: all of a message with no empty line, up to 1 MiB).
std::string_view HeaderSection(std::string_view message) {
  size_t at = 0;
  while (at < message.size()) {
    size_t eol = message.find("\r\n", at);
    std::string_view line = message.substr(
        at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
    if (line.empty()) break;
    const bool folded = line[0] == ' ' || line[0] == '\t';
    size_t colon = line.find(':');
    bool field = colon != std::string_view::npos && colon > 0;
    for (size_t i = 0; field && i < colon; ++i) {
      unsigned char c = static_cast<unsigned char>(line[i]);
      field = c > 32 && c < 127;
    }
    if (!(folded ? at > 0 : field)) break;
    if (eol == std::string_view::npos) return message;
    at = eol + 2;
  }
  return message.substr(0, at);
}

// Text from the next hop, as one line of printable ASCII (the notice is
// us-ascii): a hostile reply adds no lines of its own to the bounce.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    out += u < 32 || u == 127 ? ' ' : u > 127 ? '?' : c;
  }
  return out;
}

}  // namespace

std::string StatusCodeOf(std::string_view reply, int code) {
  // "NNN X.Y.Z text": RFC 3463 §2 class.subject.detail.
  if (reply.size() > 5 && reply[3] == ' ') {
    std::string_view rest = reply.substr(4);
    size_t sp = rest.find(' ');
    std::string_view token = rest.substr(0, sp);
    int dots = 0;
    bool ok = !token.empty() &&
              (token[0] == '2' || token[0] == '4' || token[0] == '5');
    for (char c : token) {
      if (c == '.') {
        ++dots;
      } else if (!IsAsciiDigit(c)) {
        ok = false;
      }
    }
    if (ok && dots == 2) return std::string(token);
  }
  if (code >= 500) return "5.0.0";
  if (code >= 400) return "4.0.0";
  return "2.0.0";
}

std::string BuildDsn(const DsnInput& in) {
  const std::string b = in.boundary;
  std::string out;
  out +=
      "From: Mail Delivery System <MAILER-DAEMON@" + in.reporting_mta + ">\r\n";
  out += "To: <" + in.sender + ">\r\n";
  out += "Subject: Undelivered Mail Returned to Sender\r\n";
  out += "Date: " + Rfc5322Date(in.now_unix) + "\r\n";
  out += "Message-ID: <" + in.message_id + ">\r\n";
  // RFC 3834 §5: automatic responses are marked so they are not answered.
  out += "Auto-Submitted: auto-replied\r\n";
  out += "MIME-Version: 1.0\r\n";
  // RFC 6522 §3: multipart/report; report-type=delivery-status.
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n";
  out += "\tboundary=\"" + b + "\"\r\n";
  out += "\r\nThis is a MIME-encapsulated message.\r\n\r\n";

  out += "--" + b + "\r\n";
  out += "Content-Description: Notification\r\n";
  out += "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
  out += "This is the mail system at host " + in.reporting_mta + ".\r\n\r\n";
  out +=
      "I'm sorry to have to inform you that your message could not\r\n"
      "be delivered to one or more recipients.\r\n\r\n";
  for (const DsnRecipient& r : in.recipients) {
    out += "<" + r.address + ">: " + OneLine(r.diagnostic) + "\r\n";
  }
  out += "\r\n";

  // RFC 3464 §2.2 per-message fields, §2.3 per-recipient fields.
  out += "--" + b + "\r\n";
  out += "Content-Description: Delivery report\r\n";
  out += "Content-Type: message/delivery-status\r\n\r\n";
  out += "Reporting-MTA: dns; " + in.reporting_mta + "\r\n";
  out += "X-Sealpost-Queue-ID: " + in.original_id + "\r\n";
  if (!in.envid.empty()) out += "Original-Envelope-Id: " + in.envid + "\r\n";
  out += "Arrival-Date: " + Rfc5322Date(in.arrival_unix) + "\r\n";
  for (const DsnRecipient& r : in.recipients) {
    out += "\r\n";
    out += "Final-Recipient: rfc822; " + r.address + "\r\n";
    if (!r.orcpt.empty()) {
      std::string orcpt = r.orcpt;
      size_t semi = orcpt.find(';');
      if (semi != std::string::npos) orcpt.insert(semi + 1, " ");
      out += "Original-Recipient: " + orcpt + "\r\n";
    }
    out += "Action: failed\r\n";
    out += "Status: " + r.status + "\r\n";
    if (!r.remote_mta.empty()) {
      out += "Remote-MTA: dns; " + r.remote_mta + "\r\n";
    }
    out += "Diagnostic-Code: smtp; " + OneLine(r.diagnostic) + "\r\n";
  }
  out += "\r\n";

  out += "--" + b + "\r\n";
  if (in.headers_only) {
    out += "Content-Description: Undelivered Message Headers\r\n";
    out += "Content-Type: text/rfc822-headers\r\n\r\n";
    out += HeaderSection(in.original);
  } else {
    out += "Content-Description: Undelivered Message\r\n";
    out += "Content-Type: message/rfc822\r\n\r\n";
    out += in.original;
    if (!in.original.empty() && !std::string_view(out).ends_with("\r\n")) {
      out += "\r\n";
    }
  }
  out += "\r\n--" + b + "--\r\n";
  return out;
}

}  // namespace sealpost::queue
