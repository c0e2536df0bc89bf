#include "rights/evaluate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealpost::rights {
namespace {

// The cast of the table: one identity per principal kind a grant can match.
const Identity kIssuer{"Alice@example.com", {}, true};
const Identity kInternalRecipient{"bob@example.com", {}, true};
const Identity kExternalRecipient{"carol@partner.org", {}, false};
const Identity kInternalOther{"dave@example.com", {}, true};
const Identity kExternalOther{"eve@other.org", {}, false};
const Identity kGroupMember{"frank@example.com", {"Sales", "FINANCE"}, true};
const Identity kDomainMember{"grace@Partner.org", {}, false};
const Identity kNamedUser{"zed@other.org", {}, false};

const MessageContext kMessage{"alice@Example.com",
                              {"bob@example.com", "Carol@Partner.org"}};

struct Row {
  const char* who_name;
  const Identity* who;
  Rights rights;
  DenyReason reason;
};

void CheckTable(const Template& t, const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    Decision d = Evaluate(t, *row.who, kMessage);
    EXPECT_EQ(FormatRights(d.rights), FormatRights(row.rights))
        << t.name << " / " << row.who_name;
    EXPECT_EQ(d.reason, row.reason) << t.name << " / " << row.who_name;
    EXPECT_EQ(d.is_issuer, row.who == &kIssuer)
        << t.name << " / " << row.who_name;
  }
}

constexpr DenyReason kOk = DenyReason::kNone;
constexpr DenyReason kNotRcpt = DenyReason::kNotARecipient;
constexpr DenyReason kOrgOnly = DenyReason::kOrgOnly;
const Rights kNone = Rights::None();

TEST(EvaluateTest, EncryptTable) {
  CheckTable(EncryptTemplate(),
             {{"issuer", &kIssuer, Rights::All(), kOk},
              {"internal recipient", &kInternalRecipient, kEncryptRights, kOk},
              {"external recipient", &kExternalRecipient, kEncryptRights, kOk},
              {"internal non-recipient", &kInternalOther, kNone, kNotRcpt},
              {"external non-recipient", &kExternalOther, kNone, kNotRcpt},
              {"group member", &kGroupMember, kNone, kNotRcpt},
              {"domain member", &kDomainMember, kNone, kNotRcpt}});
}

TEST(EvaluateTest, DoNotForwardTable) {
  CheckTable(
      DoNotForwardTemplate(),
      {{"issuer", &kIssuer, Rights::All(), kOk},
       {"internal recipient", &kInternalRecipient, kDoNotForwardRights, kOk},
       {"external recipient", &kExternalRecipient, kDoNotForwardRights, kOk},
       {"internal non-recipient", &kInternalOther, kNone, kNotRcpt},
       {"external non-recipient", &kExternalOther, kNone, kNotRcpt},
       {"group member", &kGroupMember, kNone, kNotRcpt},
       {"domain member", &kDomainMember, kNone, kNotRcpt}});
  // No forward, print or copy (SPEC.md §4).
  EXPECT_FALSE(kDoNotForwardRights.Has(Right::kForward));
  EXPECT_FALSE(kDoNotForwardRights.Has(Right::kPrint));
  EXPECT_FALSE(kDoNotForwardRights.Has(Right::kExtract));
}

TEST(EvaluateTest, ConfidentialTable) {
  CheckTable(
      ConfidentialTemplate(),
      {{"issuer", &kIssuer, Rights::All(), kOk},
       {"internal recipient", &kInternalRecipient, kConfidentialRights, kOk},
       {"external recipient", &kExternalRecipient, kNone, kOrgOnly},
       {"internal non-recipient", &kInternalOther, kConfidentialRights, kOk},
       {"external non-recipient", &kExternalOther, kNone, kOrgOnly},
       {"group member", &kGroupMember, kConfidentialRights, kOk},
       {"domain member", &kDomainMember, kNone, kOrgOnly}});
}

