#include "policy/evaluate.h"

#include <algorithm>
#include <utility>

#include "base/strings.h"
#include "policy/text_match.h"

namespace sealpost::policy {

namespace {

struct CompiledCondition {
  Condition condition;
  std::shared_ptr<const RE2> re;  // patterns and word lists
};

}  // namespace

struct RuleSet::Compiled {
  Rule rule;
  std::vector<CompiledCondition> conditions;
  std::vector<CompiledCondition> exceptions;
};

namespace {

Result<std::vector<CompiledCondition>> CompileConditions(
    std::string_view field, const std::vector<Condition>& conditions) {
  std::vector<CompiledCondition> out;
  out.reserve(conditions.size());
  for (size_t i = 0; i < conditions.size(); ++i) {
    CompiledCondition cc{conditions[i], nullptr};
    const std::string where =
        std::string(field) + "[" + std::to_string(i) + "]";
    switch (cc.condition.kind) {
      case ConditionKind::kSubjectContainsWords:
      case ConditionKind::kSubjectOrBodyContainsWords: {
        auto re = CompileWordList(cc.condition.values);
        if (!re.ok()) return re.status().WithContext(where + ".values");
        cc.re = *std::move(re);
        break;
      }
      case ConditionKind::kSubjectMatches:
      case ConditionKind::kBodyMatches:
      case ConditionKind::kHeaderMatches: {
        auto re = CompilePattern(cc.condition.pattern);
        if (!re.ok()) return re.status().WithContext(where + ".pattern");
        cc.re = *std::move(re);
        break;
      }
      default:
        break;
    }
    out.push_back(std::move(cc));
  }
  return out;
}

Result<RuleSet::Compiled> CompileRule(const Rule& rule) {
  const std::string where = "rule \"" + rule.name + "\" (" + rule.id + ")";
  auto conditions = CompileConditions("conditions", rule.conditions);
  if (!conditions.ok()) return conditions.status().WithContext(where);
  auto exceptions = CompileConditions("exceptions", rule.exceptions);
  if (!exceptions.ok()) return exceptions.status().WithContext(where);
  return RuleSet::Compiled{rule, *std::move(conditions),
                           *std::move(exceptions)};
}

bool Matches(const RE2& re, std::string_view text) {
  return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), re);
}

bool AnyEqual(const std::vector<std::string>& values, std::string_view s) {
  for (const std::string& v : values) {
    if (EqualsIgnoringAsciiCase(TrimWhitespace(v), s)) return true;
  }
  return false;
}

bool AnyDomain(const std::vector<std::string>& values, std::string_view addr) {
  const std::string domain = DomainOf(addr);
  for (const std::string& v : values) {
    if (DomainMatches(domain, v)) return true;
  }
  return false;
}

// A subject condition on every Subject field, each on its own (so that
// "^" and "$" keep their meaning): any one that matches.
bool SubjectMatches(const RE2& re, const MessageFacts& m) {
  if (m.subject_text.empty()) return Matches(re, m.subject);
  std::string_view rest = m.subject_text;
  for (;;) {
    const size_t nl = rest.find('\n');
    if (Matches(re, rest.substr(0, nl))) return true;
    if (nl == std::string_view::npos) return false;
    rest.remove_prefix(nl + 1);
  }
}

bool ScopeMatches(Scope scope, bool internal) {
  return (scope == Scope::kInOrganization) == internal;
}

// The conditions read from the files' list: on an incomplete one
// (MessageFacts::attachments_incomplete) a file not listed may be the one
// a condition looks for, or one an exception would not pass.
bool ReadsFileList(ConditionKind kind) {
  return kind == ConditionKind::kAttachmentNameIs ||
         kind == ConditionKind::kAttachmentSizeOver;
}

