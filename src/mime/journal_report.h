// Envelope journal reports (Exchange's journaling, docs/compliance.md): a
// report mail whose body lists the journaled message's Sender, Subject,
// Message-Id and every envelope recipient (To, Cc, and Bcc for envelope
// recipients that no To or Cc field names), with the message attached as
// message/rfc822, byte for byte, and optionally its decrypted original.
//
// Thread-safety: pure functions, safe to call concurrently.
#ifndef SEALPOST_MIME_JOURNAL_REPORT_H_
#define SEALPOST_MIME_JOURNAL_REPORT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::mime {

struct JournalReportRequest {
  // The message as the gateway received it (before protection): its
  // Subject, Message-Id, To and Cc are read from here.
  std::string_view original;
  std::string envelope_from;                     // "" for a bounce
  std::vector<std::string> envelope_recipients;  // Bcc included
  // The journaled message as attached: the protected copy when Sealpost
  // protected the message; empty: `original`.
  std::string_view journaled;
  // Attach the decrypted copy (only when `journaled` is the protected
  // copy): `decrypted`, or when empty `original` a second time.
  bool include_decrypted = false;
  // The decrypted original of a message that arrived already protected
  // (transport decryption opened its container); empty otherwise.
  std::string_view decrypted;
  std::string protected_id;  // named in the body when protected
  std::vector<std::string> journal_addresses;  // the report's To
  std::string report_from;                     // the report's From
  std::string message_id;                      // without <>
  std::string boundary;
  int64_t now_unix = 0;
};

// One recipient line of the report body.
struct JournalRecipient {
  std::string field;  // To | Cc | Bcc
  std::string address;
};

// Which field names each envelope recipient (Bcc: none).
std::vector<JournalRecipient> ClassifyRecipients(
    std::string_view original, const std::vector<std::string>& envelope);

// The report as RFC 5322 bytes (CRLF). INVALID_ARGUMENT when the boundary
// occurs in an attached message.
Result<std::string> BuildJournalReport(const JournalReportRequest& request);

// The Content-Description of the attached parts, for readers and tests.
inline constexpr std::string_view kJournaledDescription = "Journaled message";
inline constexpr std::string_view kDecryptedDescription =
    "Decrypted copy of the protected message";

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_JOURNAL_REPORT_H_