TEST(EvaluateTest, ConfidentialViewOnlyTable) {
  const Rights r = kConfidentialViewOnlyRights;
  CheckTable(ConfidentialViewOnlyTemplate(),
             {{"issuer", &kIssuer, Rights::All(), kOk},
              {"internal recipient", &kInternalRecipient, r, kOk},
              {"external recipient", &kExternalRecipient, kNone, kOrgOnly},
              {"internal non-recipient", &kInternalOther, r, kOk},
              {"external non-recipient", &kExternalOther, kNone, kOrgOnly},
              {"group member", &kGroupMember, r, kOk},
              {"domain member", &kDomainMember, kNone, kOrgOnly}});
}

// A custom template using every principal kind; rights add up.
Template Mixed() {
  Template t;
  t.id = "mixed";
  t.name = "Mixed";
  t.grants = {
      {Principal::Recipients(), {Right::kView, Right::kReply}},
      {Principal::Group("Finance"), kViewerRights},
      {Principal::Domain("partner.org"), {Right::kView, Right::kPrint}},
      {Principal::AllInOrg(), {Right::kView}},
      {Principal::User("Zed@other.org"), {Right::kView, Right::kExtract}},
  };
  return t;
}

TEST(EvaluateTest, CustomTemplateEveryPrincipalKind) {
  CheckTable(
      Mixed(),
      {{"issuer", &kIssuer, Rights::All(), kOk},
       {"internal recipient", &kInternalRecipient,
        Rights{Right::kView, Right::kReply}, kOk},
       {"external recipient", &kExternalRecipient,
        Rights{Right::kView, Right::kReply, Right::kPrint}, kOk},
       {"internal non-recipient", &kInternalOther, Rights{Right::kView}, kOk},
       {"external non-recipient", &kExternalOther, kNone, kNotRcpt},
       {"group member", &kGroupMember, kViewerRights, kOk},
       {"domain member", &kDomainMember, Rights{Right::kView, Right::kPrint},
        kOk},
       {"named user", &kNamedUser, Rights{Right::kView, Right::kExtract},
        kOk}});
}

TEST(EvaluateTest, CustomOrgOnlyTemplateIgnoresExternalGrants) {
  Template t = Mixed();
  t.org_only = true;
  CheckTable(t, {{"issuer", &kIssuer, Rights::All(), kOk},
                 {"internal recipient", &kInternalRecipient,
                  Rights{Right::kView, Right::kReply}, kOk},
                 {"external recipient", &kExternalRecipient, kNone, kOrgOnly},
                 {"internal non-recipient", &kInternalOther,
                  Rights{Right::kView}, kOk},
                 {"external non-recipient", &kExternalOther, kNone, kOrgOnly},
                 {"group member", &kGroupMember, kViewerRights, kOk},
                 {"domain member", &kDomainMember, kNone, kOrgOnly},
                 {"named user", &kNamedUser, kNone, kOrgOnly}});
}

TEST(EvaluateTest, IssuerHoldsOwnerEvenWhenNotGranted) {
  Template t;
  t.id = "x";
  t.name = "Group only";
  t.grants = {{Principal::Group("finance"), {Right::kView}}};
  t.org_only = true;
  Decision d = Evaluate(t, kIssuer, kMessage);
  EXPECT_TRUE(d.rights.Has(Right::kOwner));
  EXPECT_TRUE(d.is_issuer);
  // An empty email never matches an issuer or a user grant.
  Decision anon =
      Evaluate(t, Identity{"", {}, false}, MessageContext{"", {""}});
  EXPECT_TRUE(anon.rights.empty());
}

TEST(EvaluateTest, DenyReasonText) {
  EXPECT_EQ(DenyReasonText(DenyReason::kNotARecipient), "not a recipient");
  EXPECT_EQ(DenyReasonText(DenyReason::kOrgOnly), "org-only");
  EXPECT_EQ(DenyReasonText(DenyReason::kNone), "");
}

