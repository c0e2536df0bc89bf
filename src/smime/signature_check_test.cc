// Signatures made by `openssl cms -sign` (a tool we did not write),
// checked against the CAs on file.
#include "smime/signature_check.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "base/string_source.h"
#include "mime/header_section.h"
#include "smime/directory_test_for_testing.h"
#include "smime/signed_stream.h"
#include "smime/signed_top.h"

namespace sealpost::smime {
namespace {

class SignatureCheckTest : public testing::DirectoryTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::TrustTestCa(*certs_, pki_).ok());
    pki_.MakeLeaf("bob", "bob@partner.test");
    pki_.MakeCa("other", "Other CA");
    pki_.MakeLeaf("eve", "eve@partner.test", 365, "other");
  }

  // A message from `from`, signed by `who` with openssl (clear or opaque),
  // over `entity`.
  std::string Signed(
      const std::string& who, const std::string& from, bool opaque = false,
      const std::string& entity = "Content-Type: text/plain\r\n\r\nhello\r\n") {
    pki_.Write("in.txt", entity);
    EXPECT_TRUE(pki_.Run("openssl cms -sign -in in.txt -signer " + who +
                         ".pem -inkey " + who + ".key -from '" + from + "'" +
                         " -to alice@example.com -subject hi " +
                         (opaque ? "-nodetach " : "") + "-out out.eml"));
    return pki_.ReadCrlf("out.eml");
  }
  SignatureCheck Check(const std::string& message) {
    auto r = CheckSignature(*certs_, message);
    EXPECT_TRUE(r.ok() && r->has_value());
    return r.ok() && r->has_value() ? **r : SignatureCheck{};
  }
};

TEST_F(SignatureCheckTest, ClearAndOpaqueSignaturesVerify) {
  SignatureCheck clear = Check(Signed("bob", "Bob <bob@partner.test>"));
  EXPECT_TRUE(clear.verified) << clear.reason;
  EXPECT_EQ(clear.signer, "bob@partner.test");
  EXPECT_EQ(clear.StampValue(),
            "signed; verified=yes; signer=bob@partner.test");
  SignatureCheck opaque = Check(Signed("bob", "bob@partner.test", true));
  EXPECT_TRUE(opaque.verified) << opaque.reason;
}

TEST_F(SignatureCheckTest, WhatDoesNotVerifySaysWhy) {
  std::string msg = Signed("bob", "bob@partner.test");
  std::string tampered = msg;
  tampered.replace(tampered.find("hello"), 5, "jello");
  SignatureCheck t = Check(tampered);
  EXPECT_FALSE(t.verified);
  EXPECT_FALSE(t.reason.empty());
  EXPECT_NE(t.StampValue().find("verified=no"), std::string::npos);

  SignatureCheck untrusted = Check(Signed("eve", "eve@partner.test"));
  EXPECT_FALSE(untrusted.verified);
  EXPECT_NE(untrusted.reason.find("untrusted"), std::string::npos);

  SignatureCheck other_from = Check(Signed("bob", "ceo@partner.test"));
  EXPECT_FALSE(other_from.verified);
  EXPECT_NE(other_from.reason.find("From"), std::string::npos);

  auto unsigned_mail =
      CheckSignature(*certs_, "From: a@b\r\nSubject: x\r\n\r\nhi\r\n");
  ASSERT_TRUE(unsigned_mail.ok());
  EXPECT_FALSE(unsigned_mail->has_value());
}

