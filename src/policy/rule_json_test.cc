#include "policy/rule_json.h"

#include <gtest/gtest.h>

#include "policy/test_util.h"
#include "policy/validate.h"

namespace sealpost::policy {
namespace {

using namespace ::sealpost::policy::testing;  // NOLINT: test builders
using K = ConditionKind;

Rule EveryKind() {
  Rule r = MakeRule(
      "r-1", 3,
      {Values(K::kSenderAddressIs, {"alice@corp.example"}),
       Values(K::kSenderDomainIs, {"corp.example"}),
       Values(K::kRecipientAddressIs, {"carol@ext.example"}),
       Values(K::kRecipientDomainIs, {"ext.example", "other.example"}),
       ScopeIs(K::kSenderScope, Scope::kInOrganization),
       ScopeIs(K::kRecipientScope, Scope::kNotInOrganization),
       Values(K::kSenderMemberOf, {"finance"}),
       Values(K::kSubjectContainsWords, {"[encrypt]", "Vertraulich ÄÖÜ"}),
       Values(K::kSubjectOrBodyContainsWords, {"secret"}),
       Pattern(K::kSubjectMatches, R"(^\d+ "quoted")"),
       Pattern(K::kBodyMatches, R"(\bIBAN\b)"),
       Pattern(K::kHeaderMatches, "^secret$", "X-Classification"),
       Values(K::kAttachmentNameIs, {"docx", "*.pdf"}),
       Bytes(K::kAttachmentSizeOver, 1048576),
       Bytes(K::kMessageSizeOver, 9007199254740993), HasAttachment(),
       TypeIs({MessageType::kProtected, MessageType::kSmimeEncrypted,
               MessageType::kSigned}),
       SensitivityIs({Sensitivity::kNormal, Sensitivity::kPersonal,
                      Sensitivity::kPrivate, Sensitivity::kConfidential})},
      {ApplyTemplate("Encrypt", "Contoso"), RequireTls(), Reject("No", "5.7.9"),
       AddHeader("X-Class", "external"), RequireSmime(), Sign()},
      {Values(K::kRecipientDomainIs, {"partner.example"}), HasAttachment()});
  r.enabled = false;
  r.mode = RuleMode::kAudit;
  r.stop_processing = true;
  r.comments = "owner: security team\n\"quoted\"";
  return r;
}

TEST(RuleJsonTest, RoundTripsEveryConditionAndActionKind) {
  const Rule r = EveryKind();
  auto back = RuleFromJson(RuleToJson(r));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, r);

