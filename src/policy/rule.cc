#include "policy/rule.h"

#include "base/enum_names.h"

namespace sealpost::policy {
namespace {

constexpr NameTable<ConditionKind, 18> kConditionNames = {{
    {ConditionKind::kSenderAddressIs, "sender_address_is"},
    {ConditionKind::kSenderDomainIs, "sender_domain_is"},
    {ConditionKind::kRecipientAddressIs, "recipient_address_is"},
    {ConditionKind::kRecipientDomainIs, "recipient_domain_is"},
    {ConditionKind::kSenderScope, "sender_scope"},
    {ConditionKind::kRecipientScope, "recipient_scope"},
    {ConditionKind::kSenderMemberOf, "sender_member_of"},
    {ConditionKind::kSubjectContainsWords, "subject_contains_words"},
    {ConditionKind::kSubjectOrBodyContainsWords,
     "subject_or_body_contains_words"},
    {ConditionKind::kSubjectMatches, "subject_matches"},
    {ConditionKind::kBodyMatches, "body_matches"},
    {ConditionKind::kHeaderMatches, "header_matches"},
    {ConditionKind::kAttachmentNameIs, "attachment_name_is"},
    {ConditionKind::kAttachmentSizeOver, "attachment_size_over"},
    {ConditionKind::kMessageSizeOver, "message_size_over"},
    {ConditionKind::kHasAttachment, "has_attachment"},
    {ConditionKind::kMessageTypeIs, "message_type_is"},
    {ConditionKind::kSensitivityIs, "sensitivity_is"},
}};

constexpr NameTable<ActionKind, 7> kActionNames = {{
    {ActionKind::kApplyTemplate, "apply_template"},
    {ActionKind::kRemoveProtection, "remove_protection"},
    {ActionKind::kRequireTls, "require_tls"},
    {ActionKind::kReject, "reject"},
    {ActionKind::kAddHeader, "add_header"},
    {ActionKind::kRequireSmime, "require_smime"},
    {ActionKind::kSign, "sign"},
}};

constexpr NameTable<Scope, 2> kScopeNames = {{
    {Scope::kInOrganization, "in_organization"},
    {Scope::kNotInOrganization, "not_in_organization"},
}};

constexpr NameTable<MessageType, 3> kMessageTypeNames = {{
    {MessageType::kProtected, "protected"},
    {MessageType::kSmimeEncrypted, "smime_encrypted"},
    {MessageType::kSigned, "signed"},
}};

constexpr NameTable<RuleMode, 2> kModeNames = {{
    {RuleMode::kEnforce, "enforce"},
    {RuleMode::kAudit, "audit"},
}};

}  // namespace

bool IsRecipientCondition(ConditionKind kind) {
  return kind == ConditionKind::kRecipientAddressIs ||
         kind == ConditionKind::kRecipientDomainIs ||
         kind == ConditionKind::kRecipientScope;
}

std::string_view ConditionKindName(ConditionKind kind) {
  return NameOf(kConditionNames, kind);
}
std::optional<ConditionKind> ParseConditionKind(std::string_view name) {
  return ParseName(kConditionNames, name);
}
std::string_view ActionKindName(ActionKind kind) {
  return NameOf(kActionNames, kind);
}
std::optional<ActionKind> ParseActionKind(std::string_view name) {
  return ParseName(kActionNames, name);
}
std::string_view ScopeName(Scope scope) { return NameOf(kScopeNames, scope); }
std::optional<Scope> ParseScope(std::string_view name) {
  return ParseName(kScopeNames, name);
}
std::string_view MessageTypeName(MessageType type) {
  return NameOf(kMessageTypeNames, type);
}
std::optional<MessageType> ParseMessageType(std::string_view name) {
  return ParseName(kMessageTypeNames, name);
}
std::string_view RuleModeName(RuleMode mode) {
  return NameOf(kModeNames, mode);
}
std::optional<RuleMode> ParseRuleMode(std::string_view name) {
  return ParseName(kModeNames, name);
}

std::string DescribeAction(const Action& a) {
  switch (a.kind) {
    case ActionKind::kApplyTemplate: {
      std::string s = "apply template \"" + a.template_name + "\"";
      if (!a.branding.empty()) s += " with branding \"" + a.branding + "\"";
      return s;
    }
    case ActionKind::kRemoveProtection:
      return "remove protection";
    case ActionKind::kRequireTls:
      return "require TLS";
    case ActionKind::kRequireSmime:
      return "require S/MIME";
    case ActionKind::kSign:
      return "sign with S/MIME";
    case ActionKind::kReject:
      return "reject " + a.enhanced_status + " \"" + a.reject_text + "\"";
    case ActionKind::kAddHeader:
      return "add header " + a.header_name + ": " + a.header_value;
  }
  return "unknown action";
}

}  // namespace sealpost::policy
