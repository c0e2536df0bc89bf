#include "sealed/wrapper_seal.h"

#include <gtest/gtest.h>

#include "crypto/format_vectors_for_testing.h"
#include "crypto/signature.h"

namespace sealpost::sealed {
namespace {

// The seal input of a body given whole.
std::string WrapperSealInput(std::string_view id,
                             std::string_view template_name,
                             std::string_view header, std::string_view body) {
  CanonicalBodyHasher hasher;
  hasher.Update(body);
  return WrapperSealInputWithDigest(id, template_name, header, hasher.Finish());
}

TEST(WrapperSealTest, HeaderRoundTrip) {
  std::string v = FormatProtectedHeader("ab12", "Do Not Forward") +
                  FormatSealParams(3, std::string(64, '\x7f'));
  EXPECT_EQ(v.substr(0, 43), "v1; id=ab12; template=\"Do Not Forward\"; k=3");
  ProtectedMarker m = ParseProtectedHeader(v);
  EXPECT_EQ(m.id, "ab12");
  EXPECT_EQ(m.template_name, "Do Not Forward");
  EXPECT_EQ(m.key_version, 3u);
  EXPECT_EQ(m.seal, std::string(64, '\x7f'));
}

TEST(WrapperSealTest, ParsesOnlyWholeParameters) {
  ProtectedMarker m =
      ParseProtectedHeader("v1; xid=evil; id= abc ; template=Encrypt; k=1x");
  EXPECT_EQ(m.id, "abc");
  EXPECT_EQ(m.template_name, "Encrypt");
  EXPECT_EQ(m.key_version, 0u);  // "1x" is no number
  EXPECT_TRUE(m.seal.empty());
  EXPECT_TRUE(ParseProtectedHeader("").id.empty());
  EXPECT_TRUE(ParseProtectedHeader("v1; id=\"unterminated").id ==
              "unterminated");
}

TEST(WrapperSealTest, TemplateNameCannotInjectAHeader) {
  std::string v = FormatProtectedHeader("1", "a\r\nBcc: x@evil.test");
  EXPECT_EQ(v.find('\r'), std::string::npos);
  EXPECT_EQ(v.find('\n'), std::string::npos);
}

TEST(WrapperSealTest, CanonicalBodyToleratesLineEndsAndTrailingBlanks) {
  std::string a = WrapperSealInput("id", "Encrypt", "", "line 1\r\nline 2\r\n");
  EXPECT_EQ(a, WrapperSealInput("id", "Encrypt", "", "line 1\nline 2\n"));
  EXPECT_EQ(
      a, WrapperSealInput("id", "Encrypt", "", "line 1  \r\nline 2\r\n\r\n"));
  EXPECT_EQ(a, WrapperSealInput("id", "Encrypt", "", "line 1\r\nline 2"));
  // Inner empty lines and content count.
  EXPECT_NE(a,
            WrapperSealInput("id", "Encrypt", "", "line 1\r\n\r\nline 2\r\n"));
  EXPECT_NE(a, WrapperSealInput("id", "Encrypt", "", "line 1\r\nline 3\r\n"));
  // So do the id and the template.
  EXPECT_NE(a, WrapperSealInput("id2", "Encrypt", "", "line 1\r\nline 2\r\n"));
  EXPECT_NE(
      a, WrapperSealInput("id", "Do Not Forward", "", "line 1\r\nline 2\r\n"));
  // Framing: no shifting bytes between the id and the template.
  EXPECT_NE(WrapperSealInput("ab", "c", "", "x"),
            WrapperSealInput("a", "bc", "", "x"));
}

TEST(WrapperSealTest, DigestInSlicesMatchesTheWholeBody) {
  // Line ends, trailing blanks, inner and final empty lines, a CR split
  // from its LF: every cut of the body gives the same digest.
  const std::string body =
      "line 1  \r\n\r\nline\t2\t\nline 3\r\n\r\n\r\nlast\r\n\r\n\n";
  const std::string whole = WrapperSealInput("id", "Encrypt", "", body);
  for (size_t step = 1; step <= body.size(); ++step) {
    CanonicalBodyHasher h;
    for (size_t at = 0; at < body.size(); at += step) {
      h.Update(std::string_view(body).substr(at, step));
    }
    EXPECT_EQ(WrapperSealInputWithDigest("id", "Encrypt", "", h.Finish()),
              whole)
        << "step " << step;
  }
  CanonicalBodyHasher without_end;
  without_end.Update("line 1\r\nline 2");
  EXPECT_EQ(
      WrapperSealInputWithDigest("id", "Encrypt", "", without_end.Finish()),
      WrapperSealInput("id", "Encrypt", "", "line 1\r\nline 2\r\n"));
}

TEST(WrapperSealTest, SignedFieldsCountTraceFieldsDoNot) {
  std::string_view head =
      "From: a@example.com\r\nSubject: Q3\r\n numbers\r\nX-Sealpost-Protected: "
      "v1; id=1\r\n";
  std::string a = WrapperSealInput("1", "Encrypt", head, "b\r\n");
  // Trace fields a redirect adds, other folding and blanks: the same.
  EXPECT_EQ(a, WrapperSealInput("1", "Encrypt",
                                "Received: from x\r\nDelivered-To: b@x\r\n"
                                "FROM:  a@example.com \r\nSubject: Q3 "
                                "numbers\r\n",
                                "b\r\n"));
  // A new subject, a Cc more, a second Subject: not the same.
  EXPECT_NE(a, WrapperSealInput("1", "Encrypt",
                                "From: a@example.com\r\nSubject: secret\r\n",
                                "b\r\n"));
  EXPECT_NE(a, WrapperSealInput("1", "Encrypt",
                                std::string(head) + "Cc: leak@evil.test\r\n",
                                "b\r\n"));
  EXPECT_NE(a,
            WrapperSealInput("1", "Encrypt",
                             std::string(head) + "Subject: two\r\n", "b\r\n"));
}

// docs/format.md §7, against tests/data/format/make_vectors.py
// (python3-cryptography).
TEST(WrapperSealTest, MatchesTheIndependentVector) {
  auto v = testing::LoadFormatVectors();
  ASSERT_TRUE(v.count("seal_body")) << "vectors.txt missing";
  EXPECT_EQ(WrapperSealInput("4f2a", "Do Not Forward", v["seal_header"],
                             v["seal_body"]),
            v["seal_input"]);
  auto verifier = crypto::Verifier::FromPublicKey(v["ed25519_public"]);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier->Verify(v["seal_signature"], v["seal_input"]).ok());
}

}  // namespace
}  // namespace sealpost::sealed
