#include "policy/sender_choice.h"

#include <gtest/gtest.h>

#include "policy/evaluate.h"
#include "policy/test_util.h"

namespace sealpost::policy {
namespace {

using namespace ::sealpost::policy::testing;  // NOLINT: test builders
using Outcome = SenderChoice::Outcome;
using TK = Treatment::Kind;

// The sender's choice in `m` with the default keywords and the known
// templates.
SenderChoice DefaultChoice(const MessageFacts& m) {
  return ParseSenderChoice(m, SenderChoiceConfig{}, KnownTemplates());
}

SenderChoice ParseSubject(const std::string& subject) {
  MessageFacts m = SampleFacts();
  m.subject = subject;
  return DefaultChoice(m);
}

TEST(SenderChoiceTest, PinRequiredHeaderSaysYes) {
  EXPECT_TRUE(PinRequested({{"x-sealpost-pin-required", " YES "}}));
  EXPECT_TRUE(
      PinRequested({{"Subject", "x"}, {"X-Sealpost-Pin-Required", "yes"}}));
  EXPECT_FALSE(PinRequested({{"X-Sealpost-Pin-Required", "no"}}));
  EXPECT_FALSE(PinRequested({{"X-Sealpost-Pin-Required", "yes please"}}));
  EXPECT_FALSE(PinRequested({{"X-Sealpost-Pin", "yes"}}));
  EXPECT_FALSE(PinRequested({}));
  // The first field decides.
  EXPECT_FALSE(PinRequested(
      {{"X-Sealpost-Pin-Required", "no"}, {"X-Sealpost-Pin-Required", "yes"}}));
}

TEST(SenderChoiceTest, SubjectKeywords) {
  struct Case {
    std::string subject;
    Outcome outcome;
    std::string template_name;
    std::string new_subject;
  };
  const std::vector<Case> cases = {
      {"[encrypt] Budget", Outcome::kProtect, "Encrypt", "Budget"},
      {"Budget [ENCRYPT]", Outcome::kProtect, "Encrypt", "Budget"},
      {"Budget [Encrypt] Q3", Outcome::kProtect, "Encrypt", "Budget Q3"},
      // Only the keyword and one adjacent space go; the rest is untouched.
      {"Budget  [secure]  Q3", Outcome::kProtect, "Encrypt", "Budget   Q3"},
      {"Re: [Do Not Forward] plans", Outcome::kProtect, "Do Not Forward",
       "Re: plans"},
      {"Ünïcödé\t[encrypt]", Outcome::kProtect, "Encrypt", "Ünïcödé\t"},
      {"[encrypt]", Outcome::kProtect, "Encrypt", ""},
      {"x[encrypt]y", Outcome::kProtect, "Encrypt", "xy"},
      // The earliest keyword wins and only it is removed.
      {"[secure] [do not forward] x", Outcome::kProtect, "Encrypt",
       "[do not forward] x"},
      {"[do not forward] [encrypt]", Outcome::kProtect, "Do Not Forward",
       "[encrypt]"},
      {"Quarterly report", Outcome::kNone, "", "Quarterly report"},
      {"[encrypted] notes", Outcome::kNone, "", "[encrypted] notes"},
      {"encrypt this", Outcome::kNone, "", "encrypt this"},
  };
  for (const Case& c : cases) {
    const SenderChoice choice = ParseSubject(c.subject);
    EXPECT_EQ(choice.outcome, c.outcome) << c.subject;
    EXPECT_EQ(choice.template_name, c.template_name) << c.subject;
    EXPECT_EQ(choice.subject, c.new_subject) << c.subject;
    if (c.outcome == Outcome::kProtect) {
      EXPECT_EQ(choice.source, "subject keyword");
    }
  }
}

TEST(SenderChoiceTest, ConfigurableKeywordsAreWholeWords) {
  SenderChoiceConfig config;
  config.keywords = {{"secure", "Confidential"}};
  MessageFacts m = SampleFacts();
  m.subject = "Secure: plans";
  SenderChoice choice = ParseSenderChoice(m, config, KnownTemplates());
  EXPECT_EQ(choice.outcome, Outcome::kProtect);
  EXPECT_EQ(choice.template_name, "Confidential");
  EXPECT_EQ(choice.subject, ": plans");
  m.subject = "insecure plans";
  EXPECT_EQ(ParseSenderChoice(m, config, KnownTemplates()).outcome,
            Outcome::kNone);
  m.subject = "[encrypt] plans";  // the default list is replaced
  EXPECT_EQ(ParseSenderChoice(m, config, KnownTemplates()).outcome,
            Outcome::kNone);
}

TEST(SenderChoiceTest, HeaderNamesTheTemplate) {
  MessageFacts m = SampleFacts();
  m.headers.push_back({"x-sealpost-template", "  do not FORWARD "});
  const SenderChoice choice = DefaultChoice(m);
  EXPECT_EQ(choice.outcome, Outcome::kProtect);
  EXPECT_EQ(choice.template_name, "Do Not Forward");  // canonical spelling
  EXPECT_EQ(choice.source, "header");
  EXPECT_EQ(choice.subject, m.subject);
}

TEST(SenderChoiceTest, HeaderWinsOverKeyword) {
  MessageFacts m = SampleFacts();
  m.subject = "[encrypt] plans";
  m.headers.push_back({"X-Sealpost-Template", "Confidential"});
  const SenderChoice choice = DefaultChoice(m);
  EXPECT_EQ(choice.template_name, "Confidential");
  EXPECT_EQ(choice.subject, "[encrypt] plans");
}

TEST(SenderChoiceTest, UnknownTemplateIsAnErrorOutcomeAndRejects) {
  MessageFacts m = SampleFacts();
  m.headers.push_back({"X-Sealpost-Template", "Top Secret"});
  const SenderChoice choice = DefaultChoice(m);
  EXPECT_EQ(choice.outcome, Outcome::kUnknownTemplate);
  EXPECT_EQ(choice.template_name, "Top Secret");
  EXPECT_EQ(choice.error,
            "unknown protection template \"Top Secret\" requested by "
            "X-Sealpost-Template");

  const Plan plan = ApplySenderChoice(Evaluate({}, m), choice);
  for (const RecipientPlan& r : plan.recipients) {
    EXPECT_EQ(r.treatment.kind, TK::kReject) << r.address;
    EXPECT_EQ(r.treatment.enhanced_status, "5.7.1");
    EXPECT_EQ(r.treatment.reject_text,
              "Unknown protection template \"Top Secret\"");
  }
}

TEST(SenderChoiceTest, KeywordForAMissingTemplateIsAnError) {
  SenderChoiceConfig config;
  config.keywords = {{"[vault]", "Vault Only"}};
  MessageFacts m = SampleFacts();
  m.subject = "[vault] x";
  const SenderChoice choice = ParseSenderChoice(m, config, KnownTemplates());
  EXPECT_EQ(choice.outcome, Outcome::kUnknownTemplate);
  EXPECT_EQ(choice.subject, "[vault] x");
}

TEST(SenderChoiceTest, ExternalOrUnlicensedSenderIsNotHonored) {
  MessageFacts m = SampleFacts();
  m.subject = "[encrypt] hi";
  m.sender_internal = false;
  SenderChoice choice = DefaultChoice(m);
  EXPECT_EQ(choice.outcome, Outcome::kNotHonored);
  EXPECT_EQ(choice.error, "sender is outside the organization");
  EXPECT_EQ(choice.subject, "[encrypt] hi");
  const Plan plan = Evaluate({}, m);
  EXPECT_EQ(ApplySenderChoice(plan, choice), plan);

  m.sender_internal = true;
  m.sender_licensed = false;
  m.headers.push_back({"X-Sealpost-Template", "Encrypt"});
  choice = DefaultChoice(m);
  EXPECT_EQ(choice.outcome, Outcome::kNotHonored);
  EXPECT_EQ(choice.error, "sender is not licensed to protect mail");
}

TEST(SenderChoiceTest, AppliesToAllRecipientsUnlessARuleRejects) {
  MessageFacts m = SampleFacts();
  m.subject = "[encrypt] hi";
  m.recipients.push_back({"spam@blocked.example", false});
  const std::vector<Rule> rules = {
      MakeRule("block", 0,
               {testing::Values(ConditionKind::kRecipientDomainIs,
                                {"blocked.example"})},
               {Reject("blocked")}),
      MakeRule("tls", 1, {}, {RequireTls()})};
  const SenderChoice choice = DefaultChoice(m);
  const Plan plan = ApplySenderChoice(Evaluate(rules, m), choice);
  EXPECT_EQ(plan.recipients[0].treatment.kind, TK::kProtect);
  EXPECT_EQ(plan.recipients[0].treatment.template_name, "Encrypt");
  EXPECT_EQ(plan.recipients[0].treatment.decided_by, "sender");
  EXPECT_TRUE(plan.recipients[0].require_tls);  // rules' other actions stay
  EXPECT_EQ(plan.recipients[1].treatment.kind, TK::kProtect);
  EXPECT_EQ(plan.recipients[2].treatment.kind, TK::kReject);
  EXPECT_EQ(plan.recipients[2].treatment.reject_text, "blocked");
  // Internal and external recipients of the same template: two messages,
  // plus the rejected one.
  EXPECT_EQ(GroupByTreatment(plan).size(), 3u);
}

TEST(SenderChoiceTest, AdminRuleTemplateIsNotWeakenedBySender) {
  MessageFacts m = SampleFacts();
  m.headers.push_back({"X-Sealpost-Template", "Encrypt"});
  const std::vector<Rule> rules = {MakeRule(
      "dnf", 0,
      {ScopeIs(ConditionKind::kRecipientScope, Scope::kNotInOrganization)},
      {ApplyTemplate("Do Not Forward")})};
  const SenderChoice choice = DefaultChoice(m);
  const Plan plan = ApplySenderChoice(Evaluate(rules, m), choice);
  EXPECT_EQ(plan.recipients[0].treatment.template_name, "Encrypt");
  EXPECT_EQ(plan.recipients[1].treatment.template_name, "Do Not Forward");
  EXPECT_EQ(plan.recipients[1].treatment.decided_by, "dnf");
}

}  // namespace
}  // namespace sealpost::policy
