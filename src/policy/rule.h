// Mail flow rules (ome-inventory §6.1, Exchange transport rules): a rule has
// conditions (all must hold), exceptions (any one cancels) and actions, runs
// in priority order, can be disabled, can run in Audit mode (log only), and
// can stop later rules. This header is the data model only; evaluation is in
// policy/evaluate.h, checks in policy/validate.h, JSON in policy/rule_json.h.
//
// Thread-safety: plain value types; distinct objects may be used from any
// thread, and a const object may be shared.
#ifndef SEALPOST_POLICY_RULE_H_
#define SEALPOST_POLICY_RULE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/message_facts.h"

namespace sealpost::policy {

inline constexpr size_t kMaxRules = 300;
inline constexpr size_t kMaxRuleNameLength = 64;  // UTF-8 code points

enum class Scope { kInOrganization, kNotInOrganization };

enum class MessageType { kProtected, kSmimeEncrypted, kSigned };

// Which fields of Condition a kind reads is noted beside each kind. Matching
// is case-insensitive throughout (addresses, domains, groups, words,
// patterns, attachment names, header names).
enum class ConditionKind {
  kSenderAddressIs,     // values: addresses
  kSenderDomainIs,      // values: domains (subdomains match too)
  kRecipientAddressIs,  // values: addresses            (per recipient)
  kRecipientDomainIs,   // values: domains, + subdomains (per recipient)
  kSenderScope,         // scope
  kRecipientScope,      // scope                        (per recipient)
  kSenderMemberOf,      // values: groups, against MessageFacts::sender_groups
  // values: words or phrases, matched whole (a word starting or ending with a
  // letter, digit or '_' must not continue into one); whitespace inside a
  // phrase matches any run of whitespace.
  kSubjectContainsWords,
  kSubjectOrBodyContainsWords,
  // pattern: RE2 syntax (linear time), unanchored, case-insensitive unless the
  // pattern says (?-i).
  kSubjectMatches,
  kBodyMatches,
  kHeaderMatches,  // header_name + pattern: any header of that name matches
  // values: "docx", ".docx" and "*.docx" match the extension; a value with
  // '*' or '?' is a glob on the whole name; any other value with a dot is an
  // exact file name. Each of an attachment's names (AttachmentFacts), without
  // its trailing dots and spaces as Windows saves it.
  kAttachmentNameIs,
  kAttachmentSizeOver,  // bytes: any attachment larger than this
  kMessageSizeOver,     // bytes: message larger than this
  kHasAttachment,       // (no field)
  kMessageTypeIs,       // message_types: any one of them
  kSensitivityIs,       // sensitivities: any one of them
};

struct Condition {
  ConditionKind kind = ConditionKind::kHasAttachment;
  std::vector<std::string> values;
  Scope scope = Scope::kInOrganization;
  std::string header_name;
  std::string pattern;
  int64_t bytes = 0;
  std::vector<MessageType> message_types;
  std::vector<Sensitivity> sensitivities;

  friend bool operator==(const Condition&, const Condition&) = default;
};

// True for the kinds that are decided per recipient.
bool IsRecipientCondition(ConditionKind kind);

enum class ActionKind {
  // template_name (+ branding: an OME configuration identity; empty means
  // the default "OME Configuration").
  kApplyTemplate,
  // Only has an effect on mail our organisation protected or that uses the
  // Encrypt template (ome-inventory §6.1 RemoveOMEv2).
  kRemoveProtection,
  kRequireTls,  // outbound delivery must use TLS
  // reject_text + enhanced_status (RFC 3463, "5.x.y"; default "5.7.1").
  kReject,
  kAddHeader,  // header_name + header_value
  // Recipients get S/MIME or nothing: one without a usable certificate on
  // file gets a DSN naming the reason, never the portal, never clear text.
  kRequireSmime,
  // The sender's S/MIME signature (SHA-256) on what the recipient gets as
  // is or as S/MIME, when the sender's key is on file (docs/smime.md).
  kSign,
};

inline constexpr std::string_view kDefaultRejectStatus = "5.7.1";

struct Action {
  ActionKind kind = ActionKind::kRequireTls;
  std::string template_name;
  std::string branding;
  std::string reject_text;
  std::string enhanced_status = std::string(kDefaultRejectStatus);
  std::string header_name;
  std::string header_value;

  friend bool operator==(const Action&, const Action&) = default;
};

enum class RuleMode { kEnforce, kAudit };

struct Rule {
  std::string id;
  std::string name;
  int32_t priority = 0;  // 0 runs first
  bool enabled = true;
  RuleMode mode = RuleMode::kEnforce;
  bool stop_processing = false;
  std::vector<Condition> conditions;  // empty: every message
  std::vector<Condition> exceptions;
  std::vector<Action> actions;
  std::string comments;

  friend bool operator==(const Rule&, const Rule&) = default;
};

// Stable names, used in JSON, the CLI and audit entries
// ("sender_address_is", "apply_template", "not_in_organization", ...).
std::string_view ConditionKindName(ConditionKind kind);
std::optional<ConditionKind> ParseConditionKind(std::string_view name);
std::string_view ActionKindName(ActionKind kind);
std::optional<ActionKind> ParseActionKind(std::string_view name);
std::string_view ScopeName(Scope scope);
std::optional<Scope> ParseScope(std::string_view name);
std::string_view MessageTypeName(MessageType type);
std::optional<MessageType> ParseMessageType(std::string_view name);
std::string_view RuleModeName(RuleMode mode);
std::optional<RuleMode> ParseRuleMode(std::string_view name);

// One line for logs and audit entries, e.g. `apply template "Encrypt"`,
// `reject 5.7.1 "Not allowed"`, `add header X-Class: secret`.
std::string DescribeAction(const Action& action);

}  // namespace sealpost::policy

#endif  // SEALPOST_POLICY_RULE_H_
