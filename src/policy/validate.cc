#include "policy/validate.h"

#include <set>
#include <string_view>

#include "base/strings.h"
#include "policy/text_match.h"

namespace sealpost::policy {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

Status Invalid(std::string_view field, std::string_view message) {
  return InvalidArgumentError(std::string(field) + ": " + std::string(message));
}

// A list that is not empty and has only values `name_of` knows (it names
// the others "unknown").
template <typename T, typename NameOf>
Status CheckKnown(const std::string& field, const std::vector<T>& list,
                  NameOf name_of, std::string_view unknown) {
  if (list.empty()) return Invalid(field, "empty list");
  for (size_t i = 0; i < list.size(); ++i) {
    if (name_of(list[i]) == "unknown") {
      return Invalid(field + "[" + std::to_string(i) + "]", unknown);
    }
  }
  return Status::Ok();
}

bool ValidKind(ConditionKind k) { return ConditionKindName(k) != "unknown"; }
bool ValidKind(ActionKind k) { return ActionKindName(k) != "unknown"; }

bool HasControlChar(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// RFC 5322 §3.6.8: field-name = 1*ftext, ftext = %d33-57 / %d59-126.
Status CheckHeaderName(std::string_view field, std::string_view name) {
  if (name.empty()) return Invalid(field, "empty header name");
  if (name.size() > kMaxHeaderNameLength) {
    return Invalid(field, "header name longer than " +
                              std::to_string(kMaxHeaderNameLength) +
                              " characters");
  }
  for (unsigned char c : name) {
    if (c < 33 || c > 126 || c == ':') {
      return Invalid(field, "header name " + Quote(name) +
                                " may only contain printable ASCII except "
                                "':' and space");
    }
  }
  return Status::Ok();
}

Status CheckPattern(std::string_view field, std::string_view pattern) {
  if (pattern.empty()) return Invalid(field, "empty pattern");
  if (pattern.size() > kMaxPatternLength) {
    return Invalid(field, "pattern longer than " +
                              std::to_string(kMaxPatternLength) + " bytes");
  }
  auto re = CompilePattern(pattern);
  if (!re.ok()) return Invalid(field, re.status().message());
  return Status::Ok();
}

enum class ValueKind { kAddress, kDomain, kGroup, kWord, kAttachmentName };

Status CheckValues(std::string_view field,
                   const std::vector<std::string>& values, ValueKind kind) {
  if (values.empty()) return Invalid(field, "empty list");
  if (values.size() > kMaxValuesPerCondition) {
    return Invalid(
        field,
        "more than " + std::to_string(kMaxValuesPerCondition) + " entries");
  }
  for (size_t i = 0; i < values.size(); ++i) {
    const std::string f = std::string(field) + "[" + std::to_string(i) + "]";
    std::string_view v = TrimWhitespace(values[i]);
    if (v.empty()) return Invalid(f, "empty entry");
    if (HasControlChar(values[i])) {
      return Invalid(f, "control characters are not allowed");
    }
    const size_t limit =
        kind == ValueKind::kWord ? kMaxWordLength : kMaxValueLength;
    if (CodePoints(values[i]) > limit) {
      return Invalid(f, "longer than " + std::to_string(limit) + " characters");
    }
    switch (kind) {
      case ValueKind::kAddress:
        if (v.find('@') == std::string_view::npos || v.front() == '@' ||
            v.back() == '@' || v.find(' ') != std::string_view::npos) {
          return Invalid(f, Quote(v) + " is not an e-mail address");
        }
        break;
      case ValueKind::kDomain: {
        std::string_view d = v;
        if (d.starts_with('@')) d.remove_prefix(1);
        if (d.starts_with("*.")) d.remove_prefix(2);
        if (d.empty() || d.find_first_of("@ *") != std::string_view::npos) {
          return Invalid(f, Quote(v) + " is not a domain");
        }
        break;
      }
      case ValueKind::kGroup:
      case ValueKind::kWord:
      case ValueKind::kAttachmentName:
        break;
    }
  }
  return Status::Ok();
}

Status CheckCondition(const std::string& field, const Condition& c) {
  if (!ValidKind(c.kind)) return Invalid(field + ".kind", "unknown condition");
  const std::string values = field + ".values";
  switch (c.kind) {
    case ConditionKind::kSenderAddressIs:
    case ConditionKind::kRecipientAddressIs:
      return CheckValues(values, c.values, ValueKind::kAddress);
    case ConditionKind::kSenderDomainIs:
    case ConditionKind::kRecipientDomainIs:
      return CheckValues(values, c.values, ValueKind::kDomain);
    case ConditionKind::kSenderScope:
    case ConditionKind::kRecipientScope:
      if (ScopeName(c.scope) == "unknown") {
        return Invalid(field + ".scope", "unknown scope");
      }
      return Status::Ok();
    case ConditionKind::kSenderMemberOf:
      return CheckValues(values, c.values, ValueKind::kGroup);
    case ConditionKind::kSubjectContainsWords:
    case ConditionKind::kSubjectOrBodyContainsWords: {
      SP_RETURN_IF_ERROR(CheckValues(values, c.values, ValueKind::kWord));
      // The words become one regex, which RE2 may still find too large.
      auto re = CompileWordList(c.values);
      if (!re.ok()) return Invalid(values, re.status().message());
      return Status::Ok();
    }
    case ConditionKind::kHeaderMatches:
      SP_RETURN_IF_ERROR(CheckHeaderName(field + ".header", c.header_name));
      [[fallthrough]];
    case ConditionKind::kSubjectMatches:
    case ConditionKind::kBodyMatches:
      return CheckPattern(field + ".pattern", c.pattern);
    case ConditionKind::kAttachmentNameIs:
      return CheckValues(values, c.values, ValueKind::kAttachmentName);
    case ConditionKind::kAttachmentSizeOver:
    case ConditionKind::kMessageSizeOver:
      if (c.bytes < 0) return Invalid(field + ".bytes", "negative size");
      return Status::Ok();
    case ConditionKind::kHasAttachment:
      return Status::Ok();
    case ConditionKind::kMessageTypeIs:
      return CheckKnown(values, c.message_types, MessageTypeName,
                        "unknown message type");
    case ConditionKind::kSensitivityIs:
      return CheckKnown(values, c.sensitivities, SensitivityName,
                        "unknown sensitivity");
  }
  return Invalid(field + ".kind", "unknown condition");
}

Status CheckConditions(std::string_view name,
                       const std::vector<Condition>& conditions) {
  if (conditions.size() > kMaxConditionsPerRule) {
    return Invalid(name, "more than " + std::to_string(kMaxConditionsPerRule) +
                             " entries");
  }
  for (size_t i = 0; i < conditions.size(); ++i) {
    SP_RETURN_IF_ERROR(CheckCondition(
        std::string(name) + "[" + std::to_string(i) + "]", conditions[i]));
  }
  return Status::Ok();
}

// RFC 3463 §2: class "." subject "." detail; a reject is permanent (5).
bool IsPermanentEnhancedStatus(std::string_view s) {
  if (!s.starts_with("5.")) return false;
  s.remove_prefix(2);
  const size_t dot = s.find('.');
  if (dot == std::string_view::npos) return false;
  auto digits = [](std::string_view d) {
    if (d.empty() || d.size() > 3) return false;
    for (char c : d) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  return digits(s.substr(0, dot)) && digits(s.substr(dot + 1));
}

Status CheckAction(const std::string& field, const Action& a,
                   const std::vector<std::string>& known_templates) {
  if (!ValidKind(a.kind)) return Invalid(field + ".kind", "unknown action");
  switch (a.kind) {
    case ActionKind::kApplyTemplate: {
      if (TrimWhitespace(a.template_name).empty()) {
        return Invalid(field + ".template", "empty template name");
      }
      bool known = false;
      for (const std::string& t : known_templates) {
        known = known || EqualsIgnoringAsciiCase(t, a.template_name);
      }
      if (!known) {
        return Invalid(field + ".template",
                       "unknown template " + Quote(a.template_name));
      }
      if (CodePoints(a.branding) > kMaxRuleNameLength ||
          HasControlChar(a.branding)) {
        return Invalid(field + ".branding",
                       "branding identity must be at most " +
                           std::to_string(kMaxRuleNameLength) +
                           " characters without control characters");
      }
      return Status::Ok();
    }
    case ActionKind::kRemoveProtection:
    case ActionKind::kRequireTls:
    case ActionKind::kRequireSmime:
    case ActionKind::kSign:
      return Status::Ok();
    case ActionKind::kReject: {
      if (TrimWhitespace(a.reject_text).empty()) {
        return Invalid(field + ".text", "empty reject text");
      }
      if (a.reject_text.size() > kMaxRejectTextLength) {
        return Invalid(field + ".text",
                       "longer than " + std::to_string(kMaxRejectTextLength) +
                           " characters");
      }
      for (unsigned char c : a.reject_text) {
        if (c < 0x20 || c > 0x7e) {
          // It becomes an SMTP reply line (RFC 5321 §4.2).
          return Invalid(field + ".text", "must be printable ASCII");
        }
      }
      if (!IsPermanentEnhancedStatus(a.enhanced_status)) {
        return Invalid(field + ".enhanced_status",
                       Quote(a.enhanced_status) +
                           " is not a permanent enhanced status code "
                           "5.x.y (RFC 3463)");
      }
      return Status::Ok();
    }
    case ActionKind::kAddHeader: {
      SP_RETURN_IF_ERROR(CheckHeaderName(field + ".header", a.header_name));
      if (a.header_name.size() >= 11 &&
          EqualsIgnoringAsciiCase(std::string_view(a.header_name).substr(0, 11),
                                  "X-Sealpost-")) {
        return Invalid(field + ".header",
                       "X-Sealpost-* headers are reserved for Sealpost");
      }
      if (a.header_value.find_first_of("\r\n") != std::string::npos) {
        return Invalid(field + ".value", "header value contains CR or LF");
      }
      if (a.header_value.size() > kMaxHeaderValueLength) {
        return Invalid(
            field + ".value",
            "longer than " + std::to_string(kMaxHeaderValueLength) + " bytes");
      }
      return Status::Ok();
    }
  }
  return Invalid(field + ".kind", "unknown action");
}

}  // namespace

Status ValidateRule(const Rule& rule,
                    const std::vector<std::string>& known_templates) {
  if (rule.id.size() > kMaxRuleIdLength) {
    return Invalid("id", "longer than " + std::to_string(kMaxRuleIdLength) +
                             " characters");
  }
  for (char c : rule.id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return Invalid("id", "may only contain A-Z a-z 0-9 . _ -");
  }
  if (TrimWhitespace(rule.name).empty()) return Invalid("name", "empty name");
  if (CodePoints(rule.name) > kMaxRuleNameLength) {
    return Invalid("name", "longer than " + std::to_string(kMaxRuleNameLength) +
                               " characters");
  }
  if (HasControlChar(rule.name)) {
    return Invalid("name", "control characters are not allowed");
  }
  if (rule.priority < 0) return Invalid("priority", "negative priority");
  if (RuleModeName(rule.mode) == "unknown") {
    return Invalid("mode", "unknown mode");
  }
  SP_RETURN_IF_ERROR(CheckConditions("conditions", rule.conditions));
  SP_RETURN_IF_ERROR(CheckConditions("exceptions", rule.exceptions));
  if (rule.actions.empty()) return Invalid("actions", "no actions");
  if (rule.actions.size() > kMaxActionsPerRule) {
    return Invalid(
        "actions",
        "more than " + std::to_string(kMaxActionsPerRule) + " entries");
  }
  int apply = 0, remove = 0;
  for (size_t i = 0; i < rule.actions.size(); ++i) {
    const std::string field = "actions[" + std::to_string(i) + "]";
    SP_RETURN_IF_ERROR(CheckAction(field, rule.actions[i], known_templates));
    apply += rule.actions[i].kind == ActionKind::kApplyTemplate ? 1 : 0;
    remove += rule.actions[i].kind == ActionKind::kRemoveProtection ? 1 : 0;
    if (apply > 1) return Invalid(field, "more than one apply_template");
    if (apply > 0 && remove > 0) {
      return Invalid(field, "apply_template and remove_protection contradict");
    }
  }
  if (rule.comments.size() > kMaxCommentsLength) {
    return Invalid(
        "comments",
        "longer than " + std::to_string(kMaxCommentsLength) + " bytes");
  }
  return Status::Ok();
}

Status ValidateRules(const std::vector<Rule>& rules,
                     const std::vector<std::string>& known_templates) {
  if (rules.size() > kMaxRules) {
    return InvalidArgumentError("rules: more than " +
                                std::to_string(kMaxRules) + " rules");
  }
  std::set<std::string> ids, names;
  for (size_t i = 0; i < rules.size(); ++i) {
    const std::string where =
        "rules[" + std::to_string(i) + "] (" + Quote(rules[i].name) + ")";
    Status s = ValidateRule(rules[i], known_templates);
    if (!s.ok()) return s.WithContext(where);
    if (rules[i].id.empty()) {
      return InvalidArgumentError(where + ": id: empty id");
    }
    if (!ids.insert(rules[i].id).second) {
      return InvalidArgumentError(where + ": id: duplicate id " +
                                  Quote(rules[i].id));
    }
    if (!names.insert(AsciiLower(TrimWhitespace(rules[i].name))).second) {
      return InvalidArgumentError(where + ": name: duplicate name");
    }
  }
  return Status::Ok();
}

}  // namespace sealpost::policy
