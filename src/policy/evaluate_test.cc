#include "policy/evaluate.h"

#include <gtest/gtest.h>

#include <functional>

#include "policy/test_util.h"

namespace sealpost::policy {
namespace {

using namespace ::sealpost::policy::testing;  // NOLINT: test builders
using K = ConditionKind;
using TK = Treatment::Kind;

std::vector<bool> ProtectedRecipients(const Plan& plan) {
  std::vector<bool> out;
  for (const RecipientPlan& r : plan.recipients) {
    out.push_back(r.treatment.kind == TK::kProtect);
  }
  return out;
}

// SampleFacts recipients: [bob@corp.example (internal),
//                          carol@ext.example (external)].
struct ConditionCase {
  std::string name;
  Condition condition;
  std::function<void(MessageFacts&)> mutate;  // may be empty
  std::vector<bool> matches;                  // per recipient
};

const std::vector<bool> kBoth = {true, true};
const std::vector<bool> kNone = {false, false};
const std::vector<bool> kInternal = {true, false};
const std::vector<bool> kExternal = {false, true};

std::vector<ConditionCase> ConditionCases() {
  return {
      {"sender address", Values(K::kSenderAddressIs, {"ALICE@corp.example"}),
       nullptr, kBoth},
      {"sender address other", Values(K::kSenderAddressIs, {"x@corp.example"}),
       nullptr, kNone},
      {"sender domain", Values(K::kSenderDomainIs, {"Corp.Example"}), nullptr,
       kBoth},
      {"sender subdomain", Values(K::kSenderDomainIs, {"corp.example"}),
       [](MessageFacts& m) { m.sender = "alice@mail.corp.example"; }, kBoth},
      {"sender domain suffix is not a subdomain",
       Values(K::kSenderDomainIs, {"orp.example"}), nullptr, kNone},
      {"recipient address",
       Values(K::kRecipientAddressIs, {"Carol@ext.example"}), nullptr,
       kExternal},
      {"recipient domain", Values(K::kRecipientDomainIs, {"ext.example"}),
       nullptr, kExternal},
      {"recipient domain internal",
       Values(K::kRecipientDomainIs, {"@corp.example", "nowhere.example"}),
       nullptr, kInternal},
      {"sender in org", ScopeIs(K::kSenderScope, Scope::kInOrganization),
       nullptr, kBoth},
      {"sender not in org", ScopeIs(K::kSenderScope, Scope::kNotInOrganization),
       nullptr, kNone},
      {"sender not in org, external sender",
       ScopeIs(K::kSenderScope, Scope::kNotInOrganization),
       [](MessageFacts& m) { m.sender_internal = false; }, kBoth},
      {"recipient not in org",
       ScopeIs(K::kRecipientScope, Scope::kNotInOrganization), nullptr,
       kExternal},
      {"recipient in org", ScopeIs(K::kRecipientScope, Scope::kInOrganization),
       nullptr, kInternal},
      {"sender member of", Values(K::kSenderMemberOf, {"hr", "FINANCE"}),
       nullptr, kBoth},
      {"sender not member of", Values(K::kSenderMemberOf, {"hr"}), nullptr,
       kNone},
      {"subject word", Values(K::kSubjectContainsWords, {"QUARTERLY"}), nullptr,
       kBoth},
      {"subject partial word does not match",
       Values(K::kSubjectContainsWords, {"quarter"}), nullptr, kNone},
      {"subject phrase with other spacing",
       Values(K::kSubjectContainsWords, {"quarterly  report"}),
       [](MessageFacts& m) { m.subject = "Re: quarterly\treport"; }, kBoth},
      {"subject bracket keyword",
       Values(K::kSubjectContainsWords, {"[encrypt]"}),
       [](MessageFacts& m) { m.subject = "Budget[ENCRYPT]now"; }, kBoth},
      {"subject non-ASCII word, Unicode case folding",
       Values(K::kSubjectContainsWords, {"ÄRGER"}),
       [](MessageFacts& m) { m.subject = "viel ärger heute"; }, kBoth},
      {"subject word only in body", Values(K::kSubjectContainsWords, {"hello"}),
       nullptr, kNone},
      {"subject or body word in body",
       Values(K::kSubjectOrBodyContainsWords, {"absent", "hello"}), nullptr,
       kBoth},
      {"subject or body word absent",
       Values(K::kSubjectOrBodyContainsWords, {"absent"}), nullptr, kNone},
      {"subject pattern", Pattern(K::kSubjectMatches, R"(^quarterly\s+rep)"),
       nullptr, kBoth},
      {"subject pattern case-sensitive on request",
       Pattern(K::kSubjectMatches, "(?-i)^quarterly"), nullptr, kNone},
      {"body pattern", Pattern(K::kBodyMatches, R"(\d{4}-\d{4})"), nullptr,
       kBoth},
      {"body pattern no match", Pattern(K::kBodyMatches, R"(\d{5})"), nullptr,
       kNone},
      {"header pattern",
       Pattern(K::kHeaderMatches, "^secret$", "x-classification"), nullptr,
       kBoth},
      {"header pattern other header",
       Pattern(K::kHeaderMatches, "^secret$", "X-Other"), nullptr, kNone},
      {"attachment extension", Values(K::kAttachmentNameIs, {"pdf", "DOCX"}),
       nullptr, kBoth},
      {"attachment dotted extension", Values(K::kAttachmentNameIs, {".docx"}),
       nullptr, kBoth},
      {"attachment star extension", Values(K::kAttachmentNameIs, {"*.pdf"}),
       nullptr, kNone},
      {"attachment star extension match",
       Values(K::kAttachmentNameIs, {"*.pdf"}),
       [](MessageFacts& m) {
         m.attachments.push_back({"scan.PDF", 10});
       },
       kBoth},
      {"attachment's other name", Values(K::kAttachmentNameIs, {"*.exe"}),
       [](MessageFacts& m) {
         m.attachments.push_back({"evil.txt", 10, "evil.exe"});
       },
       kBoth},
      {"attachment exact name", Values(K::kAttachmentNameIs, {"report.docx"}),
       nullptr, kBoth},
      {"attachment glob", Values(K::kAttachmentNameIs, {"rep*.do?x"}), nullptr,
       kBoth},
      {"attachment extension is not a suffix",
       Values(K::kAttachmentNameIs, {"ocx"}), nullptr, kNone},
      {"attachment size over", Bytes(K::kAttachmentSizeOver, 999), nullptr,
       kBoth},
      {"attachment size not over", Bytes(K::kAttachmentSizeOver, 1000), nullptr,
       kNone},
      {"message size over", Bytes(K::kMessageSizeOver, 4999), nullptr, kBoth},
      {"message size not over", Bytes(K::kMessageSizeOver, 5000), nullptr,
       kNone},
      {"has attachment", HasAttachment(), nullptr, kBoth},
      {"has no attachment", HasAttachment(),
       [](MessageFacts& m) {
         m.attachments.clear();
         m.has_attachment = false;
       },
       kNone},
      {"type protected", TypeIs({MessageType::kProtected}),
       [](MessageFacts& m) { m.is_protected = true; }, kBoth},
      {"type smime encrypted",
       TypeIs({MessageType::kSigned, MessageType::kSmimeEncrypted}),
       [](MessageFacts& m) { m.is_smime_encrypted = true; }, kBoth},
      {"type signed", TypeIs({MessageType::kSigned}),
       [](MessageFacts& m) { m.is_signed = true; }, kBoth},
      {"type not matching", TypeIs({MessageType::kProtected}), nullptr, kNone},
      {"sensitivity", SensitivityIs({Sensitivity::kConfidential}),
       [](MessageFacts& m) { m.sensitivity = Sensitivity::kConfidential; },
       kBoth},
      {"sensitivity other",
       SensitivityIs({Sensitivity::kPrivate, Sensitivity::kPersonal}), nullptr,
       kNone},
  };
}

TEST(EvaluateTest, EveryConditionKind) {
  for (const ConditionCase& c : ConditionCases()) {
    MessageFacts m = SampleFacts();
    if (c.mutate) c.mutate(m);
    const Rule rule =
        MakeRule("r", 0, {c.condition}, {ApplyTemplate("Encrypt")});
    const Plan plan = Evaluate({rule}, m);
    EXPECT_TRUE(plan.errors.empty()) << c.name;
    EXPECT_EQ(ProtectedRecipients(plan), c.matches) << c.name;
  }
}

TEST(EvaluateTest, EveryExceptionKind) {
  for (const ConditionCase& c : ConditionCases()) {
    MessageFacts m = SampleFacts();
    if (c.mutate) c.mutate(m);
    const Rule rule =
        MakeRule("r", 0, {}, {ApplyTemplate("Encrypt")}, {c.condition});
    const Plan plan = Evaluate({rule}, m);
    std::vector<bool> expected;
    for (bool b : c.matches) expected.push_back(!b);
    EXPECT_EQ(ProtectedRecipients(plan), expected) << c.name;
  }
}

TEST(EvaluateTest, AllConditionsMustHoldAndAnyExceptionCancels) {
  const MessageFacts m = SampleFacts();
  Rule rule = MakeRule("r", 0,
                       {ScopeIs(K::kSenderScope, Scope::kInOrganization),
                        Values(K::kSubjectContainsWords, {"report"})},
                       {ApplyTemplate("Encrypt")});
  EXPECT_EQ(ProtectedRecipients(Evaluate({rule}, m)), kBoth);
  rule.conditions.push_back(Values(K::kSubjectContainsWords, {"absent"}));
  EXPECT_EQ(ProtectedRecipients(Evaluate({rule}, m)), kNone);
  rule.conditions.pop_back();
  rule.exceptions = {Values(K::kSenderMemberOf, {"nobody"}),
                     Values(K::kRecipientDomainIs, {"ext.example"})};
  EXPECT_EQ(ProtectedRecipients(Evaluate({rule}, m)), kInternal);
}

// Facts whose file list is incomplete (a cap of mime::ExtractFacts was
// reached): a condition on attachments is met, since the file it looks
// for may be among those not read, and an exception on them does not
// apply, which would let mail through on part of its files.
TEST(EvaluateTest, IncompleteAttachmentsFailClosed) {
  MessageFacts m = SampleFacts();
  m.attachments_incomplete = "more than 1000 files inside text";
  for (const Condition& c :
       {Values(K::kAttachmentNameIs, {"*.exe"}),
        Values(K::kAttachmentNameIs, {"evil.exe"}),
        Bytes(K::kAttachmentSizeOver, int64_t{1} << 40), HasAttachment()}) {
    const Rule rule = MakeRule("r", 0, {c}, {ApplyTemplate("Encrypt")});
    EXPECT_EQ(ProtectedRecipients(Evaluate({rule}, m)), kBoth)
        << ConditionKindName(c.kind);
  }
  for (const Condition& e : {Values(K::kAttachmentNameIs, {"*.docx"}),
                             Bytes(K::kAttachmentSizeOver, 1)}) {
    const Rule rule = MakeRule("r", 0, {}, {ApplyTemplate("Encrypt")}, {e});
    EXPECT_EQ(ProtectedRecipients(Evaluate({rule}, m)), kBoth)
        << ConditionKindName(e.kind);
  }
  // Other conditions read what they read.
  const Rule subject =
      MakeRule("r", 0, {Values(K::kSubjectContainsWords, {"absent"})},
               {ApplyTemplate("Encrypt")});
  EXPECT_EQ(ProtectedRecipients(Evaluate({subject}, m)), kNone);
  // Complete facts: as before.
  m.attachments_incomplete.clear();
  const Rule exe = MakeRule("r", 0, {Values(K::kAttachmentNameIs, {"*.exe"})},
                            {ApplyTemplate("Encrypt")});
  EXPECT_EQ(ProtectedRecipients(Evaluate({exe}, m)), kNone);
}

TEST(EvaluateTest, NoRulesDeliversEveryone) {
  const Plan plan = Evaluate({}, SampleFacts());
  ASSERT_EQ(plan.recipients.size(), 2u);
  EXPECT_EQ(plan.recipients[0].address, "bob@corp.example");
  EXPECT_TRUE(plan.recipients[0].internal);
  EXPECT_EQ(plan.recipients[1].treatment, Treatment{});
  EXPECT_TRUE(plan.fired_rules.empty());
}

TEST(EvaluateTest, ApplyTemplateWithBranding) {
  const Plan plan = Evaluate(
      {MakeRule("r1", 0,
                {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
                {ApplyTemplate("Do Not Forward", "Contoso")})},
      SampleFacts());
  EXPECT_EQ(plan.recipients[0].treatment.kind, TK::kDeliver);
  const Treatment& t = plan.recipients[1].treatment;
  EXPECT_EQ(t.kind, TK::kProtect);
  EXPECT_EQ(t.template_name, "Do Not Forward");
  EXPECT_EQ(t.branding, "Contoso");
  EXPECT_EQ(t.decided_by, "r1");
  EXPECT_EQ(plan.fired_rules, std::vector<std::string>{"r1"});
  EXPECT_EQ(plan.recipients[1].rules, std::vector<std::string>{"r1"});
  EXPECT_TRUE(plan.recipients[0].rules.empty());
}

TEST(EvaluateTest, RemoveProtectionOnlyForOwnOrEncryptOnlyMail) {
  struct Case {
    std::string name;
    bool is_protected;
    bool ours;
    std::string template_name;
    TK expected;
  };
  const std::vector<Case> cases = {
      {"ours", true, true, "Do Not Forward", TK::kRemoveProtection},
      {"encrypt-only from anyone", true, false, "Encrypt",
       TK::kRemoveProtection},
      {"encrypt-only by id", true, false, "encrypt", TK::kRemoveProtection},
      {"foreign do not forward", true, false, "Do Not Forward", TK::kDeliver},
      {"not protected", false, true, "", TK::kDeliver},
  };
  for (const Case& c : cases) {
    MessageFacts m = SampleFacts();
    m.is_protected = c.is_protected;
    m.protected_by_our_org = c.ours;
    m.protected_template = c.template_name;
    const Plan plan = Evaluate({MakeRule("r", 0, {}, {RemoveProtection()})}, m);
    EXPECT_EQ(plan.recipients[0].treatment.kind, c.expected) << c.name;
  }
}

TEST(EvaluateTest, RequireSmimeAndSignArePerRecipientAndSplitGroups) {
  const Plan plan = Evaluate(
      {MakeRule("smime", 0,
                {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
                {RequireSmime(), Sign()})},
      SampleFacts());
  EXPECT_FALSE(plan.recipients[0].require_smime);
  EXPECT_FALSE(plan.recipients[0].sign);
  EXPECT_TRUE(plan.recipients[1].require_smime);
  EXPECT_TRUE(plan.recipients[1].sign);
  EXPECT_EQ(plan.recipients[1].treatment.kind, TK::kDeliver);
  std::vector<RecipientGroup> groups = GroupByTreatment(plan);
  ASSERT_GE(groups.size(), 2u);
  EXPECT_FALSE(groups[0].require_smime);
  EXPECT_TRUE(groups[1].require_smime && groups[1].sign);
}

TEST(EvaluateTest, RequireTlsAndAddHeaderAccumulate) {
  const Plan plan = Evaluate(
      {MakeRule("tls", 0,
                {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
                {RequireTls(), AddHeader("X-Class", "external")}),
       MakeRule("hdr", 1, {},
                {AddHeader("X-Class", "external"), AddHeader("X-Seen", "1")})},
      SampleFacts());
  EXPECT_FALSE(plan.recipients[0].require_tls);
  EXPECT_TRUE(plan.recipients[1].require_tls);
  EXPECT_EQ(plan.recipients[1].treatment.kind, TK::kDeliver);
  EXPECT_EQ(plan.recipients[0].added_headers,
            (std::vector<Header>{{"X-Class", "external"}, {"X-Seen", "1"}}));
  // The same header from two rules is added once.
  EXPECT_EQ(plan.recipients[1].added_headers,
            (std::vector<Header>{{"X-Class", "external"}, {"X-Seen", "1"}}));
  EXPECT_EQ(plan.fired_rules, (std::vector<std::string>{"tls", "hdr"}));
}

TEST(EvaluateTest, RejectWinsOverProtectWhateverTheOrder) {
  for (int reject_priority : {0, 2}) {
    const Plan plan =
        Evaluate({MakeRule("protect", 1, {}, {ApplyTemplate("Encrypt")}),
                  MakeRule("reject", reject_priority, {},
                           {Reject("Not allowed", "5.7.9")})},
                 SampleFacts());
    const Treatment& t = plan.recipients[0].treatment;
    EXPECT_EQ(t.kind, TK::kReject) << reject_priority;
    EXPECT_EQ(t.reject_text, "Not allowed");
    EXPECT_EQ(t.enhanced_status, "5.7.9");
    EXPECT_EQ(t.decided_by, "reject");
  }
}

TEST(EvaluateTest, FirstRejectTextWins) {
  const Plan plan = Evaluate({MakeRule("b", 1, {}, {Reject("second")}),
                              MakeRule("a", 0, {}, {Reject("first")})},
                             SampleFacts());
  EXPECT_EQ(plan.recipients[0].treatment.reject_text, "first");
}

TEST(EvaluateTest, ProtectWinsOverRemoveProtection) {
  MessageFacts m = SampleFacts();
  m.is_protected = true;
  m.protected_by_our_org = true;
  for (int remove_priority : {0, 2}) {
    const Plan plan = Evaluate(
        {MakeRule("protect", 1, {}, {ApplyTemplate("Encrypt")}),
         MakeRule("remove", remove_priority, {}, {RemoveProtection()})},
        m);
    EXPECT_EQ(plan.recipients[0].treatment.kind, TK::kProtect)
        << remove_priority;
  }
}

// The plan of an Encrypt rule "enc" given before a Do Not Forward rule "dnf",
// with these priorities.
Plan EncryptThenDoNotForward(int encrypt_priority, int dnf_priority) {
  return Evaluate(
      {MakeRule("enc", encrypt_priority, {}, {ApplyTemplate("Encrypt")}),
       MakeRule("dnf", dnf_priority, {}, {ApplyTemplate("Do Not Forward")})},
      SampleFacts());
}

TEST(EvaluateTest, ConflictingTemplatesFirstByPriorityWins) {
  // Given out of order: priority decides, not the vector position.
  const Plan plan = EncryptThenDoNotForward(5, 1);
  EXPECT_EQ(plan.recipients[0].treatment.template_name, "Do Not Forward");
  EXPECT_EQ(plan.fired_rules, (std::vector<std::string>{"dnf", "enc"}));
}

TEST(EvaluateTest, EqualPrioritiesKeepTheGivenOrder) {
  EXPECT_EQ(EncryptThenDoNotForward(0, 0).recipients[0].treatment.template_name,
            "Encrypt");
}

TEST(EvaluateTest, StopProcessingStopsLaterRulesForMatchedRecipientsOnly) {
  Rule external = MakeRule(
      "ext", 0, {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
      {ApplyTemplate("Encrypt")});
  external.stop_processing = true;
  const Rule all = MakeRule("all", 1, {}, {AddHeader("X-Later", "yes")});
  const Plan plan = Evaluate({all, external}, SampleFacts());
  EXPECT_EQ(plan.recipients[0].added_headers,
            (std::vector<Header>{{"X-Later", "yes"}}));
  EXPECT_TRUE(plan.recipients[1].added_headers.empty());
  EXPECT_EQ(plan.recipients[1].treatment.kind, TK::kProtect);
  EXPECT_EQ(plan.recipients[1].rules, std::vector<std::string>{"ext"});
}

TEST(EvaluateTest, DisabledRulesDoNothing) {
  Rule r = MakeRule("r", 0, {}, {Reject("no")});
  r.enabled = false;
  const Plan plan = Evaluate({r}, SampleFacts());
  EXPECT_EQ(plan.recipients[0].treatment.kind, TK::kDeliver);
  EXPECT_TRUE(plan.fired_rules.empty());
  EXPECT_TRUE(plan.audit.empty());
}

TEST(EvaluateTest, AuditModeLogsButChangesNothing) {
  Rule audit = MakeRule(
      "audit", 0, {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
      {ApplyTemplate("Encrypt"), RequireTls()});
  audit.mode = RuleMode::kAudit;
  audit.stop_processing = true;  // ignored in audit mode
  const Rule later = MakeRule("later", 1, {}, {AddHeader("X-Later", "1")});
  const Plan plan = Evaluate({audit, later}, SampleFacts());

  EXPECT_EQ(plan.recipients[1].treatment.kind, TK::kDeliver);
  EXPECT_FALSE(plan.recipients[1].require_tls);
  EXPECT_EQ(plan.recipients[1].added_headers.size(), 1u);  // not stopped
  EXPECT_EQ(plan.fired_rules, std::vector<std::string>{"later"});
  ASSERT_EQ(plan.audit.size(), 2u);
  EXPECT_EQ(plan.audit[0].rule_id, "audit");
  EXPECT_EQ(plan.audit[0].rule_name, "Rule audit");
  EXPECT_EQ(plan.audit[0].recipient, "carol@ext.example");
  EXPECT_EQ(plan.audit[0].action, ApplyTemplate("Encrypt"));
  EXPECT_EQ(plan.audit[0].description, "apply template \"Encrypt\"");
  EXPECT_EQ(plan.audit[1].description, "require TLS");
}

TEST(EvaluateTest, AuditRuleSkipsRecipientsStoppedEarlier) {
  Rule stop = MakeRule("stop", 0, {}, {RequireTls()});
  stop.stop_processing = true;
  Rule audit = MakeRule("audit", 1, {}, {Reject("x")});
  audit.mode = RuleMode::kAudit;
  const Plan plan = Evaluate({stop, audit}, SampleFacts());
  EXPECT_TRUE(plan.audit.empty());
}

TEST(EvaluateTest, RuleSetMatchesFreeFunction) {
  const std::vector<Rule> rules = {
      MakeRule("a", 1, {Values(K::kSubjectContainsWords, {"report"})},
               {ApplyTemplate("Encrypt")}),
      MakeRule("b", 0, {Pattern(K::kBodyMatches, "card")}, {RequireTls()})};
  auto set = RuleSet::Compile(rules);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->rules()[0].id, "b");  // sorted by priority
  EXPECT_EQ(set->Evaluate(SampleFacts()), Evaluate(rules, SampleFacts()));
}

TEST(EvaluateTest, BadPatternIsAnErrorNotASilentSkip) {
  const std::vector<Rule> rules = {
      MakeRule("bad", 0, {Pattern(K::kSubjectMatches, "(unclosed")},
               {ApplyTemplate("Encrypt")}),
      MakeRule("good", 1, {}, {RequireTls()})};
  auto set = RuleSet::Compile(rules);
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find(
                "rule \"Rule bad\" (bad): conditions[0].pattern: invalid "
                "pattern: missing )"),
            std::string::npos)
      << set.status().message();
  const Plan plan = Evaluate(rules, SampleFacts());
  ASSERT_EQ(plan.errors.size(), 1u);
  EXPECT_EQ(plan.errors[0], set.status().message());
  EXPECT_TRUE(plan.recipients[0].require_tls);  // the good rule still ran
}

TEST(GroupByTreatmentTest, InternalAndExternalSplitIntoTwoGroups) {
  MessageFacts m = SampleFacts();
  m.recipients.push_back({"dave@corp.example", true});
  m.recipients.push_back({"erin@other.example", false});
  const Plan plan = Evaluate(
      {MakeRule("ext", 0,
                {ScopeIs(K::kRecipientScope, Scope::kNotInOrganization)},
                {ApplyTemplate("Encrypt", "Contoso")})},
      m);
  const std::vector<RecipientGroup> groups = GroupByTreatment(plan);
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].treatment.kind, TK::kDeliver);
  EXPECT_TRUE(groups[0].internal);
  EXPECT_EQ(groups[0].addresses, (std::vector<std::string>{
                                     "bob@corp.example", "dave@corp.example"}));
  EXPECT_EQ(groups[1].treatment.kind, TK::kProtect);
  EXPECT_EQ(groups[1].treatment.branding, "Contoso");
  EXPECT_FALSE(groups[1].internal);
  EXPECT_EQ(
      groups[1].addresses,
      (std::vector<std::string>{"carol@ext.example", "erin@other.example"}));
}

TEST(GroupByTreatmentTest, ProtectIsSplitByInternalDeliverIsNot) {
  const MessageFacts m = SampleFacts();
  EXPECT_EQ(GroupByTreatment(Evaluate({}, m)).size(), 1u);
  const std::vector<RecipientGroup> groups = GroupByTreatment(
      Evaluate({MakeRule("r", 0, {}, {ApplyTemplate("Encrypt")})}, m));
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_TRUE(groups[0].internal);
  EXPECT_EQ(groups[0].addresses, std::vector<std::string>{"bob@corp.example"});
  EXPECT_FALSE(groups[1].internal);
}

TEST(GroupByTreatmentTest, TlsAndHeadersAndTemplatesSplit) {
  MessageFacts m = SampleFacts();
  m.recipients = {{"a@x.example", false},
                  {"b@y.example", false},
                  {"c@z.example", false},
                  {"d@x.example", false}};
  const Plan plan = Evaluate(
      {MakeRule("tls", 0, {Values(K::kRecipientDomainIs, {"y.example"})},
                {RequireTls()}),
       MakeRule("hdr", 0, {Values(K::kRecipientDomainIs, {"z.example"})},
                {AddHeader("X-A", "1")})},
      m);
  const std::vector<RecipientGroup> groups = GroupByTreatment(plan);
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(groups[0].addresses,
            (std::vector<std::string>{"a@x.example", "d@x.example"}));
  EXPECT_TRUE(groups[1].require_tls);
  EXPECT_EQ(groups[2].added_headers, (std::vector<Header>{{"X-A", "1"}}));
}

TEST(PlanTest, DescribeTreatment) {
  Treatment t;
  EXPECT_EQ(DescribeTreatment(t), "deliver");
  t.kind = TK::kProtect;
  t.template_name = "Encrypt";
  t.branding = "B";
  EXPECT_EQ(DescribeTreatment(t), "protect \"Encrypt\" with branding \"B\"");
  t.kind = TK::kRemoveProtection;
  EXPECT_EQ(DescribeTreatment(t), "remove_protection");
}

}  // namespace
}  // namespace sealpost::policy
