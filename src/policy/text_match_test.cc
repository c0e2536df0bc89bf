#include "policy/text_match.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "policy/message_facts.h"

namespace sealpost::policy {
namespace {

// A text and a pattern for one of the matchers below.
struct TextAndPattern {
  std::string text;
  std::string_view pattern;
};

void ExpectMatches(bool (*match)(std::string_view, std::string_view),
                   std::initializer_list<TextAndPattern> matching,
                   std::initializer_list<TextAndPattern> not_matching) {
  for (const auto& [text, pattern] : matching) {
    EXPECT_TRUE(match(text, pattern)) << text << " ~ " << pattern;
  }
  for (const auto& [text, pattern] : not_matching) {
    EXPECT_FALSE(match(text, pattern))
        << text.substr(0, 40) << " ~ " << pattern;
  }
}

TEST(TextMatchTest, Glob) {
  ExpectMatches(GlobMatch,
                {{"Report.DOCX", "*.docx"},
                 {"abc", "a?c"},
                 {"", "*"},
                 {"aXbXc", "a*b*c"}},
                {{"abc", "a?"},
                 {"report.docx.exe", "*.docx"},
                 // Many stars against a long non-matching name stays fast.
                 {std::string(5000, 'a'), "*a*a*a*a*a*b"}});
}

TEST(TextMatchTest, Domains) {
  ExpectMatches(DomainMatches,
                {{"corp.example", "CORP.example"},
                 {"a.b.corp.example", "corp.example"},
                 {"a.corp.example", "*.corp.example"},
                 {"corp.example", "@corp.example"}},
                {{"xcorp.example", "corp.example"}, {"corp.example", ""}});
  EXPECT_EQ(DomainOf("a@b@c.example"), "c.example");
}

TEST(TextMatchTest, AttachmentNames) {
  ExpectMatches(AttachmentNameMatches,
                {{"a.pdf", "pdf"},
                 {"a.pdf", ".PDF"},
                 {"a.pdf", "*.pdf"},
                 {"A.PDF", "a.pdf"},
                 {"invoice-7.pdf", "invoice-?.*"}},
                {{"pdf", "pdf"},  // no extension
                 {"a.pdf", "b.pdf"},
                 {"a.pdf", ""}});
}

// Windows drops a name's trailing dots and spaces when it saves the file:
// "evil.exe." and "evil.exe . " are evil.exe to every form of rule (the
// extension after the last dot was "" and "exe " before).
TEST(TextMatchTest, AttachmentNamesAsWindowsSavesThem) {
  ExpectMatches(AttachmentNameMatches,
                {{"evil.exe.", "exe"},
                 {"evil.exe.", "*.exe"},
                 {"evil.exe . .", ".EXE"},
                 {"evil.exe. ", "evil.exe"},
                 {"evil.exe...", "ev?l.*"}},
                {{"evil.exe.txt", "exe"}, {"exe.", "exe"}, {"...", "*.*"}});
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
