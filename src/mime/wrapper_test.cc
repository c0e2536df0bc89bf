#include "mime/wrapper.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "base/string_source.h"
#include "mime/parsed_message.h"
#include "sealed/wrapper_seal.h"

namespace sealpost::mime {
namespace {

constexpr char kOriginal[] =
    "From: Alice <alice@example.com>\r\n"
    "To: bob@example.com,\r\n carol@example.com\r\n"
    "Subject: =?UTF-8?B?w6l0w6k=?= plans\r\n"
    "Date: Sun, 29 Nov 2026 09:00:00 +0000\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\nhello\r\n";

TEST(WrapperTest, BuildsAndExtracts) {
  std::string container("SEALPOST\x01\x00\xff binary \r\n.\r\n", 24);
  WrapperOptions o{"abc123", "Do Not Forward", "https://127.0.0.1:8443"};
  auto mail = BuildWrapperMail(kOriginal, container, o);
  ASSERT_TRUE(mail.ok()) << mail.status().ToString();
  EXPECT_NE(mail->find("X-Sealpost-Protected: v1; id=abc123; "
                       "template=\"Do Not Forward\"\r\n"),
            std::string::npos);
  EXPECT_NE(mail->find("Subject: =?UTF-8?B?w6l0w6k=?= plans\r\n"),
            std::string::npos);
  EXPECT_NE(mail->find("To: bob@example.com,\r\n carol@example.com\r\n"),
            std::string::npos);
  auto back = ExtractSealedAttachment(*mail);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, container);
  EXPECT_EQ(*RawHeader(*mail, "Message-ID"), "<abc123@127.0.0.1>");
}

// The text and HTML parts are base64; python3's email package decodes them
// in the end-to-end tests. Here: the branding reaches the parts, escaped.
TEST(WrapperTest, BrandingAndLogo) {
  WrapperOptions o{"id9", "Encrypt", "https://portal.example"};
  o.branding.read_button_text = "Open <now>";
  o.branding.email_text = "Questions? Call us.";
  o.branding.logo = std::string("\x89PNG\r\n\x1a\nlogo", 12);
  o.branding.logo_type = "image/png";
  o.expires_at = 1'800'000'000;
  auto mail = BuildWrapperMail(kOriginal, "SEALPOST\x01", o);
  ASSERT_TRUE(mail.ok());
  EXPECT_NE(mail->find("multipart/related"), std::string::npos);
  EXPECT_NE(mail->find("Content-ID: <logo@sealpost>"), std::string::npos);
  auto html = ExtractPart(*mail, "text/html");
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_NE(html->find("Open &lt;now&gt;"), std::string::npos);
  EXPECT_NE(html->find("href=\"https://portal.example/m/id9\""),
            std::string::npos);
  EXPECT_NE(html->find("Questions? Call us."), std::string::npos);
  EXPECT_NE(html->find("cid:logo@sealpost"), std::string::npos);
  EXPECT_NE(html->find("expires on 15 January 2027"), std::string::npos);
  auto text = ExtractPart(*mail, "text/plain");
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Open <now>:\r\nhttps://portal.example/m/id9\r\n"),
            std::string::npos);
}

// An unset branding field leaves no empty link or line behind.
TEST(WrapperTest, UnsetBrandingFieldsLeaveNoEmptyLinks) {
  WrapperOptions o{"id7", "Encrypt", "https://portal.example"};
  auto mail = BuildWrapperMail(kOriginal, "SEALPOST\x01", o);
  ASSERT_TRUE(mail.ok());
  auto html = ExtractPart(*mail, "text/html");
  auto text = ExtractPart(*mail, "text/plain");
  ASSERT_TRUE(html.ok() && text.ok());
  EXPECT_EQ(html->find("Privacy statement"), std::string::npos);
  EXPECT_EQ(html->find("href=\"\""), std::string::npos);
  EXPECT_EQ(text->find("Privacy statement"), std::string::npos);
  o.branding.privacy_statement_url = "https://example.com/privacy";
  mail = BuildWrapperMail(kOriginal, "SEALPOST\x01", o);
  ASSERT_TRUE(mail.ok());
  html = ExtractPart(*mail, "text/html");
  ASSERT_TRUE(html.ok());
  EXPECT_NE(html->find("href=\"https://example.com/privacy\""),
            std::string::npos);
}

