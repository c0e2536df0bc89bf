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
// occurs in an attached message; INTERNAL for `include_decrypted` with an
// empty `journaled` (a decrypted copy of clear mail).
Result<std::string> BuildJournalReport(const JournalReportRequest& request);

// What the report's layout needs to know of an attached message, read a
// slice at a time (issue 14: a large one is never whole in memory): its
// size, whether it is ASCII (7bit, else 8bit) and whether the report's
// delimiter occurs in it.
class AttachedScan {
 public:
  explicit AttachedScan(std::string_view boundary)
      : delimiter_("--" + std::string(boundary)) {}
  void Update(std::string_view slice);
  int64_t size() const { return size_; }
  bool ascii() const { return ascii_; }
  bool has_delimiter() const { return has_delimiter_; }

 private:
  std::string delimiter_;
  std::string tail_;  // the last bytes, for a delimiter across two slices
  int64_t size_ = 0;
  bool ascii_ = true;
  bool has_delimiter_ = false;
};

// The report without its attached messages, for a caller that streams
// them: `pieces[i]` goes before the i-th attached message and the last
// piece after the last one; attached are the journaled message and, with
// `attach_decrypted`, the decrypted copy (`scans` in that order).
// `original` need only hold the message's header section; `is_protected`
// stands for a non-empty `journaled` (the request's attached bytes are
// not read). The same bytes as BuildJournalReport around the same
// messages; INVALID_ARGUMENT and INTERNAL as it (`attach_decrypted`
// without `is_protected`).
Result<std::vector<std::string>> JournalReportFrame(
    const JournalReportRequest& request, bool is_protected,
    bool attach_decrypted, const std::vector<AttachedScan>& scans);

// The Content-Description of the attached parts, for readers and tests.
inline constexpr std::string_view kJournaledDescription = "Journaled message";
inline constexpr std::string_view kDecryptedDescription =
    "Decrypted copy of the protected message";

}  // namespace sealpost::mime

#endif  // SEALPOST_MIME_JOURNAL_REPORT_H_
