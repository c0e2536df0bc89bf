// Clear-signed layers opened a slice at a time: the scanner splits a
// multipart/signed as CheckSignature does at every slice size, and
// OpenMailStream agrees with OpenMail on bytes and signatures for
// signed-only, signed-and-encrypted, triple-wrapped and nested messages;
// a changed byte fails the signature as OpenMail reports it; malformed
// multipart/signed is a clear error with nothing given.
#include "smime/signed_stream.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "base/string_source.h"
#include "mime/header_section.h"
#include "smime/clear_signed_reference_for_testing.h"
#include "smime/client_mail.h"
#include "smime/directory_test_for_testing.h"
#include "smime/enveloped_mail.h"
#include "smime/signed_mail.h"

namespace sealpost::smime {
namespace {

struct Split {
  Status status;
  std::string content, signature;
  uint64_t content_begin = 0, signature_begin = 0;
};

Split Scan(std::string_view body, size_t slice, size_t max = 1 << 20) {
  Split out;
  ClearSignedScanner s(
      "b0und",
      [&out](std::string_view b) {
        out.content.append(b);
        return Status::Ok();
      },
      max);
  for (size_t at = 0; at < body.size() && out.status.ok(); at += slice) {
    out.status = s.Write(body.substr(at, slice));
  }
  if (out.status.ok()) out.status = s.Finish();
  out.signature = s.signature_part();
  out.content_begin = s.content_begin();
  out.signature_begin = s.signature_begin();
  return out;
}

// The scanner at every slice size against the whole-body reference
// (clear_signed_reference_for_testing.h): the same split or a refusal.
void ExpectAsReference(std::string_view body, size_t max = 1 << 20) {
  const testing::ReferenceSplit want =
      testing::SplitClearSignedWhole(body, "b0und", max);
  for (size_t slice : {1, 2, 3, 5, 8, 13, 64, 100000}) {
    Split got = Scan(body, slice, max);
    ASSERT_EQ(got.status.ok(), want.ok)
        << got.status.ToString() << " slice " << slice << ": " << body;
    if (!want.ok) {
      EXPECT_EQ(got.status.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(got.status.message().find("malformed"), std::string::npos);
      continue;
    }
    EXPECT_EQ(got.content, want.content) << slice;
    EXPECT_EQ(got.signature, want.signature) << slice;
    EXPECT_EQ(got.content_begin, want.content_begin) << slice;
    EXPECT_EQ(got.signature_begin, want.signature_begin) << slice;
  }
}

TEST(ClearSignedScannerTest, SplitsAtExactDelimiterLinesAtEverySliceSize) {
  // Near misses of the delimiter string are content.
  const std::string content =
      "Content-Type: text/plain\r\n\r\nline b0und\r\n-b0und \r\n--b0un\r\n"
      "\r\n\r-b0und-ish is here\n- -b0und\r\nend";
  const std::string sig =
      "Content-Type: application/pkcs7-signature\r\n\r\nQUJD\r\n";
  // Blanks after a delimiter (as some clients write them), an epilogue
  // with anything in it, a close delimiter without a line end.
  for (std::string pad : {"", " ", "\t", " \t  "}) {
    for (const std::string& preamble :
         {std::string(), std::string("preamble\r\n--b0un\r\n\r\n")}) {
      for (const std::string& epilogue :
           {std::string(), std::string("\r\n"),
            std::string("\r\nepilogue --b0und\n--b0undX\r\n--b0und\r\n")}) {
        const std::string body = preamble + "--b0und" + pad + "\r\n" + content +
                                 "\r\n--b0und" + pad + "\r\n" + sig +
                                 "\r\n--b0und--" + pad + epilogue;
        ExpectAsReference(body);
        Split got = Scan(body, 3);
        ASSERT_TRUE(got.status.ok()) << got.status.ToString();
        EXPECT_EQ(got.content, content);
        EXPECT_EQ(got.signature, sig);
        EXPECT_EQ(got.content_begin, preamble.size() + 9 + pad.size());
        EXPECT_EQ(body.substr(got.signature_begin, sig.size()), sig);
      }
    }
  }
  // A body whose first part is itself a multipart/signed: its own
  // boundary differs, so it is content like any other.
  const std::string nested =
      "Content-Type: multipart/signed; boundary=in\r\n\r\n--in\r\nx\r\n"
      "--in\r\ns\r\n--in--";
  Split got = Scan("--b0und\r\n" + nested + "\r\n--b0und\r\nS\r\n--b0und--", 7);
  ASSERT_TRUE(got.status.ok());
  EXPECT_EQ(got.content, nested);
}

// Where readers would split the body in different ways, or it has no two
// parts: refused, whatever the slices, with the words that say why.
TEST(ClearSignedScannerTest, MalformedIsAClearError) {
  const std::string sig = "\r\n--b0und\r\nS\r\n--b0und--\r\n";
  struct Case {
    std::string body, words;
  };
  const Case cases[] = {
      {"no delimiter at all", "no signed part (its boundary never comes)"},
      {"--b0und", "its last delimiter line does not end"},
      {"--b0und\r\ncontent never ends",
       "no signature part (the signed part never ends)"},
      {"--b0und\r\nc\r\n--b0und", "its last delimiter line does not end"},
      {"--b0und\r\nc\r\n--b0und\r\nsig...", "the signature part does not end"},
      {"--b0und\r\nc\r\n--b0und\r\n--b0und--", "its signature part is empty"},
      {"--b0und\r\n\r\n--b0und\r\nS\r\n--b0und--", "its signed part is empty"},
      {"--b0und\r\n--b0und\r\nS\r\n--b0und--", "its signed part is empty"},
      {"x--b0und\r\nc" + sig, "inside a line"},
      // Finding 1a: a line that only starts with the delimiter string.
      {"--b0undX\r\nc\r\n--b0undY\r\ns\r\n--b0und\r\nh" + sig, "no delimiter"},
      {"--b0und\r\nc\r\n--b0und-x\r\nh" + sig, "no delimiter"},
      {"--b0und\r\nc\r\n--b0und--x\r\nh" + sig, "no delimiter"},
      // GMime's line ends: after a bare LF or CR, a CR before the CRLF,
      // a bare LF after it.
      {"x\n--b0und\r\nc" + sig, "inside a line"},
      {"x\r--b0und\r\nc" + sig, "inside a line"},
      {"--b0und\r\r\nc" + sig, "no delimiter"},
      {"--b0und\nc" + sig, "no delimiter"},
      {"--b0und\r\nc\n--b0und\r\nS\r\n--b0und--", "inside a line"},
      // GMime cuts a line at its 4 KiB buffer: a delimiter string deep in
      // a long line, and a long delimiter line, are refused.
      {"--b0und\r\n" + std::string(5000, 'x') + "--b0und" + sig,
       "inside a line"},
      {"--b0und" + std::string(999, ' ') + "\r\nc" + sig, "over 998 bytes"},
      // The close delimiter too early, a third part.
      {"--b0und--\r\n--b0und\r\nc" + sig, "closes before its first part"},
      {"--b0und\r\nc\r\n--b0und--\r\n", "closes after the signed part"},
      {"--b0und\r\nc\r\n--b0und\r\nS\r\n--b0und\r\nh\r\n--b0und--",
       "a third part"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body.substr(0, 60));
    ExpectAsReference(c.body);
    for (size_t slice : {1, 4, 1000}) {
      Split got = Scan(c.body, slice);
      EXPECT_EQ(got.status.code(), StatusCode::kInvalidArgument);
      EXPECT_NE(got.status.message().find("malformed"), std::string::npos);
      EXPECT_NE(got.status.message().find(c.words), std::string::npos)
          << got.status.message();
    }
  }
  // 998 bytes of delimiter line are enough.
  ExpectAsReference("--b0und" + std::string(991, ' ') + "\r\nc" + sig);
  EXPECT_TRUE(
      Scan("--b0und" + std::string(991, ' ') + "\r\nc" + sig, 5).status.ok());
  // A signature part over the bound.
  const std::string big =
      "--b0und\r\nc\r\n--b0und\r\n" + std::string(5000, 'A') + "\r\n--b0und--";
  EXPECT_EQ(Scan(big, 100, 4096).status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Scan(big, 100, 8192).status.ok());
  ExpectAsReference(big, 4096);
  ExpectAsReference(big, 8192);
}

// Every body of a few bytes from an alphabet that makes delimiters,
// near misses and line ends: the scanner splits it as the reference at
// every slice size.
TEST(ClearSignedScannerTest, SmallBodiesSplitAsTheReference) {
  const std::string_view pieces[] = {"--b0und\r\n",
                                     "\r\n--b0und\r\n",
                                     "\r\n--b0und--",
                                     "x",
                                     "\r\n",
                                     "\n",
                                     "\r",
                                     " ",
                                     "-"};
  std::vector<std::string> bodies = {""};
  std::vector<std::string> last = bodies;
  for (int len = 0; len < 5; ++len) {
    std::vector<std::string> longer;
    for (const std::string& b : last) {
      for (std::string_view p : pieces) longer.push_back(b + std::string(p));
    }
    bodies.insert(bodies.end(), longer.begin(), longer.end());
    last = std::move(longer);
  }
  size_t ok = 0;
  for (const std::string& b : bodies) {
    ExpectAsReference(b, 8);
    if (testing::SplitClearSignedWhole(b, "b0und", 8).ok) ++ok;
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(ok, 10u);  // some of them are well formed
}

class SignedStreamTest : public testing::PeopleTest {
 protected:
  Result<OpenedMail> Stream(std::string_view mail, std::string_view who,
                            std::string* out, size_t slice = 4099) {
    StringSource source(mail, slice);
    out->clear();
    return OpenMailStream(*certs_, source, who, [out](std::string_view b) {
      out->append(b);
      return Status::Ok();
    });
  }

  // Streamed and whole opens of `mail` agree on bytes and signatures.
  void ExpectAgree(const std::string& mail, std::string_view who,
                   size_t signatures) {
    auto whole = OpenMail(*certs_, mail, who);
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    ASSERT_EQ(whole->signatures.size(), signatures);
    for (size_t slice : {size_t{61}, size_t{65536}, StringSource::kWhole}) {
      std::string got;
      auto streamed = Stream(mail, who, &got, slice);
      ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
      EXPECT_TRUE(got == whole->message) << "slice " << slice;
      EXPECT_EQ(streamed->certificate_id, whole->certificate_id);
      ASSERT_EQ(streamed->signatures.size(), signatures);
      for (size_t i = 0; i < signatures; ++i) {
        const auto& a = streamed->signatures[i];
        const auto& b = whole->signatures[i];
        EXPECT_EQ(a.verified, b.verified) << i;
        EXPECT_EQ(a.signer, b.signer) << i;
        EXPECT_EQ(a.reason, b.reason) << i;
        EXPECT_EQ(a.signer_certificate, b.signer_certificate) << i;
        EXPECT_TRUE(a.content.empty());
      }
    }
  }

  std::string SignedOnly(const std::string& original, bool clear = true) {
    SmimeOptions options;
    options.clear_sign = clear;
    auto id = certs_->SigningIdentityFor("alice@example.com", options.chain);
    EXPECT_TRUE(id.ok());
    auto split = SplitEntity(original);
    auto entity = SignEntity(split.entity, *id, "b0und", options);
    EXPECT_TRUE(entity.ok()) << entity.status().ToString();
    return split.outer_fields + "MIME-Version: 1.0\r\n" + *entity;
  }

  std::string Protected(bool triple, crypto::CmsCipher cipher) {
    SmimeOptions options;
    options.triple_wrap = triple;
    options.cipher = cipher;
    auto made = ProtectMail(*certs_, original_, "alice@example.com",
                            {"bob@partner.test"}, true, options);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    return made.ok() ? made->message : "";
  }

  std::string original_ = [] {
    std::string body;
    for (int i = 0; i < 300000; ++i) {
      body += static_cast<char>('a' + i % 26);
      if (i % 70 == 69) body += "\r\n";
    }
    return "From: alice@example.com\r\nTo: bob@partner.test\r\nSubject: s\r\n"
           "Content-Type: text/plain; charset=us-ascii\r\n\r\nsecret 42\r\n" +
           body + "\r\n";
  }();
};

TEST_F(SignedStreamTest, AgreesWithOpenMail) {
  ExpectAgree(SignedOnly(original_), "alice@example.com", 1);
  ExpectAgree(SignedOnly(original_, /*clear=*/false), "alice@example.com", 1);
  for (auto cipher :
       {crypto::CmsCipher::kAes256Cbc, crypto::CmsCipher::kAes256Gcm}) {
    ExpectAgree(Protected(false, cipher), "alice@example.com", 1);
    ExpectAgree(Protected(true, cipher), "alice@example.com", 2);
  }
  // Signed twice (a multipart/signed inside a multipart/signed).
  const std::string once = SignedOnly(original_);
  ExpectAgree(SignedOnly(once), "alice@example.com", 2);
  // A blank line before the first delimiter (the body starts with CRLF
  // and the delimiter): the delimiter line is not signed content.
  std::string blank = SignedOnly(original_);
  const size_t body = blank.find("\r\n\r\n") + 4;
  blank = blank.substr(0, body) + "\r\n" +
          blank.substr(blank.find("--b0und", body));
  ExpectAgree(blank, "alice@example.com", 1);
  auto opened = OpenMail(*certs_, blank, "alice@example.com");
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->signatures[0].verified) << opened->signatures[0].reason;
  // A PGP-signed entity inside an encryption: not S/MIME, as it came.
  auto lookups = certs_->ForRecipients({"alice@example.com"});
  ASSERT_TRUE(lookups.ok() && (*lookups)[0].certificate);
  auto pgp = EncryptToEntity(
      "Content-Type: multipart/signed; boundary=x;\r\n"
      " protocol=\"application/pgp-signature\"\r\n\r\n--x\r\n"
      "Content-Type: text/plain\r\n\r\nhi\r\n--x\r\n"
      "Content-Type: application/pgp-signature\r\n\r\nsig\r\n--x--\r\n",
      {(*lookups)[0].certificate->der});
  ASSERT_TRUE(pgp.ok());
  ExpectAgree("From: alice@example.com\r\nMIME-Version: 1.0\r\n" + *pgp,
              "alice@example.com", 0);
  // Signed only needs no key: anyone may check it.
  ExpectAgree(SignedOnly(original_), "zoe@example.com", 1);
}

// A top refused from its header alone (two Content-Type or From fields)
// is left as it came with that verdict, streamed as in memory; one whose
// header section ends at a line that is no field is not S/MIME to either.
TEST_F(SignedStreamTest, RefusedTopsAgreeWithOpenMail) {
  const std::string mail = SignedOnly(original_);
  const size_t type = mail.find("Content-Type: multipart/signed");
  ASSERT_NE(type, std::string::npos);
  std::string two_types = mail;
  two_types.insert(type, "Content-Type: text/plain\r\n");
  std::string two_froms = "From: bob@partner.test\r\n" + mail;
  for (const auto& [refused, why] :
       {std::pair(two_types, "two Content-Type fields"),
        std::pair(two_froms, "two From fields")}) {
    ExpectAgree(refused, "alice@example.com", 1);
    auto whole = OpenMail(*certs_, refused, "alice@example.com");
    ASSERT_TRUE(whole.ok());
    EXPECT_FALSE(whole->signatures[0].verified);
    EXPECT_EQ(whole->signatures[0].reason, why);
    EXPECT_TRUE(whole->message == refused);
  }
  // (After the Content-Type field: the layer's header still names it.)
  std::string junk = mail;
  junk.insert(mail.find("\r\n\r\n") + 2, "junk\r\n");
  EXPECT_EQ(OpenMail(*certs_, junk, "alice@example.com").status().code(),
            StatusCode::kInvalidArgument);
  std::string got;
  EXPECT_EQ(Stream(junk, "alice@example.com", &got).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(got.empty());
}

TEST_F(SignedStreamTest, AChangedByteFailsAsInOpenMail) {
  std::string mail = SignedOnly(original_);
  mail[mail.find("secret 42")] = 'S';
  ExpectAgree(mail, "alice@example.com", 1);
  auto whole = OpenMail(*certs_, mail, "alice@example.com");
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->signatures[0].verified);
  EXPECT_FALSE(whole->signatures[0].reason.empty());
  // The same inside an encryption (signed, changed, then encrypted).
  auto lookups = certs_->ForRecipients({"alice@example.com"});
  ASSERT_TRUE(lookups.ok() && (*lookups)[0].certificate);
  auto split = SplitEntity(mail);
  auto enveloped =
      EncryptToEntity(split.entity, {(*lookups)[0].certificate->der},
                      crypto::CmsCipher::kAes256Gcm);
  ASSERT_TRUE(enveloped.ok()) << enveloped.status().ToString();
  ExpectAgree(split.outer_fields + "MIME-Version: 1.0\r\n" + *enveloped,
              "alice@example.com", 1);
}

TEST_F(SignedStreamTest, MalformedOrCutIsAnErrorWithNothingGiven) {
  const std::string mail = SignedOnly(original_);
  const size_t sig = mail.rfind("application/pkcs7-signature");
  ASSERT_NE(sig, std::string::npos);
  std::string got;
  for (size_t cut :
       {size_t{300}, mail.size() / 2, sig + 100, mail.size() - 20}) {
    auto r = Stream(mail.substr(0, cut), "alice@example.com", &got);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << cut;
    EXPECT_TRUE(got.empty()) << cut;
  }
  // A signature part over 1 MiB: refused, not held.
  std::string big = mail;
  big.insert(big.find("\r\n\r\n", sig) + 4,
             std::string(kMaxSignaturePart + 10, 'A'));
  auto r = Stream(big, "alice@example.com", &got);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(got.empty());
  // No boundary parameter: refused from the header alone, so as in
  // OpenMail (RefusedTopsAgreeWithOpenMail), as it came with the verdict.
  std::string nob = mail;
  const size_t b = nob.find("boundary=");
  nob.replace(b, 9, "boundery=");
  ExpectAgree(nob, "alice@example.com", 1);
  r = Stream(nob, "alice@example.com", &got);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->signatures[0].reason, "multipart/signed without a boundary");
  EXPECT_TRUE(got == nob);
}

// Opaque signed-data streams too: the same verdicts and bytes as
// OpenMail, signed only and inside an encryption; a changed content byte
// fails as in OpenMail (the layer left as it came); a cut or damaged one
// is an error with nothing given.
TEST_F(SignedStreamTest, OpaqueAgreesWithOpenMail) {
  const std::string mail = SignedOnly(original_, /*clear=*/false);
  ExpectAgree(mail, "alice@example.com", 1);
  SmimeOptions options;
  options.clear_sign = false;
  auto made = ProtectMail(*certs_, original_, "alice@example.com",
                          {"bob@partner.test"}, true, options);
  ASSERT_TRUE(made.ok());
  ExpectAgree(made->message, "alice@example.com", 1);
  options.triple_wrap = true;
  made = ProtectMail(*certs_, original_, "alice@example.com",
                     {"bob@partner.test"}, true, options);
  ASSERT_TRUE(made.ok());
  ExpectAgree(made->message, "alice@example.com", 2);
  // One content byte changed inside the SignedData.
  const size_t body = mail.find("\r\n\r\n") + 4;
  auto der = Base64Decode(mail.substr(body));
  ASSERT_TRUE(der.ok());
  const size_t at = der->find("secret 42");
  ASSERT_NE(at, std::string::npos);
  (*der)[at] = 'S';
  const std::string changed =
      mail.substr(0, body) + Base64Encode(AsBytes(*der));
  ExpectAgree(changed, "alice@example.com", 1);
  auto whole = OpenMail(*certs_, changed, "alice@example.com");
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(whole->signatures[0].verified);
  std::string got;
  for (size_t cut : {body + 40, mail.size() / 2, mail.size() - 10}) {
    auto r = Stream(mail.substr(0, cut), "alice@example.com", &got);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << cut;
    EXPECT_TRUE(got.empty());
  }
}

TEST_F(SignedStreamTest, AnotherUsersKeyOpensNothing) {
  const std::string mail = Protected(true, crypto::CmsCipher::kAes256Gcm);
  std::string got;
  auto zoe = Stream(mail, "zoe@example.com", &got);
  EXPECT_EQ(zoe.status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(got.empty());
}

// The gateway's check of a large signed message from outside
// (CheckSignatureStream) and the in-memory one (CheckSignature) give the
// same verdict, both JudgeSignature's: verified, a changed byte, a From
// the signer's certificate does not name (the signature itself verifies:
// only the judgement refuses it), clear and opaque, at slice sizes that
// cut every delimiter and base64 line (1 byte too).
class CheckSignatureStreamTest : public SignedStreamTest {
 protected:
  Result<std::optional<SignatureCheck>> Streamed(const std::string& mail,
                                                 size_t slice) {
    StringSource source(mail, slice);
    mime::HeaderSection hs = mime::SplitHeaderSection(mail);
    return CheckSignatureStream(*certs_, source, hs.header,
                                mail.size() - hs.body.size(), "");
  }

  // Both checks of `mail` agree; the verdict.
  SignatureCheck ExpectSame(const std::string& mail) {
    auto whole = CheckSignature(*certs_, mail);
    EXPECT_TRUE(whole.ok() && whole->has_value());
    if (!whole.ok() || !whole->has_value()) return SignatureCheck();
    for (size_t slice : {size_t{1}, size_t{7}, size_t{61}, size_t{4099},
                         StringSource::kWhole}) {
      if (slice == 1 && mail.size() > (400 << 10)) continue;
      auto got = Streamed(mail, slice);
      EXPECT_TRUE(got.ok()) << got.status().ToString() << " slice " << slice;
      if (!got.ok() || !got->has_value()) {
        ADD_FAILURE() << "no verdict, slice " << slice;
        continue;
      }
      const SignatureCheck& a = **got;
      const SignatureCheck& b = **whole;
      EXPECT_EQ(a.verified, b.verified) << slice;
      EXPECT_EQ(a.signer, b.signer) << slice;
      EXPECT_EQ(a.reason, b.reason) << slice;
      EXPECT_EQ(a.signer_certificate, b.signer_certificate) << slice;
      EXPECT_EQ(a.StampValue(), b.StampValue()) << slice;
      EXPECT_TRUE(a.content.empty());
    }
    return **whole;
  }
};

TEST_F(CheckSignatureStreamTest, SameVerdictAsCheckSignature) {
  for (bool clear : {true, false}) {
    SCOPED_TRACE(clear ? "clear" : "opaque");
    const std::string mail = SignedOnly(original_, clear);
    SignatureCheck good = ExpectSame(mail);
    EXPECT_TRUE(good.verified) << good.reason;
    EXPECT_EQ(good.signer, "alice@example.com");
    // A forged From: the signature verifies, JudgeSignature refuses it.
    std::string forged = mail;
    forged.replace(forged.find("From: alice@example.com"), 23,
                   "From: ceo@example.com");
    SignatureCheck judged = ExpectSame(forged);
    EXPECT_FALSE(judged.verified);
    EXPECT_NE(judged.reason.find("From"), std::string::npos) << judged.reason;
  }
  // Clear: one content byte changed.
  std::string changed = SignedOnly(original_);
  changed[changed.find("secret 42")] = 'S';
  SignatureCheck bad = ExpectSame(changed);
  EXPECT_FALSE(bad.verified);
  EXPECT_FALSE(bad.reason.empty());
  // Opaque: one content byte changed inside the SignedData.
  const std::string opaque = SignedOnly(original_, /*clear=*/false);
  const size_t body = opaque.find("\r\n\r\n") + 4;
  auto der = Base64Decode(opaque.substr(body));
  ASSERT_TRUE(der.ok());
  (*der)[der->find("secret 42")] = 'S';
  bad = ExpectSame(opaque.substr(0, body) + Base64Encode(AsBytes(*der)));
  EXPECT_FALSE(bad.verified);
  // The signed part's delimiter moved by one byte: what is checked is
  // not what was signed.
  std::string shifted = SignedOnly(original_);
  const size_t delim = shifted.find("\r\n--b0und\r\nContent-Type: applic");
  ASSERT_NE(delim, std::string::npos);
  shifted.insert(delim, "x");
  EXPECT_FALSE(ExpectSame(shifted).verified);
}

// A header line that is neither a field nor a continuation ("junk", as
// mail from outside may carry). mime::SplitHeaderSection ends the header
// section at that line; GMime, and the readers after us, skip it and keep
// the fields after it (mime::HeaderEnd). So the header our checks read
// need not be the one a reader sees: a multipart/signed, junk, then
// `Content-Type: text/plain` would be stamped verified while a reader
// shows the whole body, epilogue included, as text. Neither check gives a
// verdict, wherever the junk line is and whatever the slice size (as
// `sealpost open` says "not S/MIME mail").
TEST_F(CheckSignatureStreamTest, AJunkHeaderLineGivesNoVerdict) {
  for (bool clear : {true, false}) {
    const std::string mail = SignedOnly(original_, clear);
    const std::string from = "From: alice@example.com\r\n";
    const size_t at = mail.find(from);
    ASSERT_NE(at, std::string::npos);
    std::string without_from = mail;
    without_from.erase(at, from.size());
    std::string after_from = mail;
    after_from.insert(at + from.size(), "junk\r\n");
    const size_t content_type = mail.find("Content-Type: ");
    const size_t empty_line = mail.find("\r\n\r\n");
    ASSERT_LT(at, content_type);
    ASSERT_LT(content_type, empty_line);
    std::string before_empty_line = mail;
    before_empty_line.insert(empty_line + 2, "junk\r\n");
    // What a reader sees as text/plain: the signature checked was of
    // another Content-Type.
    std::string text_after_junk = mail;
    text_after_junk.insert(empty_line + 2,
                           "junk\r\nContent-Type: text/plain\r\n");
    for (const std::string& junk :
         {"From: a@x\r\njunk\r\n" + without_from, after_from, before_empty_line,
          text_after_junk}) {
      SCOPED_TRACE(std::string(clear ? "clear: " : "opaque: ") +
                   junk.substr(0, junk.find("\r\n\r\n")));
      auto whole = CheckSignature(*certs_, junk);
      ASSERT_TRUE(whole.ok()) << whole.status().ToString();
      EXPECT_FALSE(whole->has_value()) << (*whole)->StampValue();
      for (size_t slice : {size_t{1}, size_t{61}, StringSource::kWhole}) {
        auto got = Streamed(junk, slice);
        ASSERT_TRUE(got.ok()) << got.status().ToString() << " slice " << slice;
        EXPECT_FALSE(got->has_value())
            << (*got)->StampValue() << " slice " << slice;
      }
    }
  }
}

TEST_F(CheckSignatureStreamTest, NotSignedMalformedAndBrokenSources) {
  auto plain = Streamed(original_, 4099);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->has_value());
  // Malformed: a verdict (not verified, why), never an error.
  const std::string mail = SignedOnly(original_);
  for (size_t cut : {mail.size() / 2, mail.size() - 20}) {
    auto got = Streamed(mail.substr(0, cut), 61);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(got->has_value());
    EXPECT_FALSE((*got)->verified);
    EXPECT_NE((*got)->reason.find("malformed"), std::string::npos);
    auto whole = CheckSignature(*certs_, mail.substr(0, cut));
    ASSERT_TRUE(whole.ok() && whole->has_value());
    EXPECT_FALSE((*whole)->verified);
  }
  std::string nob = mail;
  nob.replace(nob.find("boundary="), 9, "boundery=");
  auto got = Streamed(nob, 4099);
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->reason, "multipart/signed without a boundary");
  EXPECT_EQ((*got)->reason, (*CheckSignature(*certs_, nob))->reason);
  // A message that does not read back (a spool changed on disk): its
  // error, not a verdict, whatever the code.
  for (StatusCode code :
       {StatusCode::kInvalidArgument, StatusCode::kInternal}) {
    for (bool clear : {true, false}) {
      const std::string m = SignedOnly(original_, clear);
      struct Failing final : ByteSource {
        Failing(const std::string& s, StatusCode c) : in(s, 4099), code(c) {}
        Status Restart() override {
          at = 0;
          return in.Restart();
        }
        Result<size_t> Read(size_t max, std::string* out) override {
          if (at > 100000) return Status(code, "spool: cut");
          SP_ASSIGN_OR_RETURN(size_t n, in.Read(max, out));
          at += n;
          return n;
        }
        StringSource in;
        StatusCode code;
        size_t at = 0;
      } failing(m, code);
      mime::HeaderSection hs = mime::SplitHeaderSection(m);
      auto r = CheckSignatureStream(*certs_, failing, hs.header,
                                    m.size() - hs.body.size(), "");
      EXPECT_EQ(r.status().code(), code) << clear;
      EXPECT_EQ(r.status().message(), "spool: cut");
    }
  }
}

// The words a malformed signed layer is refused with, pinned: the
// openers (`sealpost open`) end them with " (nothing was opened)", the
// gateway's verdict (CheckSignatureStream) gives them without.
TEST_F(CheckSignatureStreamTest, MalformedWordsArePinned) {
  const std::string clear = SignedOnly(original_);
  const std::string opaque = SignedOnly(original_, /*clear=*/false);
  const std::string clear_head = clear.substr(0, clear.find("\r\n\r\n") + 4);
  const size_t opaque_body = opaque.find("\r\n\r\n") + 4;
  const std::string opaque_head = opaque.substr(0, opaque_body);
  const std::string malformed = "the multipart/signed message is malformed: ";
  const std::string tail = " (nothing was opened)";
  struct Case {
    std::string mail, words;
  };
  const Case cases[] = {
      {clear_head + "no delimiter",
       malformed + "no signed part (its boundary never comes)"},
      {clear.substr(0, clear.size() / 2),
       malformed + "no signature part (the signed part never ends)"},
      {clear.substr(0, clear.size() - 20),
       malformed + "the signature part does not end"},
      {clear_head + "--b0und\r\nc\r\n--b0und\r\n--b0und--\r\n",
       malformed + "its signature part is empty"},
      {clear_head + "--b0und\r\n\r\n--b0und\r\nS\r\n--b0und--\r\n",
       malformed + "its signed part is empty"},
      {opaque_head + Base64Encode(AsBytes(std::string("junk"))),
       "the opaque signed S/MIME message is malformed or cut short"},
      {opaque_head + "!" + opaque.substr(opaque_body),
       "the S/MIME message's body is not valid base64"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.words);
    auto verdict = Streamed(c.mail, 61);
    ASSERT_TRUE(verdict.ok()) << verdict.status().ToString();
    ASSERT_TRUE(verdict->has_value());
    EXPECT_FALSE((*verdict)->verified);
    EXPECT_EQ((*verdict)->reason, c.words);
    StringSource source(c.mail, 61);
    mime::HeaderSection hs = mime::SplitHeaderSection(c.mail);
    const size_t header_size = c.mail.size() - hs.body.size();
    auto opened = c.mail.starts_with(clear_head)
                      ? OpenClearSignedStream(*certs_, source, hs.header,
                                              header_size, "b0und", "")
                      : OpenOpaqueSignedStream(*certs_, source, hs.header,
                                               header_size, "");
    EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(opened.status().message(), c.words + tail);
  }
}

}  // namespace
}  // namespace sealpost::smime