// A container read in odd slices (a body file's reads) gives the same
// attachment, line for line, as one in memory; a source that ends early
// or runs long is an error, never a wrapper with a cut container.
TEST(WrapperTest, ContainerFromSourceInSlices) {
  std::string container;
  for (int i = 0; i < 300'000; ++i) container += static_cast<char>(i * 7);
  WrapperOptions o{"abc123", "Do Not Forward", "https://127.0.0.1:8443"};
  // The container in slices of `step` bytes, said to be `size` bytes long.
  auto wrap_in_slices = [&](size_t size, size_t step) {
    StringSource source(container, step);
    return BuildWrapperMail(kOriginal, size, &source, o);
  };
  auto whole = BuildWrapperMail(kOriginal, std::string_view(container), o);
  auto sliced = wrap_in_slices(container.size(), 1000);
  ASSERT_TRUE(whole.ok() && sliced.ok()) << sliced.status().ToString();
  auto back = ExtractSealedAttachment(*sliced);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, container);
  // The same lines: only the random boundaries differ.
  size_t a = whole->find("name=\"message.sealed\"");
  size_t b = sliced->find("name=\"message.sealed\"");
  ASSERT_NE(a, std::string::npos);
  EXPECT_EQ(whole->substr(a, container.size() * 4 / 3),
            sliced->substr(b, container.size() * 4 / 3));
  EXPECT_EQ(wrap_in_slices(container.size() + 1, 999).status().code(),
            StatusCode::kInternal);
  EXPECT_EQ(wrap_in_slices(container.size() - 1, 999).status().code(),
            StatusCode::kInternal);
  // No source to read from is an error, never a wrapper without its
  // container.
  EXPECT_EQ(
      BuildWrapperMail(kOriginal, container.size(), nullptr, o).status().code(),
      StatusCode::kInternal);
  // Not read at all for a wrapper without the container.
  o.attach_container = false;
  class Never : public ByteSource {
    Status Restart() override { return Status::Ok(); }
    Result<size_t> Read(size_t, std::string*) override {
      ADD_FAILURE() << "read without an attachment";
      return size_t{0};
    }
  } never;
  EXPECT_TRUE(BuildWrapperMail(kOriginal, container.size(), &never, o).ok());
  EXPECT_TRUE(BuildWrapperMail(kOriginal, container.size(), nullptr, o).ok());
}

// A container in slices of 7000 bytes that counts the passes over it
// (reads from its first byte) and gives at most *give bytes in a pass.
class PassCountingSource : public ByteSource {
 public:
  PassCountingSource(const std::string& bytes, int* passes, const size_t* give)
      : bytes_(bytes), passes_(passes), give_(give) {}
  Status Restart() override {
    at_ = 0;
    return Status::Ok();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    if (at_ == 0) ++*passes_;
    size_t limit = std::min(*give_, bytes_.size());
    size_t n = std::min({max, size_t{7000}, limit - std::min(at_, limit)});
    out->append(bytes_, at_, n);
    at_ += n;
    return n;
  }

 private:
  const std::string& bytes_;  // the test's; outlives the source
  int* passes_;
  const size_t* give_;
  size_t at_ = 0;
};