TEST_F(SignatureCheckTest, AVerifiedSignerIsHarvestedOnceNeverOverANewerOne) {
  SignatureCheck tampered = Check([&] {
    std::string m = Signed("bob", "bob@partner.test");
    return m.replace(m.find("hello"), 5, "jello");
  }());
  EXPECT_TRUE(tampered.signer_certificate.empty());  // nothing to harvest

  SignatureCheck ok = Check(Signed("bob", "bob@partner.test"));
  ASSERT_TRUE(ok.verified) << ok.reason;
  ASSERT_FALSE(ok.signer_certificate.empty());
  auto first = certs_->Harvest(ok.signer_certificate);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(*first);
  auto list = certs_->List("bob@partner.test");
  ASSERT_TRUE(list.ok() && list->size() == 1u);
  EXPECT_EQ((*list)[0].record.source, "harvest");
  EXPECT_EQ((*list)[0].status, CertStatus::kValid);
  EXPECT_FALSE((*list)[0].has_private_key);
  auto lookup = certs_->ForRecipients({"bob@partner.test"});
  ASSERT_TRUE(lookup.ok() && lookup->front().certificate);
  EXPECT_FALSE(*certs_->Harvest(ok.signer_certificate));  // on file already

  // A newer certificate on file for the address is never displaced.
  pki_.MakeLeaf("dan_old", "dan@partner.test");
  sleep(1);  // notBefore has one-second resolution
  pki_.MakeLeaf("dan_new", "dan@partner.test");
  ASSERT_TRUE(certs_->Import(pki_.Read("dan_new.pem"), {}).ok());
  SignatureCheck dan = Check(Signed("dan_old", "dan@partner.test"));
  ASSERT_TRUE(dan.verified) << dan.reason;
  EXPECT_FALSE(*certs_->Harvest(dan.signer_certificate));
  auto dans = certs_->List("dan@partner.test");
  ASSERT_TRUE(dans.ok());
  EXPECT_EQ(dans->size(), 1u);

  // Our own domains' certificates are the admin's to import.
  pki_.MakeLeaf("mallory", "ceo@example.com");
  EXPECT_FALSE(*certs_->Harvest(pki_.Read("mallory.der")));
}

// A message sent on with another's signature: an outsider holding one
// clear-signed mail of a partner (Bob) frames it again so that the checks
// verify Bob's part while a mail client (GMime, Python's email) shows the
// outsider's, or signs with their own certificate under Bob's From. Each
// must not verify, in memory (CheckSignature) and streamed
// (CheckSignatureStream, the gateway's check past 256 KiB), at slice sizes
// that cut every line.
class ResentSignatureTest : public SignatureCheckTest {
 protected:
  void SetUp() override {
    SignatureCheckTest::SetUp();
    // Trusted as Bob is: the outsider has a certificate of their own.
    pki_.MakeLeaf("evil", "eve@evil.test");
  }

  // A clear-signed message of openssl's: its header section (the empty
  // line included), the signed part and the signature part (fields and
  // body), as between its delimiters.
  struct Pieces {
    std::string header, content, signature;
  };
  Pieces PiecesOf(const std::string& mail) {
    Pieces p;
    const size_t body = mail.find("\r\n\r\n") + 4;
    p.header = mail.substr(0, body);
    const size_t b = mail.find("boundary=\"") + 10;
    const std::string delim =
        "\r\n--" + mail.substr(b, mail.find('"', b) - b) + "\r\n";
    const size_t c = mail.find(delim, body - 2) + delim.size();
    const size_t s = mail.find(delim, c);
    p.content = mail.substr(c, s - c);
    const size_t end =
        mail.find(delim.substr(0, delim.size() - 2) + "--", s + delim.size());
    p.signature = mail.substr(s + delim.size(), end - s - delim.size());
    return p;
  }
  // `p`'s header section with `content_type` (one field or more, each
  // with its CRLF) for its Content-Type field.
  static std::string Header(const Pieces& p, const std::string& content_type) {
    const size_t at = p.header.find("Content-Type: ");
    const size_t end = p.header.find("\r\n", at) + 2;
    return p.header.substr(0, at) + content_type + p.header.substr(end);
  }
  static std::string SignedType(const std::string& params) {
    return "Content-Type: multipart/signed; "
           "protocol=\"application/pkcs7-signature\"; " +
           params + "\r\n";
  }