TEST(ExpandTemplateTest, RecipientsBecomeUsers) {
  MessageContext m{"Alice@Example.com",
                   {"bob@example.com", "BOB@example.com", "carol@partner.org"}};
  ConcreteGrants g = ExpandTemplate(EncryptTemplate(), m);
  EXPECT_EQ(g.template_id, "encrypt");
  EXPECT_EQ(g.issuer, "alice@example.com");
  EXPECT_FALSE(g.org_only);
  EXPECT_TRUE(g.extend_to_forwardees);
  EXPECT_EQ(g.forwardee_rights, kEncryptRights);
  ASSERT_EQ(g.grants.size(), 2u);
  EXPECT_EQ(g.grants[0].principal.ToString(), "user:bob@example.com");
  EXPECT_EQ(g.grants[1].principal.ToString(), "user:carol@partner.org");
  EXPECT_EQ(g.grants[1].rights, kEncryptRights);

  ConcreteGrants dnf = ExpandTemplate(DoNotForwardTemplate(), m);
  EXPECT_FALSE(dnf.extend_to_forwardees);
  EXPECT_TRUE(dnf.forwardee_rights.empty());

  ConcreteGrants conf = ExpandTemplate(ConfidentialTemplate(), m);
  EXPECT_TRUE(conf.org_only);
  ASSERT_EQ(conf.grants.size(), 1u);
  EXPECT_EQ(conf.grants[0].principal, Principal::AllInOrg());
}

TEST(ExpandTemplateTest, MergesGrantsForTheSamePrincipal) {
  Template t;
  t.id = "m";
  t.name = "M";
  t.grants = {{Principal::Recipients(), {Right::kView}},
              {Principal::User("bob@example.com"), {Right::kPrint}}};
  ConcreteGrants g = ExpandTemplate(t, kMessage);
  ASSERT_EQ(g.grants.size(), 2u);
  EXPECT_EQ(g.grants[0].rights, (Rights{Right::kView, Right::kPrint}));
  for (const Grant& grant : g.grants) {
    EXPECT_NE(grant.principal.kind(), PrincipalKind::kRecipients);
  }
}

TEST(AddForwardeesTest, EncryptExtendsToForwardees) {
  ConcreteGrants g = ExpandTemplate(EncryptTemplate(), kMessage);
  // A wrapper forwarded by hand opens for nobody new.
  EXPECT_EQ(Evaluate(g, kNamedUser).reason, DenyReason::kNotARecipient);
  std::vector<std::string> to = {"Zed@other.org", "bob@example.com"};
  ASSERT_TRUE(AddForwardees(g, kInternalRecipient, to).ok());
  EXPECT_EQ(Evaluate(g, kNamedUser).rights, kEncryptRights);
  EXPECT_EQ(g.grants.size(), 3u);  // bob was not added twice
  // A forwardee may forward again.
  std::vector<std::string> to2 = {"eve@other.org"};
  ASSERT_TRUE(AddForwardees(g, kNamedUser, to2).ok());
  EXPECT_EQ(Evaluate(g, kExternalOther).rights, kEncryptRights);
}

TEST(AddForwardeesTest, DoNotForwardRefuses) {
  ConcreteGrants g = ExpandTemplate(DoNotForwardTemplate(), kMessage);
  std::vector<std::string> to = {"zed@other.org"};
  EXPECT_EQ(AddForwardees(g, kInternalRecipient, to).code(),
            StatusCode::kPermissionDenied);
  // Even the issuer (who holds FORWARD) cannot widen a Do Not Forward list.
  EXPECT_EQ(AddForwardees(g, kIssuer, to).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(Evaluate(g, kNamedUser).reason, DenyReason::kNotARecipient);
}

TEST(AddForwardeesTest, NonRecipientCannotForward) {
  ConcreteGrants g = ExpandTemplate(EncryptTemplate(), kMessage);
  std::vector<std::string> to = {"zed@other.org"};
  EXPECT_EQ(AddForwardees(g, kExternalOther, to).code(),
            StatusCode::kPermissionDenied);
}

TEST(AddForwardeesTest, OrgOnlyTemplatesDoNotExtend) {
  ConcreteGrants g = ExpandTemplate(ConfidentialTemplate(), kMessage);
  std::vector<std::string> to = {"zed@other.org"};
  EXPECT_EQ(AddForwardees(g, kInternalRecipient, to).code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace sealpost::rights
