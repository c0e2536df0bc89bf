#include "rights/rights.h"

#include <gtest/gtest.h>

namespace sealpost::rights {
namespace {

TEST(RightsTest, NamesRoundTripForEveryRight) {
  for (Right r : kAllRights) {
    auto parsed = ParseRight(RightName(r));
    ASSERT_TRUE(parsed.ok()) << RightName(r);
    EXPECT_EQ(*parsed, r);
  }
}

TEST(RightsTest, TheFourteenPolicyNamesInCanonicalOrder) {
  EXPECT_EQ(FormatRights(Rights::All()),
            "VIEW,DOCEDIT,EDIT,COMMENT,EXPORT,FORWARD,REPLY,REPLYALL,PRINT,"
            "EXTRACT,VIEWRIGHTSDATA,EDITRIGHTSDATA,OBJMODEL,OWNER");
  EXPECT_EQ(Rights::All().Count(), 14);
}

TEST(RightsTest, ParseIsCaseInsensitiveAndRejectsUnknown) {
  auto r = ParseRight("viewRightsData");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Right::kViewRightsData);
  EXPECT_FALSE(ParseRight("Save").ok());
  EXPECT_FALSE(ParseRight("").ok());
  EXPECT_FALSE(ParseRight("VIEW ").ok());
}

TEST(RightsTest, ParseRightsListForms) {
  auto r = ParseRights("print, VIEW ,view\tEXTRACT");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, (Rights{Right::kView, Right::kPrint, Right::kExtract}));
  EXPECT_EQ(FormatRights(*r), "VIEW,PRINT,EXTRACT");
  auto empty = ParseRights("");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto bad = ParseRights("VIEW,COPY");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("COPY"), std::string::npos);
}

TEST(RightsTest, SetOperations) {
  Rights a{Right::kView, Right::kEdit};
  Rights b{Right::kEdit, Right::kOwner};
  EXPECT_EQ(a | b, (Rights{Right::kView, Right::kEdit, Right::kOwner}));
  EXPECT_EQ(a & b, Rights{Right::kEdit});
  EXPECT_EQ(a - b, Rights{Right::kView});
  EXPECT_TRUE((a | b).HasAll(a));
  EXPECT_FALSE(a.HasAll(b));
  EXPECT_TRUE(Rights::None().empty());
  EXPECT_EQ(Rights::FromBits(0xFFFF), Rights::All());
  EXPECT_EQ(Rights::FromBits(a.bits()), a);
}

TEST(RightsTest, PermissionLevelsNest) {
  EXPECT_EQ(FormatRights(kViewerRights),
            "VIEW,REPLY,REPLYALL,VIEWRIGHTSDATA,OBJMODEL");
  EXPECT_TRUE(kRestrictedEditorRights.HasAll(kViewerRights));
  EXPECT_TRUE(kEditorRights.HasAll(kRestrictedEditorRights));
  EXPECT_FALSE(kEditorRights.Has(Right::kOwner));
  EXPECT_TRUE(kOwnerRights.Has(Right::kEditRightsData));
}

}  // namespace
}  // namespace sealpost::rights
