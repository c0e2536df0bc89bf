#include "policy/validate.h"

#include <gtest/gtest.h>

#include <functional>

#include "policy/test_util.h"

namespace sealpost::policy {
namespace {

using namespace ::sealpost::policy::testing;  // NOLINT: test builders
using K = ConditionKind;

Rule GoodRule() {
  Rule r =
      MakeRule("r1", 0,
               {ScopeIs(K::kSenderScope, Scope::kInOrganization),
                ScopeIs(K::kRecipientScope, Scope::kNotInOrganization),
                Values(K::kSubjectContainsWords, {"[encrypt]", "vertraulich"}),
                Pattern(K::kHeaderMatches, "^secret", "X-Classification")},
               {ApplyTemplate("encrypt", "Contoso"), RequireTls(),
                AddHeader("X-Class", "external")},
               {Values(K::kRecipientDomainIs, {"partner.example"})});
  r.name = "Encrypt external mail";
  return r;
}

TEST(ValidateTest, GoodRuleIsAccepted) {
  const Status s = ValidateRule(GoodRule(), KnownTemplates());
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST(ValidateTest, RefusesBadRulesNamingTheField) {
  struct Case {
    std::string name;
    std::function<void(Rule&)> mutate;
    std::string error;  // expected message prefix
  };
  const std::vector<Case> cases = {
      {"empty name", [](Rule& r) { r.name = " "; }, "name: empty name"},
      {"long name", [](Rule& r) { r.name = std::string(65, 'x'); },
       "name: longer than 64 characters"},
      {"control char in name", [](Rule& r) { r.name = "a\nb"; },
       "name: control characters"},
      {"bad id", [](Rule& r) { r.id = "a b"; }, "id: may only contain"},
      {"negative priority", [](Rule& r) { r.priority = -1; },
       "priority: negative priority"},
      {"unknown mode", [](Rule& r) { r.mode = static_cast<RuleMode>(7); },
       "mode: unknown mode"},
      {"unknown condition kind",
       [](Rule& r) { r.conditions[0].kind = static_cast<ConditionKind>(99); },
       "conditions[0].kind: unknown condition"},
      {"unknown scope",
       [](Rule& r) { r.conditions[1].scope = static_cast<Scope>(9); },
       "conditions[1].scope: unknown scope"},
      {"bad pattern", [](Rule& r) { r.conditions[3].pattern = "(unclosed"; },
       "conditions[3].pattern: invalid pattern: missing ): (unclosed"},
      {"empty pattern", [](Rule& r) { r.conditions[3].pattern = ""; },
       "conditions[3].pattern: empty pattern"},
      {"bad header name",
       [](Rule& r) { r.conditions[3].header_name = "X Bad"; },
       "conditions[3].header: header name \"X Bad\""},
      {"empty list", [](Rule& r) { r.conditions[2].values.clear(); },
       "conditions[2].values: empty list"},
      {"empty entry", [](Rule& r) { r.conditions[2].values[1] = "  "; },
       "conditions[2].values[1]: empty entry"},
      {"word too long",
       [](Rule& r) { r.conditions[2].values[0] = std::string(129, 'w'); },
       "conditions[2].values[0]: longer than 128 characters"},
      {"address without @",
       [](Rule& r) {
         r.conditions.push_back(Values(K::kSenderAddressIs, {"alice"}));
       },
       "conditions[4].values[0]: \"alice\" is not an e-mail address"},
      {"bad domain", [](Rule& r) { r.exceptions[0].values = {"a@b.example"}; },
       "exceptions[0].values[0]: \"a@b.example\" is not a domain"},
      {"negative size",
       [](Rule& r) {
         r.exceptions.push_back(Bytes(K::kAttachmentSizeOver, -1));
       },
       "exceptions[1].bytes: negative size"},
      {"empty message types",
       [](Rule& r) { r.conditions.push_back(TypeIs({})); },
       "conditions[4].values: empty list"},
      {"unknown message type",
       [](Rule& r) {
         r.conditions.push_back(TypeIs({static_cast<MessageType>(5)}));
       },
       "conditions[4].values[0]: unknown message type"},
      {"unknown sensitivity",
       [](Rule& r) {
         r.conditions.push_back(SensitivityIs({static_cast<Sensitivity>(5)}));
       },
       "conditions[4].values[0]: unknown sensitivity"},
      {"no actions", [](Rule& r) { r.actions.clear(); }, "actions: no actions"},
      {"unknown action kind",
       [](Rule& r) { r.actions[1].kind = static_cast<ActionKind>(42); },
       "actions[1].kind: unknown action"},
      {"unknown template",
       [](Rule& r) { r.actions[0].template_name = "Top Secret"; },
       "actions[0].template: unknown template \"Top Secret\""},
      {"long branding",
       [](Rule& r) { r.actions[0].branding = std::string(65, 'b'); },
       "actions[0].branding: branding identity must be at most 64"},
      {"two templates",
       [](Rule& r) { r.actions.push_back(ApplyTemplate("Encrypt")); },
       "actions[3]: more than one apply_template"},
      {"apply and remove",
       [](Rule& r) { r.actions.push_back(RemoveProtection()); },
       "actions[3]: apply_template and remove_protection contradict"},
      {"empty reject text", [](Rule& r) { r.actions.push_back(Reject("")); },
       "actions[3].text: empty reject text"},
      {"non-ASCII reject text",
       [](Rule& r) { r.actions.push_back(Reject("nein, danke schön")); },
       "actions[3].text: must be printable ASCII"},
      {"temporary status",
       [](Rule& r) { r.actions.push_back(Reject("no", "4.7.1")); },
       "actions[3].enhanced_status: \"4.7.1\" is not a permanent"},
      {"malformed status",
       [](Rule& r) { r.actions.push_back(Reject("no", "5.7")); },
       "actions[3].enhanced_status"},
      {"header name with colon",
       [](Rule& r) { r.actions[2].header_name = "X-A:"; },
       "actions[2].header: header name \"X-A:\""},
      {"reserved header",
       [](Rule& r) { r.actions[2].header_name = "x-sealpost-protected"; },
       "actions[2].header: X-Sealpost-* headers are reserved"},
      {"header value with CRLF",
       [](Rule& r) { r.actions[2].header_value = "a\r\nBcc: x@y"; },
       "actions[2].value: header value contains CR or LF"},
      {"long comments", [](Rule& r) { r.comments = std::string(1025, 'c'); },
       "comments: longer than 1024 bytes"},
  };
  for (const Case& c : cases) {
    Rule r = GoodRule();
    c.mutate(r);
    const Status s = ValidateRule(r, KnownTemplates());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(s.message().substr(0, c.error.size()), c.error)
        << c.name << ": " << s.message();
  }
}

TEST(ValidateTest, WordListTooLargeForRe2IsRefused) {
  Rule r = GoodRule();
  r.conditions[2].values.clear();
  for (size_t i = 0; i < kMaxValuesPerCondition; ++i) {
    r.conditions[2].values.push_back(std::to_string(i) + std::string(120, 'w'));
  }
  const Status s = ValidateRule(r, KnownTemplates());
  EXPECT_EQ(s.message().substr(0, 38), "conditions[2].values: invalid pattern:")
      << s.message();
}

TEST(ValidateTest, NameLimitCountsCharactersNotBytes) {
  Rule r = GoodRule();
  r.name.clear();
  for (int i = 0; i < 64; ++i) r.name += "é";
  EXPECT_TRUE(ValidateRule(r, KnownTemplates()).ok());
}

TEST(ValidateTest, RuleWithoutConditionsAppliesToAllAndIsValid) {
  EXPECT_TRUE(
      ValidateRule(MakeRule("r", 0, {}, {RequireTls()}), KnownTemplates())
          .ok());
}

TEST(ValidateTest, RuleSetLimits) {
  std::vector<Rule> rules;
  for (size_t i = 0; i < kMaxRules; ++i) {
    rules.push_back(MakeRule("r" + std::to_string(i), static_cast<int32_t>(i),
                             {}, {RequireTls()}));
  }
  EXPECT_TRUE(ValidateRules(rules, KnownTemplates()).ok());
  rules.push_back(MakeRule("extra", 0, {}, {RequireTls()}));
  EXPECT_EQ(ValidateRules(rules, KnownTemplates()).message(),
            "rules: more than 300 rules");

  std::vector<Rule> dup_id = {MakeRule("a", 0, {}, {RequireTls()}),
                              MakeRule("a", 1, {}, {RequireTls()})};
  dup_id[1].name = "Other";
  EXPECT_EQ(ValidateRules(dup_id, KnownTemplates()).message(),
            "rules[1] (\"Other\"): id: duplicate id \"a\"");

  std::vector<Rule> dup_name = {MakeRule("a", 0, {}, {RequireTls()}),
                                MakeRule("b", 1, {}, {RequireTls()})};
  dup_name[1].name = "RULE A";
  EXPECT_EQ(ValidateRules(dup_name, KnownTemplates()).message(),
            "rules[1] (\"RULE A\"): name: duplicate name");

  std::vector<Rule> no_id = {MakeRule("", 0, {}, {RequireTls()})};
  EXPECT_EQ(ValidateRules(no_id, KnownTemplates()).message(),
            "rules[0] (\"Rule \"): id: empty id");

  std::vector<Rule> bad = {MakeRule("a", 0, {}, {})};
  EXPECT_EQ(ValidateRules(bad, KnownTemplates()).message(),
            "rules[0] (\"Rule a\"): actions: no actions");
}

}  // namespace
}  // namespace sealpost::policy