  Rule remove = MakeRule("r2", 0, {}, {RemoveProtection()});
  auto back2 = RuleFromJson(RuleToJson(remove));
  ASSERT_TRUE(back2.ok()) << back2.status().ToString();
  EXPECT_EQ(*back2, remove);
}

TEST(RuleJsonTest, StableFieldNames) {
  Rule r = MakeRule("r1", 0,
                    {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
                    {ApplyTemplate("Encrypt")},
                    {Values(K::kRecipientDomainIs, {"partner.example"})});
  r.name = "External";
  EXPECT_EQ(RuleToJson(r),
            R"({"id":"r1","name":"External","priority":0,"enabled":true,)"
            R"("mode":"enforce","stop_processing":false,)"
            R"("conditions":[{"kind":"recipient_scope",)"
            R"("scope":"not_in_organization"}],)"
            R"("exceptions":[{"kind":"recipient_domain_is",)"
            R"("values":["partner.example"]}],)"
            R"("actions":[{"kind":"apply_template","template":"Encrypt"}],)"
            R"("comments":""})");
}

TEST(RuleJsonTest, MinimalInputTakesDefaults) {
  auto r =
      RuleFromJson(R"({"name":"x","actions":[{"kind":"reject","text":"no"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->enabled);
  EXPECT_EQ(r->mode, RuleMode::kEnforce);
  EXPECT_EQ(r->priority, 0);
  EXPECT_EQ(r->actions[0].enhanced_status, "5.7.1");
  auto s = RuleFromJson(R"({"name":"x","conditions":[{"kind":"sensitivity_is",)"
                        R"("values":["Company-Confidential"]}]})");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->conditions[0].sensitivities,
            std::vector<Sensitivity>{Sensitivity::kConfidential});
}

TEST(RuleJsonTest, RefusesMalformedInputNamingTheField) {
  struct Case {
    std::string json;
    std::string error;  // expected message prefix
  };
  const std::vector<Case> cases = {
      {"", "rule: invalid JSON"},
      {"{\"name\":", "rule: invalid JSON"},
      {"[]", "rule: must be a JSON object"},
      {R"({})", "name: missing"},
      {R"({"name":1})", "name: must be a string"},
      {R"({"name":"x","colour":"red"})", "colour: unknown field for a rule"},
      {R"({"name":"x","priority":1.5})", "priority: must be an integer"},
      {R"({"name":"x","priority":4294967296})", "priority: out of range"},
      {R"({"name":"x","priority":18446744073709551615})",
       "priority: out of range"},
      {R"({"name":"x","enabled":"yes"})", "enabled: must be true or false"},
      {R"({"name":"x","mode":"test"})", "mode: unknown mode \"test\""},
      {R"({"name":"x","conditions":{}})", "conditions: must be an array"},
      {R"({"name":"x","conditions":[1]})", "conditions[0]: must be an object"},
      {R"({"name":"x","conditions":[{}]})", "conditions[0].kind: missing"},
      {R"({"name":"x","conditions":[{"kind":"sender_is"}]})",
       "conditions[0].kind: unknown condition \"sender_is\""},
      {R"({"name":"x","exceptions":[{"kind":"has_attachment","values":[]}]})",
       "exceptions[0].values: unknown field for has_attachment"},
      {R"({"name":"x","conditions":[{"kind":"sender_domain_is"}]})",
       "conditions[0].values: missing"},
      {R"({"name":"x","conditions":[{"kind":"sender_domain_is","values":[1]}]})",
       "conditions[0].values[0]: must be a string"},
      {R"({"name":"x","conditions":[{"kind":"sender_scope","scope":"inside"}]})",
       "conditions[0].scope: unknown scope \"inside\""},
      {R"({"name":"x","conditions":[{"kind":"message_size_over","bytes":"1"}]})",
       "conditions[0].bytes: must be an integer"},
      {R"({"name":"x","conditions":[{"kind":"message_type_is","values":["x"]}]})",
       "conditions[0].values[0]: unknown message type \"x\""},
      {R"({"name":"x","conditions":[{"kind":"header_matches","pattern":"a"}]})",
       "conditions[0].header: missing"},
      {R"({"name":"x","actions":[{"kind":"encrypt"}]})",
       "actions[0].kind: unknown action \"encrypt\""},
      {R"({"name":"x","actions":[{"kind":"require_tls","text":"x"}]})",
       "actions[0].text: unknown field for require_tls"},
      {R"({"name":"x","actions":[{"kind":"apply_template"}]})",
       "actions[0].template: missing"},
      {R"({"name":"x","actions":[{"kind":"add_header","header":"X-A"}]})",
       "actions[0].value: missing"},
  };
  for (const Case& c : cases) {
    auto r = RuleFromJson(c.json);
    ASSERT_FALSE(r.ok()) << c.json;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << c.json;
    EXPECT_EQ(r.status().message().substr(0, c.error.size()), c.error)
        << c.json << " -> " << r.status().message();
  }
}

TEST(RuleJsonTest, ParsedRuleStillNeedsValidation) {
  auto r = RuleFromJson(
      R"({"name":"x","conditions":[{"kind":"message_size_over","bytes":-5}],)"
      R"("actions":[{"kind":"apply_template","template":"Nope"}]})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(ValidateRule(*r, KnownTemplates()).message(),
            "conditions[0].bytes: negative size");
}

TEST(RuleJsonTest, RefusesOversizedInput) {
  const std::string big(kMaxRuleJsonBytes + 1, ' ');
  EXPECT_EQ(RuleFromJson(big).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sealpost::policy