// The wrapper made as it is sent: its seal covers what is sent, byte for
// byte the digest of the body, and the container inside is the one given.
TEST(WrapperTest, StreamedWrapperIsSealedAndCarriesTheContainer) {
  std::string container;
  for (int i = 0; i < 200'003; ++i) container += static_cast<char>(i * 13);
  WrapperOptions o{"abc123", "Do Not Forward", "https://127.0.0.1:8443"};
  std::string sealed_header, sealed_digest;
  o.seal_digest = [&](std::string_view header, std::string_view digest) {
    sealed_header = std::string(header);
    sealed_digest = std::string(digest);
    return Result<std::string>(std::string("; k=1; seal=AAAA"));
  };
  int opens = 0;
  const size_t give = container.size();
  auto open = [&]() {
    return std::make_unique<PassCountingSource>(container, &opens, &give);
  };
  auto stream = BuildWrapperStream(kOriginal, container.size(), open(), o);
  ASSERT_TRUE(stream.ok()) << stream.status().ToString();
  EXPECT_EQ(opens, 1);  // read once for the seal
  std::string mail;
  for (;;) {
    auto n = (*stream)->Next(5000, &mail);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    ASSERT_LE(*n, 5000u);
    if (*n == 0) break;
  }
  EXPECT_EQ(opens, 2);
  EXPECT_EQ(static_cast<int64_t>(mail.size()), (*stream)->size());
  size_t end = mail.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  std::string body = mail.substr(end + 4);
  sealed::CanonicalBodyHasher h;
  h.Update(body);
  EXPECT_EQ(h.Finish(), sealed_digest);
  EXPECT_TRUE(mail.starts_with(sealed_header));
  EXPECT_NE(mail.find("X-Sealpost-Protected: v1; id=abc123; "
                      "template=\"Do Not Forward\"; k=1; seal=AAAA\r\n"),
            std::string::npos);
  auto back = ExtractSealedAttachment(mail);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, container);
  EXPECT_EQ(*RawHeader(mail, "Subject"), "=?UTF-8?B?w6l0w6k=?= plans");
  // Only a digest seal: the whole-body one would need the whole body.
  WrapperOptions whole = o;
  whole.seal_digest = nullptr;
  whole.seal = [](std::string_view, std::string_view) {
    return Result<std::string>(std::string());
  };
  EXPECT_FALSE(
      BuildWrapperStream(kOriginal, container.size(), open(), whole).ok());
}

// A container that is not the one sealed when it is read again: the
// stream fails rather than send something else under the seal.
TEST(WrapperTest, StreamedWrapperRefusesAChangedContainer) {
  std::string container(100'000, 'c');
  WrapperOptions o{"abc123", "Encrypt", "https://127.0.0.1:8443"};
  o.seal_digest = [](std::string_view, std::string_view) {
    return Result<std::string>(std::string());
  };
  size_t give = container.size();
  int passes = 0;
  auto stream = BuildWrapperStream(
      kOriginal, container.size(),
      std::make_unique<PassCountingSource>(container, &passes, &give), o);
  ASSERT_TRUE(stream.ok());
  give = container.size() - 1;  // shorter the second time
  std::string mail;
  Status failed;
  for (;;) {
    auto n = (*stream)->Next(1 << 20, &mail);
    if (!n.ok()) {
      failed = n.status();
      break;
    }
    if (*n == 0) break;
  }
  EXPECT_EQ(failed.code(), StatusCode::kInternal);
}

// A parse over the budget holds part of the message only: the container
// is not looked for in it (`sealpost open` falls back to this reader).
TEST(WrapperTest, ExtractionRefusesAParseOverTheBudget) {
  std::string mail =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n";
  for (int i = 0; i < 100'000; ++i) mail += "--b\r\n\r\n";
  mail += "--b--\r\n";
  auto extracted = ExtractSealedAttachment(mail);
  ASSERT_FALSE(extracted.ok());
  EXPECT_EQ(extracted.status().message(), kHeadersOverLimitMessage);
}

TEST(WrapperTest, NoAttachment) {
  auto r = ExtractSealedAttachment(kOriginal);
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(ExtractSealedAttachment("").ok());
}

}  // namespace
}  // namespace sealpost::mime