  Result<std::optional<SignatureCheck>> Streamed(const std::string& mail,
                                                 size_t slice) {
    StringSource source(mail, slice);
    mime::HeaderSection hs = mime::SplitHeaderSection(mail);
    return CheckSignatureStream(*certs_, source, hs.header,
                                mail.size() - hs.body.size(), "");
  }
  // The verdicts on `mail`: in memory, then streamed at slice sizes that
  // cut every line (each must give one).
  std::vector<std::pair<std::string, SignatureCheck>> Verdicts(
      const std::string& mail) {
    std::vector<std::pair<std::string, SignatureCheck>> out;
    out.emplace_back("in memory", Check(mail));
    for (size_t slice :
         {size_t{1}, size_t{7}, size_t{4099}, StringSource::kWhole}) {
      const std::string name = "streamed, slice " + std::to_string(slice);
      auto got = Streamed(mail, slice);
      EXPECT_TRUE(got.ok()) << name << ": " << got.status().ToString();
      if (!got.ok()) continue;
      if (!got->has_value()) {
        ADD_FAILURE() << name << ": no verdict";
        continue;
      }
      out.emplace_back(name, std::move(**got));
    }
    return out;
  }
  // Every check verifies `mail`; the in-memory verdict.
  SignatureCheck Both(const std::string& mail) {
    auto verdicts = Verdicts(mail);
    for (const auto& [name, c] : verdicts) {
      EXPECT_TRUE(c.verified) << name << ": " << c.StampValue();
    }
    return verdicts.front().second;
  }
  // No check verifies `mail`, all for the same reason, which holds `why`.
  void ExpectRefused(const std::string& mail, const std::string& why) {
    auto verdicts = Verdicts(mail);
    for (const auto& [name, c] : verdicts) {
      EXPECT_FALSE(c.verified) << name << ": " << c.StampValue();
      EXPECT_EQ(c.reason, verdicts.front().second.reason) << name;
      EXPECT_NE(c.reason.find(why), std::string::npos)
          << name << ": " << c.reason;
    }
  }

  const std::string html_ =
      "Content-Type: text/html\r\n\r\n<p>Pay eve@evil.test</p>";
};

// Bob's parts framed again, as a mail client still reads them: they verify
// (the attacks below fail for what they change, not for the framing).
TEST_F(ResentSignatureTest, BobsPartsFramedAgainStillVerify) {
  const Pieces p = PiecesOf(Signed("bob", "bob@partner.test"));
  for (std::string pad : {"", " ", "\t ", "  \t"}) {
    SCOPED_TRACE("padding '" + pad + "'");
    const std::string mail = Header(p, SignedType("boundary=\"abc\"")) +
                             "preamble\r\n--abc" + pad + "\r\n" + p.content +
                             "\r\n--abc" + pad + "\r\n" + p.signature +
                             "\r\n--abc--" + pad + "\r\nepilogue\r\n";
    EXPECT_EQ(Both(mail).signer, "bob@partner.test");
  }
  // No CRLF after the close delimiter, a quoted boundary with a blank in
  // it, a folded field.
  const std::string bare_end = Header(p, SignedType("boundary=\"a b\"")) +
                               "--a b\r\n" + p.content + "\r\n--a b\r\n" +
                               p.signature + "\r\n--a b--";
  Both(bare_end);
  const std::string folded =
      Header(p,
             "Content-Type: multipart/signed;\r\n\tprotocol=\"application/"
             "pkcs7-signature\";\r\n micalg=sha-256; boundary=abc\r\n") +
      "--abc\r\n" + p.content + "\r\n--abc\r\n" + p.signature +
      "\r\n--abc--\r\n";
  Both(folded);
}