// Message-level conditions; recipient conditions are never asked here.
// Those read from an incomplete files' list fail closed: as a condition
// (`exception` false) it holds, so the rule's reject or protection comes;
// as an exception it does not apply, letting no mail through on part of
// its files.
bool MessageMatches(const CompiledCondition& cc, const MessageFacts& m,
                    bool exception) {
  const Condition& c = cc.condition;
  if (ReadsFileList(c.kind) && !m.attachments_incomplete.empty()) {
    return !exception;
  }
  switch (c.kind) {
    case ConditionKind::kSenderAddressIs:
      return AnyEqual(c.values, TrimWhitespace(m.sender));
    case ConditionKind::kSenderDomainIs:
      return !m.sender.empty() && AnyDomain(c.values, m.sender);
    case ConditionKind::kSenderScope:
      return ScopeMatches(c.scope, m.sender_internal);
    case ConditionKind::kSenderMemberOf:
      for (const std::string& g : m.sender_groups) {
        if (AnyEqual(c.values, TrimWhitespace(g))) return true;
      }
      return false;
    case ConditionKind::kSubjectContainsWords:
    case ConditionKind::kSubjectMatches:
      return SubjectMatches(*cc.re, m);
    case ConditionKind::kSubjectOrBodyContainsWords:
      return SubjectMatches(*cc.re, m) || Matches(*cc.re, m.body_text);
    case ConditionKind::kBodyMatches:
      return Matches(*cc.re, m.body_text);
    case ConditionKind::kHeaderMatches:
      for (const Header& h : m.headers) {
        if (EqualsIgnoringAsciiCase(TrimWhitespace(h.name),
                                    TrimWhitespace(c.header_name)) &&
            Matches(*cc.re, h.value)) {
          return true;
        }
      }
      return false;
    case ConditionKind::kAttachmentNameIs:
      for (const AttachmentFacts& a : m.attachments) {
        for (const std::string& v : c.values) {
          if (AttachmentNameMatches(a.name, v) ||
              (!a.other_name.empty() &&
               AttachmentNameMatches(a.other_name, v))) {
            return true;
          }
        }
      }
      return false;
    case ConditionKind::kAttachmentSizeOver:
      for (const AttachmentFacts& a : m.attachments) {
        if (a.size > c.bytes) return true;
      }
      return false;
    case ConditionKind::kMessageSizeOver:
      return m.size > c.bytes;
    case ConditionKind::kHasAttachment:
      // Known even when the list is incomplete: it misses files only.
      return m.has_attachment || !m.attachments.empty() ||
             !m.attachments_incomplete.empty();
    case ConditionKind::kMessageTypeIs:
      for (MessageType t : c.message_types) {
        if ((t == MessageType::kProtected && m.is_protected) ||
            (t == MessageType::kSmimeEncrypted && m.is_smime_encrypted) ||
            (t == MessageType::kSigned && m.is_signed)) {
          return true;
        }
      }
      return false;
    case ConditionKind::kSensitivityIs: {
      auto listed = [&c](Sensitivity s) {
        return std::find(c.sensitivities.begin(), c.sensitivities.end(), s) !=
               c.sensitivities.end();
      };
      if (m.sensitivities.empty()) return listed(m.sensitivity);
      return std::any_of(m.sensitivities.begin(), m.sensitivities.end(),
                         listed);
    }
    case ConditionKind::kRecipientAddressIs:
    case ConditionKind::kRecipientDomainIs:
    case ConditionKind::kRecipientScope:
      break;
  }
  return false;
}

bool RecipientMatches(const CompiledCondition& cc, const RecipientFacts& r) {
  const Condition& c = cc.condition;
  switch (c.kind) {
    case ConditionKind::kRecipientAddressIs:
      return AnyEqual(c.values, TrimWhitespace(r.address));
    case ConditionKind::kRecipientDomainIs:
      return AnyDomain(c.values, r.address);
    case ConditionKind::kRecipientScope:
      return ScopeMatches(c.scope, r.internal);
    default:
      return false;
  }
}

bool Removable(const MessageFacts& m) {
  return m.is_protected &&
         (m.protected_by_our_org ||
          EqualsIgnoringAsciiCase(TrimWhitespace(m.protected_template),
                                  "encrypt"));
}

void Apply(const Action& a, const Rule& rule, const MessageFacts& m,
           RecipientPlan& r) {
  Treatment& t = r.treatment;
  switch (a.kind) {
    case ActionKind::kApplyTemplate:
      if (t.kind == Treatment::Kind::kReject ||
          t.kind == Treatment::Kind::kProtect) {
        return;
      }
      t = Treatment{};
      t.kind = Treatment::Kind::kProtect;
      t.template_name = a.template_name;
      t.branding = a.branding;
      t.decided_by = rule.id;
      return;
    case ActionKind::kRemoveProtection:
      if (t.kind != Treatment::Kind::kDeliver || !Removable(m)) return;
      t = Treatment{};
      t.kind = Treatment::Kind::kRemoveProtection;
      t.decided_by = rule.id;
      return;
    case ActionKind::kRequireTls:
      r.require_tls = true;
      return;
    case ActionKind::kRequireSmime:
      r.require_smime = true;
      return;
    case ActionKind::kSign:
      r.sign = true;
      return;
    case ActionKind::kReject:
      if (t.kind == Treatment::Kind::kReject) return;
      t = Treatment{};
      t.kind = Treatment::Kind::kReject;
      t.reject_text = a.reject_text;
      t.enhanced_status = a.enhanced_status.empty()
                              ? std::string(kDefaultRejectStatus)
                              : a.enhanced_status;
      t.decided_by = rule.id;
      return;
    case ActionKind::kAddHeader: {
      Header h{a.header_name, a.header_value};
      if (std::find(r.added_headers.begin(), r.added_headers.end(), h) ==
          r.added_headers.end()) {
        r.added_headers.push_back(std::move(h));
      }
      return;
    }
  }
}

