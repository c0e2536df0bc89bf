#include "policy/text_match.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "policy/message_facts.h"

namespace sealpost::policy {
namespace {

TEST(TextMatchTest, Glob) {
  EXPECT_TRUE(GlobMatch("Report.DOCX", "*.docx"));
  EXPECT_TRUE(GlobMatch("abc", "a?c"));
  EXPECT_TRUE(GlobMatch("", "*"));
  EXPECT_TRUE(GlobMatch("aXbXc", "a*b*c"));
  EXPECT_FALSE(GlobMatch("abc", "a?"));
  EXPECT_FALSE(GlobMatch("report.docx.exe", "*.docx"));
  // Many stars against a long non-matching name stays fast.
  EXPECT_FALSE(GlobMatch(std::string(5000, 'a'), "*a*a*a*a*a*b"));
}

TEST(TextMatchTest, Domains) {
  EXPECT_TRUE(DomainMatches("corp.example", "CORP.example"));
  EXPECT_TRUE(DomainMatches("a.b.corp.example", "corp.example"));
  EXPECT_TRUE(DomainMatches("a.corp.example", "*.corp.example"));
  EXPECT_TRUE(DomainMatches("corp.example", "@corp.example"));
  EXPECT_FALSE(DomainMatches("xcorp.example", "corp.example"));
  EXPECT_FALSE(DomainMatches("corp.example", ""));
  EXPECT_EQ(DomainOf("a@b@c.example"), "c.example");
}

TEST(TextMatchTest, AttachmentNames) {
  EXPECT_TRUE(AttachmentNameMatches("a.pdf", "pdf"));
  EXPECT_TRUE(AttachmentNameMatches("a.pdf", ".PDF"));
  EXPECT_TRUE(AttachmentNameMatches("a.pdf", "*.pdf"));
  EXPECT_TRUE(AttachmentNameMatches("A.PDF", "a.pdf"));
  EXPECT_TRUE(AttachmentNameMatches("invoice-7.pdf", "invoice-?.*"));
  EXPECT_FALSE(AttachmentNameMatches("pdf", "pdf"));  // no extension
  EXPECT_FALSE(AttachmentNameMatches("a.pdf", "b.pdf"));
  EXPECT_FALSE(AttachmentNameMatches("a.pdf", ""));
}

TEST(TextMatchTest, WordListBoundaries) {
  auto re = CompileWordList({"top secret", "[x]"});
  ASSERT_TRUE(re.ok());
  auto m = [&](std::string_view s) {
    return RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), **re);
  };
  EXPECT_TRUE(m("this is TOP\nSECRET."));
  EXPECT_TRUE(m("a[x]b"));
  EXPECT_FALSE(m("topsecret"));
  EXPECT_FALSE(m("top secrets"));
  EXPECT_FALSE(CompileWordList({" ", ""}).ok());
}

TEST(TextMatchTest, Sensitivity) {
  EXPECT_EQ(ParseSensitivity(" Company-Confidential "),
            Sensitivity::kConfidential);
  EXPECT_EQ(ParseSensitivity("PRIVATE"), Sensitivity::kPrivate);
  EXPECT_EQ(ParseSensitivity("personal"), Sensitivity::kPersonal);
  EXPECT_EQ(ParseSensitivity("Normal"), Sensitivity::kNormal);
  EXPECT_EQ(ParseSensitivity("secret"), std::nullopt);
  EXPECT_EQ(SensitivityName(Sensitivity::kConfidential), "confidential");
}

}  // namespace
}  // namespace sealpost::policy