// Finding 1a: a delimiter matched as a prefix. `--abcX` and `--abcY` are
// no delimiter lines to GMime (is_boundary), which shows the text/html
// part as the signed one; a reader that takes a line starting with the
// delimiter as one (RFC 2046's note to implementors) would show Bob's.
TEST_F(ResentSignatureTest, ALineThatStartsWithTheDelimiterIsRefused) {
  const Pieces p = PiecesOf(Signed("bob", "bob@partner.test"));
  const std::string head = Header(p, SignedType("boundary=\"abc\""));
  const std::string no_delimiter =
      "a line that starts with its boundary is no delimiter";
  ExpectRefused(head + "--abcX\r\n" + p.content + "\r\n--abcY\r\n" +
                    p.signature + "\r\n--abc\r\n" + html_ + "\r\n--abc\r\n" +
                    p.signature + "\r\n--abc--\r\n",
                no_delimiter);
  // The other way round: GMime's split verifies, a prefix reader shows
  // the outsider's part.
  ExpectRefused(head + "--abcX\r\n" + html_ + "\r\n--abc\r\n" + p.content +
                    "\r\n--abc\r\n" + p.signature + "\r\n--abc--\r\n",
                no_delimiter);
  // A delimiter after a bare LF or CR, or with a CR before its CRLF:
  // GMime's line ends, not SMTP's.
  for (const std::string& odd :
       {std::string("x\n--abc\r\n"), std::string("x\r--abc\r\n"),
        std::string("--abc\r\r\n"), std::string("--abc\n")}) {
    ExpectRefused(head + odd + html_ + "\r\n--abc\r\n" + p.content +
                      "\r\n--abc\r\n" + p.signature + "\r\n--abc--\r\n",
                  odd.starts_with("x") ? "inside a line" : no_delimiter);
  }
  // A third part after the signature, and a close delimiter before the
  // signed part.
  ExpectRefused(head + "--abc\r\n" + p.content + "\r\n--abc\r\n" + p.signature +
                    "\r\n--abc\r\n" + html_ + "\r\n--abc--\r\n",
                "a third part");
  ExpectRefused(head + "--abc--\r\n--abc\r\n" + p.content + "\r\n--abc\r\n" +
                    p.signature + "\r\n--abc--\r\n",
                "closes before its first part");
}

// Finding 1b: `boundary=` inside a quoted value. GMime reads BBB, whose
// first part is the outsider's.
TEST_F(ResentSignatureTest, ABoundaryInsideAQuotedValueIsNotTheBoundary) {
  const Pieces p = PiecesOf(Signed("bob", "bob@partner.test"));
  const std::string bbb =
      "--BBB\r\n" + html_ + "\r\n--BBB\r\n" + p.signature + "\r\n--BBB--\r\n";
  const std::string aaa = "--AAA\r\n" + p.content + "\r\n--AAA\r\n" +
                          p.signature + "\r\n--AAA--\r\n";
  // (The outsider's part does not verify under Bob's signature.)
  ExpectRefused(Header(p, SignedType("micalg=\"sha-256; boundary=AAA;\"; "
                                     "boundary=\"BBB\"")) +
                    bbb + aaa,
                "");
  // A parameter given twice, plain or in RFC 2231's forms: refused.
  for (const std::string& params :
       {std::string("boundary=AAA; boundary=BBB"),
        std::string("boundary=AAA; BOUNDARY=BBB"),
        std::string("boundary=AAA; boundary*0=BBB"),
        std::string("boundary=AAA; boundary*=us-ascii''BBB"),
        std::string("boundary=AAA; protocol=x")}) {
    SCOPED_TRACE(params);
    ExpectRefused(Header(p, SignedType(params)) + aaa,
                  "the Content-Type field is malformed: the parameter");
  }
}

// Finding 1c: two Content-Type fields; GMime takes the last.
TEST_F(ResentSignatureTest, TwoContentTypeFieldsAreRefused) {
  const Pieces p = PiecesOf(Signed("bob", "bob@partner.test"));
  const std::string body = "--BBB\r\n" + html_ + "\r\n--BBB\r\n" + p.signature +
                           "\r\n--BBB--\r\n--AAA\r\n" + p.content +
                           "\r\n--AAA\r\n" + p.signature + "\r\n--AAA--\r\n";
  ExpectRefused(
      Header(p, SignedType("boundary=AAA") + SignedType("boundary=BBB")) + body,
      "two Content-Type fields");
  ExpectRefused(
      Header(p, SignedType("boundary=AAA") + "content-type : text/plain\r\n") +
          body,
      "two Content-Type fields");
}