void EvaluateRule(const RuleSet::Compiled& rule, const MessageFacts& m,
                  std::vector<bool>& stopped, Plan& plan) {
  if (!rule.rule.enabled) return;
  for (const CompiledCondition& c : rule.conditions) {
    if (!IsRecipientCondition(c.condition.kind) &&
        !MessageMatches(c, m, /*exception=*/false)) {
      return;
    }
  }
  for (const CompiledCondition& e : rule.exceptions) {
    if (!IsRecipientCondition(e.condition.kind) &&
        MessageMatches(e, m, /*exception=*/true)) {
      return;
    }
  }
  std::vector<size_t> matched;
  for (size_t i = 0; i < m.recipients.size(); ++i) {
    if (stopped[i]) continue;
    const RecipientFacts& r = m.recipients[i];
    bool ok = true;
    for (const CompiledCondition& c : rule.conditions) {
      if (IsRecipientCondition(c.condition.kind) && !RecipientMatches(c, r)) {
        ok = false;
        break;
      }
    }
    for (const CompiledCondition& e : rule.exceptions) {
      if (!ok) break;
      if (IsRecipientCondition(e.condition.kind) && RecipientMatches(e, r)) {
        ok = false;
      }
    }
    if (ok) matched.push_back(i);
  }
  if (matched.empty()) return;

  if (rule.rule.mode == RuleMode::kAudit) {
    for (size_t i : matched) {
      for (const Action& a : rule.rule.actions) {
        plan.audit.push_back(AuditEntry{rule.rule.id, rule.rule.name,
                                        m.recipients[i].address, a,
                                        DescribeAction(a)});
      }
    }
    return;
  }
  plan.fired_rules.push_back(rule.rule.id);
  for (size_t i : matched) {
    RecipientPlan& r = plan.recipients[i];
    for (const Action& a : rule.rule.actions) Apply(a, rule.rule, m, r);
    r.rules.push_back(rule.rule.id);
    if (rule.rule.stop_processing) stopped[i] = true;
  }
}

Plan EvaluateCompiled(const std::vector<RuleSet::Compiled>& rules,
                      const MessageFacts& m) {
  Plan plan;
  plan.recipients.reserve(m.recipients.size());
  for (const RecipientFacts& r : m.recipients) {
    RecipientPlan p;
    p.address = r.address;
    p.internal = r.internal;
    plan.recipients.push_back(std::move(p));
  }
  std::vector<bool> stopped(m.recipients.size(), false);
  for (const RuleSet::Compiled& rule : rules) {
    EvaluateRule(rule, m, stopped, plan);
  }
  return plan;
}

void SortByPriority(std::vector<Rule>& rules) {
  std::stable_sort(
      rules.begin(), rules.end(),
      [](const Rule& a, const Rule& b) { return a.priority < b.priority; });
}

}  // namespace

RuleSet::RuleSet(std::shared_ptr<const std::vector<Compiled>> compiled)
    : compiled_(std::move(compiled)) {
  rules_.reserve(compiled_->size());
  for (const Compiled& c : *compiled_) rules_.push_back(c.rule);
}

Result<RuleSet> RuleSet::Compile(std::vector<Rule> rules) {
  SortByPriority(rules);
  auto compiled = std::make_shared<std::vector<Compiled>>();
  compiled->reserve(rules.size());
  for (const Rule& rule : rules) {
    SP_ASSIGN_OR_RETURN(Compiled c, CompileRule(rule));
    compiled->push_back(std::move(c));
  }
  return RuleSet(std::move(compiled));
}

Plan RuleSet::Evaluate(const MessageFacts& facts) const {
  return EvaluateCompiled(*compiled_, facts);
}

const std::vector<Rule>& RuleSet::rules() const { return rules_; }

Plan Evaluate(const std::vector<Rule>& rules, const MessageFacts& facts) {
  std::vector<Rule> sorted = rules;
  SortByPriority(sorted);
  std::vector<RuleSet::Compiled> compiled;
  std::vector<std::string> errors;
  for (const Rule& rule : sorted) {
    auto c = CompileRule(rule);
    if (c.ok()) {
      compiled.push_back(*std::move(c));
    } else {
      errors.push_back(c.status().message());
    }
  }
  Plan plan = EvaluateCompiled(compiled, facts);
  plan.errors = std::move(errors);
  return plan;
}

}  // namespace sealpost::policy
