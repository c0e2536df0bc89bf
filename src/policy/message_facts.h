// MessageFacts: what the gateway extracts from a message before policy runs.
// Policy never parses MIME or reads a store; the caller (queue/server) fills
// these facts, and the rule engine (policy/evaluate.h) and the sender-choice
// parser (policy/sender_choice.h) decide from them alone.
//
// Thread-safety: plain value types; distinct objects may be used from any
// thread, and a const object may be shared.
#ifndef SEALPOST_POLICY_MESSAGE_FACTS_H_
#define SEALPOST_POLICY_MESSAGE_FACTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sealpost::policy {

// One header field as the caller gives it: name without the colon, value
// unfolded (RFC 5322 §2.2.3); RFC 2047 decoding is the caller's choice.
struct Header {
  std::string name;
  std::string value;
  friend bool operator==(const Header&, const Header&) = default;
};

// The `Sensitivity` header (RFC 2156 §5.3.4; Outlook's values). An absent
// header is kNormal.
enum class Sensitivity { kNormal, kPersonal, kPrivate, kConfidential };

// "normal", "personal", "private", "confidential".
std::string_view SensitivityName(Sensitivity s);
// Parses a header value or a rule value, case-insensitively, ignoring
// surrounding whitespace: "Normal", "Personal", "Private", "Confidential" and
// RFC 2156's "Company-Confidential". nullopt for anything else.
std::optional<Sensitivity> ParseSensitivity(std::string_view value);

struct RecipientFacts {
  std::string address;    // envelope recipient, as given (RCPT TO)
  bool internal = false;  // in one of the organisation's accepted domains
  friend bool operator==(const RecipientFacts&,
                         const RecipientFacts&) = default;
};

struct AttachmentFacts {
  std::string name;  // file name (decoded), may be empty
  int64_t size = 0;  // decoded bytes
  // A second name the file goes by (mime::MailFacts::Attachment's
  // other_name), or empty: name rules read both.
  std::string other_name;
  friend bool operator==(const AttachmentFacts&,
                         const AttachmentFacts&) = default;
};

struct MessageFacts {
  std::string sender;  // envelope sender (MAIL FROM); empty for <>
  bool sender_internal = false;
  // The sender holds a licence to protect mail (needed for sender choice).
  bool sender_licensed = false;
  // Groups the sender is a member of (names or addresses), resolved by the
  // caller from the directory.
  std::vector<std::string> sender_groups;
  std::vector<RecipientFacts> recipients;

  std::string subject;  // decoded, unfolded
  // What subject conditions read: every Subject field decoded, one a line
  // (mime::MailFacts::subject_text); `subject` when empty.
  std::string subject_text;
  std::string body_text;  // decoded plain text; may be truncated by the caller
  std::vector<Header> headers;
  std::vector<AttachmentFacts> attachments;
  // Why `attachments` may miss a file (mime::MailFacts's: a cap on what
  // was read), or "" when it is whole. Rules fail closed on it: attachment
  // conditions hold, attachment exceptions do not apply (evaluate.h).
  std::string attachments_incomplete;
  int64_t size = 0;  // bytes as received
  bool has_attachment = false;

  // Message type.
  bool is_protected = false;  // already carries Sealpost/RMS protection
  bool is_smime_encrypted = false;
  bool is_signed = false;  // S/MIME or other signature
  Sensitivity sensitivity = Sensitivity::kNormal;
  // Every Sensitivity field's value when there are several (a reader may
  // show any one): a condition matches any of them. Empty: `sensitivity`.
  std::vector<Sensitivity> sensitivities;

  // For protected mail: whether our own organisation protected it (checked
  // by the caller against its keys), and the template's name or id.
  bool protected_by_our_org = false;
  std::string protected_template;

  friend bool operator==(const MessageFacts&, const MessageFacts&) = default;
};

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_MESSAGE_FACTS_H_