// In memory, the two parts must also be the two GMime's parse makes. A
// signed entity that declares a multipart with the outer boundary and has
// no part: our split verifies it, while GMime reads the outer delimiters
// as the inner multipart's, making one part of the whole. (Streamed, the
// message is not parsed: such an entity, which nobody's client makes, is
// split by the delimiter lines alone, docs/smime.md.)
TEST_F(ResentSignatureTest, InMemoryTheSplitMustBeGmimes) {
  const Pieces p = PiecesOf(
      Signed("bob", "bob@partner.test", false,
             "Content-Type: multipart/mixed; boundary=abc\r\n\r\nno part\r\n"));
  const std::string mail = Header(p, SignedType("boundary=abc")) + "--abc\r\n" +
                           p.content + "\r\n--abc\r\n" + p.signature +
                           "\r\n--abc--\r\n";
  SignatureCheck c = Check(mail);
  EXPECT_FALSE(c.verified) << c.StampValue();
  EXPECT_EQ(c.reason, "GMime splits the multipart/signed message otherwise");
  // Framed with another boundary, the same parts verify.
  EXPECT_TRUE(Both(Header(p, SignedType("boundary=xyz")) + "--xyz\r\n" +
                   p.content + "\r\n--xyz\r\n" + p.signature +
                   "\r\n--xyz--\r\n")
                  .verified);
}

// Finding 2: the From address is the one GMime reads: the last <...> of a
// comment is not it, and a second From field is refused. Eve signs with
// her own (trusted) certificate.
TEST_F(ResentSignatureTest, FromIsTheMailboxAReaderShows) {
  const std::string mail = Signed("evil", "eve@evil.test");
  ASSERT_TRUE(Both(mail).verified);  // under her own address, fine
  const std::string from = "From: eve@evil.test\r\n";
  const size_t at = mail.find(from);
  ASSERT_NE(at, std::string::npos);
  for (const std::string& forged :
       {std::string("From: bob@partner.test (<eve@evil.test>)\r\n"),
        std::string("From: \"Bob\" <bob@partner.test> (<eve@evil.test>)\r\n"),
        std::string("From: eve@evil.test\r\nFrom: Bob <bob@partner.test>\r\n"),
        std::string("From: Bob <bob@partner.test>\r\nFrom: eve@evil.test\r\n"),
        std::string("From: Bob <bob@partner.test>, eve@evil.test\r\n"),
        std::string("From: friends: eve@evil.test;\r\n")}) {
    SCOPED_TRACE(forged);
    std::string m = mail;
    m.replace(at, from.size(), forged);
    ExpectRefused(m, "From");
  }
  std::string two = mail;
  two.replace(at, from.size(),
              "From: eve@evil.test\r\nFrom: Bob <bob@partner.test>\r\n");
  ExpectRefused(two, "two From fields");
}

// A signer whose RSA key is under 2048 bits: its certificate is refused
// for encryption (kWrongKeyUsage), and its signature does not verify
// either.
TEST_F(ResentSignatureTest, AWeakSignerKeyIsRefused) {
  pki_.MakeLeaf("weak", "weak@partner.test", 365, "ca", "leaf", 1024);
  for (bool opaque : {false, true}) {
    ExpectRefused(Signed("weak", "weak@partner.test", opaque), "1024");
  }
}

TEST(FromAddressTest, Forms) {
  EXPECT_EQ(FromAddress("Bob <bob@x.test>"), "bob@x.test");
  EXPECT_EQ(FromAddress(" bob@x.test "), "bob@x.test");
  EXPECT_EQ(FromAddress("a@x, b@y"), "");
  EXPECT_EQ(FromAddress("nobody"), "");
  // As GMime reads it: a comment is no address, a group is none.
  EXPECT_EQ(FromAddress("bob@x.test (<eve@evil.test>)"), "bob@x.test");
  EXPECT_EQ(FromAddress("\"Bob\" <bob@x.test> (<eve@evil.test>)"),
            "bob@x.test");
  EXPECT_EQ(FromAddress("friends: bob@x.test;"), "");
  EXPECT_EQ(FromAddress("Bob <bob@x.test> eve@evil.test"), "");
}

}  // namespace
}  // namespace sealpost::smime
