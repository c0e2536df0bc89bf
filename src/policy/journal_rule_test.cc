#include "policy/journal_rule.h"

#include <gtest/gtest.h>

namespace sealpost::policy {
namespace {

JournalEnvelope Internal() {
  return {"alice@example.com",
          true,
          {{"bob@example.com", true}, {"carol@example.com", true}}};
}

JournalEnvelope Mixed() {
  return {"alice@example.com",
          true,
          {{"bob@example.com", true}, {"dan@partner.test", false}}};
}

TEST(JournalRuleTest, CanonicalScope) {
  EXPECT_EQ(*CanonicalJournalScope("internal"), "Internal");
  EXPECT_EQ(*CanonicalJournalScope("GLOBAL"), "Global");
  EXPECT_EQ(*CanonicalJournalScope("External"), "External");
  EXPECT_EQ(CanonicalJournalScope("Outside").status().code(),
            StatusCode::kInvalidArgument);
}

TEST(JournalRuleTest, Scopes) {
  EXPECT_TRUE(JournalRuleMatches("Internal", "", Internal()));
  EXPECT_FALSE(JournalRuleMatches("External", "", Internal()));
  EXPECT_TRUE(JournalRuleMatches("Global", "", Internal()));

  EXPECT_FALSE(JournalRuleMatches("Internal", "", Mixed()));
  EXPECT_TRUE(JournalRuleMatches("External", "", Mixed()));
  EXPECT_TRUE(JournalRuleMatches("Global", "", Mixed()));
}

TEST(JournalRuleTest, OutsideSenderOrBounceIsExternal) {
  JournalEnvelope from_outside = Internal();
  from_outside.sender = "dan@partner.test";
  from_outside.sender_internal = false;
  EXPECT_TRUE(JournalRuleMatches("External", "", from_outside));
  EXPECT_FALSE(JournalRuleMatches("Internal", "", from_outside));
  JournalEnvelope bounce = Internal();
  bounce.sender = "";
  bounce.sender_internal = false;
  EXPECT_TRUE(JournalRuleMatches("External", "", bounce));
}

TEST(JournalRuleTest, RecipientRestrictsToMailFromOrToTheAddress) {
  EXPECT_TRUE(JournalRuleMatches("Global", "Carol@Example.com", Internal()));
  EXPECT_TRUE(JournalRuleMatches("Global", "alice@example.com", Internal()));
  EXPECT_FALSE(JournalRuleMatches("Global", "zed@example.com", Internal()));
  // Both conditions: the address is involved, but the scope does not match.
  EXPECT_FALSE(JournalRuleMatches("External", "carol@example.com", Internal()));
}

TEST(JournalRuleTest, UnknownScopeMatchesNothing) {
  EXPECT_FALSE(JournalRuleMatches("global", "", Internal()));
}

}  // namespace
}  // namespace sealpost::policy
