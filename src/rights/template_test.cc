#include "rights/template.h"

#include <gtest/gtest.h>

namespace sealpost::rights {
namespace {

TEST(TemplateTest, DefaultTemplatesHaveTheExactRights) {
  const auto& d = DefaultTemplates();
  ASSERT_EQ(d.size(), 4u);
  EXPECT_EQ(d[0].name, "Encrypt");
  EXPECT_EQ(d[1].name, "Do Not Forward");
  EXPECT_EQ(d[2].name, "Confidential");
  EXPECT_EQ(d[3].name, "Confidential View Only");

  // SPEC.md §4: every right except EXPORT and OWNER.
  EXPECT_EQ(FormatRights(kEncryptRights),
            "VIEW,DOCEDIT,EDIT,COMMENT,FORWARD,REPLY,REPLYALL,PRINT,EXTRACT,"
            "VIEWRIGHTSDATA,EDITRIGHTSDATA,OBJMODEL");
  EXPECT_EQ(FormatRights(kDoNotForwardRights),
            "VIEW,DOCEDIT,EDIT,REPLY,REPLYALL,VIEWRIGHTSDATA,OBJMODEL");
  // ome-inventory §4.2.
  EXPECT_EQ(FormatRights(kConfidentialRights),
            "VIEW,DOCEDIT,EDIT,EXPORT,FORWARD,REPLY,REPLYALL,PRINT,EXTRACT,"
            "VIEWRIGHTSDATA,EDITRIGHTSDATA,OBJMODEL,OWNER");
  EXPECT_EQ(FormatRights(kConfidentialViewOnlyRights),
            "VIEW,DOCEDIT,EDIT,FORWARD,REPLY,REPLYALL,PRINT,EXTRACT,"
            "VIEWRIGHTSDATA,OBJMODEL");

  EXPECT_EQ(d[0].grants,
            (std::vector<Grant>{{Principal::Recipients(), kEncryptRights}}));
  EXPECT_TRUE(d[0].extend_to_forwardees);
  EXPECT_FALSE(d[0].org_only);
  EXPECT_EQ(
      d[1].grants,
      (std::vector<Grant>{{Principal::Recipients(), kDoNotForwardRights}}));
  EXPECT_FALSE(d[1].extend_to_forwardees);
  EXPECT_EQ(d[2].grants,
            (std::vector<Grant>{{Principal::AllInOrg(), kConfidentialRights}}));
  EXPECT_TRUE(d[2].org_only);
  EXPECT_EQ(d[3].grants, (std::vector<Grant>{{Principal::AllInOrg(),
                                              kConfidentialViewOnlyRights}}));
  EXPECT_TRUE(d[3].org_only);
  for (const Template& t : d) {
    EXPECT_EQ(t.offline_days, 7) << t.name;  // ome-inventory §4.2
    EXPECT_EQ(t.expiry_days, 0) << t.name;
    EXPECT_TRUE(IsDefaultTemplateId(t.id));
  }
  EXPECT_FALSE(IsDefaultTemplateId("custom"));
  EXPECT_TRUE(ValidateTemplates(d).ok());
}

Template Custom() {
  Template t;
  t.id = "t1";
  t.name = "Finance only";
  t.grants = {{Principal::Group("finance"), kViewerRights}};
  return t;
}

TEST(TemplateTest, ValidateAcceptsACustomTemplate) {
  EXPECT_TRUE(ValidateTemplate(Custom()).ok());
}

TEST(TemplateTest, ValidateNameLengthCountsCharacters) {
  Template t = Custom();
  t.name = std::string(64, 'x');
  EXPECT_TRUE(ValidateTemplate(t).ok());
  t.name = std::string(65, 'x');
  Status s = ValidateTemplate(t);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("64"), std::string::npos) << s.message();
  // 64 two-byte characters are 128 bytes but only 64 characters.
  t.name.clear();
  for (int i = 0; i < 64; ++i) t.name += "\xC3\xA9";  // é
  EXPECT_TRUE(ValidateTemplate(t).ok());
}

TEST(TemplateTest, ValidateRejects) {
  Template t = Custom();
  t.name = "  ";
  EXPECT_FALSE(ValidateTemplate(t).ok());
  t = Custom();
  t.id.clear();
  EXPECT_FALSE(ValidateTemplate(t).ok());
  t = Custom();
  t.grants.clear();
  EXPECT_NE(ValidateTemplate(t).message().find("grants are empty"),
            std::string::npos);
  t = Custom();
  t.grants[0].rights = Rights::None();
  EXPECT_FALSE(ValidateTemplate(t).ok());
  t = Custom();
  t.grants.push_back({Principal::Group(""), kViewerRights});
  EXPECT_FALSE(ValidateTemplate(t).ok());
  t = Custom();
  t.expiry_days = -1;
  EXPECT_FALSE(ValidateTemplate(t).ok());
  t = Custom();
  t.offline_days = -1;
  EXPECT_FALSE(ValidateTemplate(t).ok());
}

TEST(TemplateTest, ValidateTemplatesLimitsAndUniqueness) {
  std::vector<Template> ts;
  for (size_t i = 0; i < kMaxTemplates; ++i) {
    Template t = Custom();
    t.id = "t" + std::to_string(i);
    t.name = "T " + std::to_string(i);
    ts.push_back(t);
  }
  EXPECT_TRUE(ValidateTemplates(ts).ok());
  Template extra = Custom();
  extra.id = "extra";
  extra.name = "Extra";
  ts.push_back(extra);
  EXPECT_EQ(ValidateTemplates(ts).code(), StatusCode::kResourceExhausted);

  std::vector<Template> dup = {Custom(), Custom()};
  dup[1].id = "t2";
  dup[1].name = "FINANCE ONLY";
  EXPECT_EQ(ValidateTemplates(dup).code(), StatusCode::kAlreadyExists);
  dup[1].name = "Other";
  dup[1].id = "t1";
  EXPECT_EQ(ValidateTemplates(dup).code(), StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace sealpost::rights
