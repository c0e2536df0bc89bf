// Builders shared by the policy tests.
#ifndef SEALPOST_POLICY_TEST_UTIL_H_
#define SEALPOST_POLICY_TEST_UTIL_H_

#include <string>
#include <vector>

#include "policy/message_facts.h"
#include "policy/rule.h"

namespace sealpost::policy::testing {

// A condition of `kind` with no value set yet.
inline Condition Of(ConditionKind kind) { return {.kind = kind}; }
// An action of `kind` with no value set yet.
inline Action Of(ActionKind kind) { return {.kind = kind}; }

inline Condition Values(ConditionKind kind, std::vector<std::string> values) {
  return {.kind = kind, .values = std::move(values)};
}
inline Condition ScopeIs(ConditionKind kind, Scope scope) {
  return {.kind = kind, .scope = scope};
}
inline Condition Pattern(ConditionKind kind, std::string pattern,
                         std::string header = "") {
  return {.kind = kind,
          .header_name = std::move(header),
          .pattern = std::move(pattern)};
}
inline Condition Bytes(ConditionKind kind, int64_t bytes) {
  return {.kind = kind, .bytes = bytes};
}
inline Condition HasAttachment() { return Of(ConditionKind::kHasAttachment); }
inline Condition TypeIs(std::vector<MessageType> types) {
  return {.kind = ConditionKind::kMessageTypeIs,
          .message_types = std::move(types)};
}
inline Condition SensitivityIs(std::vector<Sensitivity> s) {
  return {.kind = ConditionKind::kSensitivityIs, .sensitivities = std::move(s)};
}

inline Action ApplyTemplate(std::string name, std::string branding = "") {
  return {.kind = ActionKind::kApplyTemplate,
          .template_name = std::move(name),
          .branding = std::move(branding)};
}
inline Action RemoveProtection() { return Of(ActionKind::kRemoveProtection); }
inline Action RequireTls() { return Of(ActionKind::kRequireTls); }
inline Action RequireSmime() { return Of(ActionKind::kRequireSmime); }
inline Action Sign() { return Of(ActionKind::kSign); }
inline Action Reject(std::string text, std::string status = "5.7.1") {
  return {.kind = ActionKind::kReject,
          .reject_text = std::move(text),
          .enhanced_status = std::move(status)};
}
inline Action AddHeader(std::string name, std::string value) {
  return {.kind = ActionKind::kAddHeader,
          .header_name = std::move(name),
          .header_value = std::move(value)};
}

inline Rule MakeRule(std::string id, int32_t priority,
                     std::vector<Condition> conditions,
                     std::vector<Action> actions,
                     std::vector<Condition> exceptions = {}) {
  Rule r;
  r.id = id;
  r.name = "Rule " + id;
  r.priority = priority;
  r.conditions = std::move(conditions);
  r.actions = std::move(actions);
  r.exceptions = std::move(exceptions);
  return r;
}

// An internal, licensed sender writing to one internal and one external
// recipient, with one .docx attachment.
inline MessageFacts SampleFacts() {
  MessageFacts m;
  m.sender = "alice@corp.example";
  m.sender_internal = true;
  m.sender_licensed = true;
  m.sender_groups = {"finance", "all-staff"};
  m.recipients = {{"bob@corp.example", true}, {"carol@ext.example", false}};
  m.subject = "Quarterly report";
  m.body_text = "Hello Carol,\nthe card is 1234-5678.\n";
  m.headers = {{"From", "Alice <alice@corp.example>"},
               {"X-Classification", "Secret"}};
  m.attachments = {{"Report.docx", 1000}};
  m.has_attachment = true;
  m.size = 5000;
  return m;
}

inline const std::vector<std::string>& KnownTemplates() {
  static const std::vector<std::string>* names = new std::vector<std::string>{
      "Encrypt", "Do Not Forward", "Confidential", "Confidential View Only"};
  return *names;
}

}  // namespace sealpost::policy::testing

#endif  // SEALPOST_POLICY_TEST_UTIL_H_
