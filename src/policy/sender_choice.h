// The sender's own choice of protection (SPEC §1, journey 2): a subject
// keyword such as "[encrypt]" or the header `X-Sealpost-Template: NAME`.
// Honoured only for an internal, licensed sender; mail from outside the
// organisation is never protected by its sender's choice. An unknown
// template name is an error outcome that turns into a rejection (a DSN),
// never into clear-text delivery.
//
// Thread-safety: SubjectKeyword, SenderChoiceConfig and SenderChoice are value
// types; the functions are pure.
#ifndef SEALPOST_POLICY_SENDER_CHOICE_H_
#define SEALPOST_POLICY_SENDER_CHOICE_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/message_facts.h"
#include "policy/plan.h"

namespace sealpost::policy {

inline constexpr std::string_view kTemplateHeader = "X-Sealpost-Template";
// A PIN for this one message (docs/portal.md): the reader enters it after
// signing in. Reserved (mime::IsReservedField), so it never leaves.
inline constexpr std::string_view kPinRequiredHeader =
    "X-Sealpost-Pin-Required";

struct SubjectKeyword {
  std::string keyword;        // matched ASCII-case-insensitively
  std::string template_name;  // applied when the keyword is found
  friend bool operator==(const SubjectKeyword&,
                         const SubjectKeyword&) = default;
};

struct SenderChoiceConfig {
  // Default: "[encrypt]" and "[secure]" → Encrypt, "[do not forward]" → Do
  // Not Forward.
  std::vector<SubjectKeyword> keywords = DefaultKeywords();

  static std::vector<SubjectKeyword> DefaultKeywords();
};

struct SenderChoice {
  enum class Outcome {
    kNone,             // nothing asked for
    kProtect,          // template_name is the known template's exact name
    kUnknownTemplate,  // template_name is what was asked for; see error
    kNotHonored,       // asked, but the sender is external or unlicensed
  };
  Outcome outcome = Outcome::kNone;
  std::string template_name;
  // "header" or "subject keyword" for kProtect / kUnknownTemplate.
  std::string source;
  // Human-readable reason for kUnknownTemplate and kNotHonored.
  std::string error;
  // The subject to send: for kProtect with a keyword, the subject without
  // the keyword and one adjacent space; otherwise the subject unchanged.
  std::string subject;

  friend bool operator==(const SenderChoice&, const SenderChoice&) = default;
};

// Looks at `X-Sealpost-Template` (the first such header; it wins over a
// keyword) and at the subject (the keyword occurring earliest; a keyword that
// starts or ends with a letter or digit must stand as a whole word). The
// header value is matched against `known_templates` case-insensitively.
SenderChoice ParseSenderChoice(const MessageFacts& facts,
                               const SenderChoiceConfig& config,
                               const std::vector<std::string>& known_templates);

// Whether `headers` (name, value) carry `X-Sealpost-Pin-Required: yes`
// (name and value ASCII-case-insensitive, the first such field decides).
// Like the template header, the caller honours it only for an internal,
// licensed sender.
bool PinRequested(
    const std::vector<std::pair<std::string, std::string>>& headers);

// Combines the sender's choice with the rules' plan. kProtect: every
// recipient that is not rejected and not already protected by a rule gets
// Protect{template} (decided_by "sender"); a rule's Protect keeps its own
// template, so a sender cannot weaken an admin's rule. kUnknownTemplate:
// every recipient not already rejected by a rule is rejected with 5.7.1 and
// the reason (the caller sends the DSN). kNone and
// kNotHonored leave the plan unchanged.
Plan ApplySenderChoice(Plan plan, const SenderChoice& choice);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_SENDER_CHOICE_H_
