#include "mime/part_stream.h"

#include <gtest/gtest.h>

#include <string>

#include "base/encoding.h"
#include "mime/facts.h"
#include "mime/parsed_message.h"
#include "mime/view.h"

namespace sealpost::mime {
namespace {

// A message in memory behind the ByteSource interface, in small slices, so
// the parser and the part reader cross slice boundaries; counts restarts
// and bytes read, and can fail after `fail_after` bytes.
class StringSource : public ByteSource {
 public:
  StringSource(std::string bytes, int* restarts, int64_t* read)
      : bytes_(std::move(bytes)), restarts_(restarts), read_(read) {}
  Status Restart() override {
    ++*restarts_;
    at_ = 0;
    if (cut_on_restart_ > 0 && *restarts_ == cut_at_restart_) {
      bytes_.resize(cut_on_restart_);
    }
    return Status::Ok();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    if (fail_after_ >= 0 && at_ >= static_cast<size_t>(fail_after_)) {
      return InvalidArgumentError("decryption failed");
    }
    size_t n = std::min({max, slice_, bytes_.size() - at_});
    out->append(bytes_, at_, n);
    at_ += n;
    *read_ += static_cast<int64_t>(n);
    return n;
  }
  int64_t fail_after_ = -1;
  size_t slice_ = 1000;
  size_t cut_on_restart_ = 0;  // the source shrinks to this ...
  int cut_at_restart_ = 1;     // ... on this restart

 private:
  std::string bytes_;
  size_t at_ = 0;
  int* restarts_;
  int64_t* read_;
};

std::string Binary(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + 7) % 256);
  return s;
}

std::string Wrapped(std::string_view data) {
  std::string b64 = Base64Encode(AsBytes(data)), out;
  for (size_t i = 0; i < b64.size(); i += 76) {
    out += b64.substr(i, 76) + "\r\n";
  }
  return out;
}

std::string Message(const std::string& blob) {
  return "From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n"
         "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
         "boundary=\"b\"\r\n"
         "\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
         "--b\r\nContent-Type: application/octet-stream\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; filename=\"data.bin\"\r\n\r\n" +
         Wrapped(blob) +
         "--b\r\nContent-Type: text/csv\r\n"
         "Content-Transfer-Encoding: quoted-printable\r\n"
         "Content-Disposition: attachment; filename=\"t.csv\"\r\n\r\n"
         "a=3Db,caf=C3=A9\r\nlong line=\r\n continues\r\n"
         "--b\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
         "Content-Transfer-Encoding: base64\r\n"
         "Content-Disposition: attachment; "
         "filename=\"message.sealed\"\r\n\r\n" +
         Wrapped("SEALPOST sealed bytes") + "--b--\r\n";
}

std::string ReadAll(PartStream& p, Status* status) {
  std::string out;
  for (;;) {
    auto n = p.Read(4096, &out);
    if (!n.ok()) {
      *status = n.status();
      return out;
    }
    if (*n == 0) return out;
  }
}

TEST(PartStreamTest, GivesWhatPartContentGivesInThreePasses) {
  const std::string blob = Binary(300 * 1024);
  const std::string mail = Message(blob);
  for (int index : {1, 2}) {
    int restarts = 0;
    int64_t read = 0;
    auto part =
        OpenPart(std::make_unique<StringSource>(mail, &restarts, &read), index);
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    auto whole = PartContent(mail, index);
    ASSERT_TRUE(whole.ok());
    EXPECT_EQ((*part)->filename(), whole->filename);
    EXPECT_EQ((*part)->content_type(), whole->content_type);
    EXPECT_EQ((*part)->size(), static_cast<int64_t>(whole->bytes.size()));
    Status status;
    std::string got = ReadAll(**part, &status);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_EQ(got, whole->bytes);
    if (index == 1) {
      EXPECT_EQ(got, blob);
    }
    // The parse, the count and the read: no pass per slice or per seek.
    // The content was read from the source again, never copied: a restart
    // to count it (and one to read it, unless still in the slice at hand).
    EXPECT_GE(restarts, 1);
    EXPECT_LE(restarts, 2);
    EXPECT_LE(read, 3 * static_cast<int64_t>(mail.size()));
  }
}

TEST(PartStreamTest, LargePartInLargeSlices) {
  // Several of GMime's read buffers and of the source's slices.
  const std::string blob = Binary(5 * 1024 * 1024 + 77);
  const std::string mail = Message(blob);
  for (size_t slice : {size_t{4096}, size_t{65536}, size_t{1 << 20}}) {
    int restarts = 0;
    int64_t read = 0;
    auto src = std::make_unique<StringSource>(mail, &restarts, &read);
    src->slice_ = slice;
    auto part = OpenPart(std::move(src), 1);
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    EXPECT_EQ((*part)->size(), static_cast<int64_t>(blob.size())) << slice;
    Status status;
    std::string got = ReadAll(**part, &status);
    ASSERT_TRUE(status.ok()) << status.ToString();
    EXPECT_TRUE(got == blob) << slice << " " << got.size();
  }
}

TEST(PartStreamTest, MissingPartAndNotAMessage) {
  int restarts = 0;
  int64_t read = 0;
  auto none = OpenPart(
      std::make_unique<StringSource>(Message("x"), &restarts, &read), 9);
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  auto negative = OpenPart(
      std::make_unique<StringSource>(Message("x"), &restarts, &read), -1);
  EXPECT_EQ(negative.status().code(), StatusCode::kNotFound);
}

// The parse has ParsedMessage's budget: a message of 100,000 header-less
// parts (131 MB of GMime objects unpriced) is refused, not parsed whole,
// for a portal download or `sealpost open` as for the gateway.
TEST(PartStreamTest, MessageOverTheParseBudgetIsRefused) {
  std::string mail =
      "Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 100'000; ++i) mail += "--b\r\n\r\n";
  mail += "--b--\r\n";
  int restarts = 0;
  int64_t read = 0;
  auto part =
      OpenPart(std::make_unique<StringSource>(mail, &restarts, &read), 1);
  ASSERT_FALSE(part.ok());
  EXPECT_EQ(part.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(part.status().message(), kHeadersOverLimitMessage);
  EXPECT_LT(read, static_cast<int64_t>(mail.size()));
  // The sealed attachment of a wrapper (the spooled inspection's and
  // `sealpost open`'s reader) likewise, though it comes first.
  std::string wrapper =
      "Subject: w\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAAA\r\n";
  for (int i = 0; i < 100'000; ++i) wrapper += "--b\r\n\r\n";
  wrapper += "--b--\r\n";
  auto sealed = OpenSealedAttachment(
      std::make_unique<StringSource>(wrapper, &restarts, &read));
  ASSERT_FALSE(sealed.ok());
  EXPECT_EQ(sealed.status().message(), kHeadersOverLimitMessage);
}

TEST(PartStreamTest, SourceFaultDuringTheParseFailsBeforeAnyByte) {
  int restarts = 0;
  int64_t read = 0;
  const std::string mail = Message(Binary(100 * 1024));
  auto src = std::make_unique<StringSource>(mail, &restarts, &read);
  // Past the attachment's start: the fault is at the end, yet Open fails.
  src->fail_after_ = static_cast<int64_t>(mail.size()) - 10;
  auto part = OpenPart(std::move(src), 1);
  ASSERT_FALSE(part.ok());
  EXPECT_EQ(part.status().message(), "decryption failed");
}

TEST(PartStreamTest, SourceCutShortAfterTheParseFailsTheRead) {
  // The bytes change under the reader after the parse (a file replaced):
  // the part's read fails instead of ending early or giving other bytes.
  const std::string mail = Message(Binary(200 * 1024));
  int restarts = 0;
  int64_t read = 0;
  auto src = std::make_unique<StringSource>(mail, &restarts, &read);
  src->cut_on_restart_ = mail.size() / 2;  // inside the attachment
  src->cut_at_restart_ = 2;                // the read, after the count
  auto part = OpenPart(std::move(src), 1);
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  Status status;
  std::string got = ReadAll(**part, &status);
  EXPECT_EQ(status.code(), StatusCode::kDataLoss) << status.ToString();
  EXPECT_LT(got.size(), static_cast<size_t>((*part)->size()));
  // Cut on the count pass instead: refused before any byte.
  restarts = 0;
  auto early = std::make_unique<StringSource>(mail, &restarts, &read);
  early->cut_on_restart_ = mail.size() / 2;
  early->cut_at_restart_ = 1;
  EXPECT_EQ(OpenPart(std::move(early), 1).status().code(),
            StatusCode::kDataLoss);
}

// The top-level part's content through a parse over a source: what the
// in-memory facts decode (MailFacts::smime_content) for each transfer
// encoding, one more pass over the source; a source that fails or is cut
// short on that pass fails the read (never an end: the S/MIME verdict
// would take a cut body for the content); no leaf is NOT_FOUND.
TEST(PartStreamTest, TopLevelContentIsWhatTheFactsDecode) {
  const std::string blob = Binary(150 * 1024);
  auto single = [](std::string_view encoding, std::string_view body) {
    return "From: a@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
           "Content-Type: application/pkcs7-mime; smime-type=enveloped-data"
           "\r\nContent-Transfer-Encoding: " +
           std::string(encoding) + "\r\n\r\n" + std::string(body);
  };
  std::string qp;
  for (unsigned char c : blob.substr(0, 3000)) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    qp += {'=', kHex[c >> 4], kHex[c & 15]};
    if (qp.size() % 72 == 0) qp += "=\r\n";
  }
  for (const std::string& mail :
       {single("base64", Wrapped(blob)), single("binary", blob),
        single("quoted-printable", qp), single("base64", "")}) {
    SCOPED_TRACE(mail.substr(0, 140));
    auto facts = ExtractFacts(mail);
    ASSERT_TRUE(facts.ok());
    int restarts = 0;
    int64_t read = 0;
    ParsedMessage parsed(
        std::make_unique<StringSource>(mail, &restarts, &read));
    auto content = OpenTopLevelContent(parsed);
    ASSERT_TRUE(content.ok()) << content.status().ToString();
    std::string got;
    for (;;) {
      auto n = (*content)->Read(4096, &got);
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      if (*n == 0) break;
    }
    EXPECT_TRUE(got == facts->smime_content)
        << got.size() << " " << facts->smime_content.size();
    EXPECT_LE(restarts, 1);
    // Again from its first byte.
    ASSERT_TRUE((*content)->Restart().ok());
    std::string again;
    while (true) {
      auto n = (*content)->Read(100'000, &again);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
    }
    EXPECT_TRUE(again == got);
  }
  const std::string mail = single("base64", Wrapped(blob));
  for (bool cut : {false, true}) {
    SCOPED_TRACE(cut);
    int restarts = 0;
    int64_t read = 0;
    auto src = std::make_unique<StringSource>(mail, &restarts, &read);
    StringSource* raw = src.get();
    if (cut) {
      src->cut_on_restart_ = mail.size() / 2;
      src->cut_at_restart_ = 1;
    }
    ParsedMessage parsed(std::move(src));
    ASSERT_TRUE(parsed.source_status().ok());
    // Read back after the parse: fails half-way.
    if (!cut) raw->fail_after_ = static_cast<int64_t>(mail.size()) / 2;
    auto content = OpenTopLevelContent(parsed);
    ASSERT_TRUE(content.ok());
    std::string got;
    Status status;
    for (;;) {
      auto n = (*content)->Read(4096, &got);
      if (!n.ok()) {
        status = n.status();
        break;
      }
      if (*n == 0) break;
    }
    EXPECT_FALSE(status.ok());
    EXPECT_EQ(status.ToString(), parsed.source_status().ToString());
    EXPECT_EQ(status.code(),
              cut ? StatusCode::kDataLoss : StatusCode::kInvalidArgument);
  }
  const std::string mixed = Message("x");
  ParsedMessage multipart(mixed);
  EXPECT_EQ(OpenTopLevelContent(multipart).status().code(),
            StatusCode::kNotFound);
  ParsedMessage nothing(std::string_view(""));
  EXPECT_EQ(OpenTopLevelContent(nothing).status().code(),
            StatusCode::kNotFound);
}

// The content holds the source's cursor, not the parse: moved from, a
// parse says OK whatever its source did (it has no cursor left), and
// destroyed, it is gone; the read still fails with the source's fault.
TEST(PartStreamTest, TopLevelContentOutlivesItsParse) {
  const std::string blob = Binary(150 * 1024);
  const std::string mail =
      "From: a@example.com\r\nMIME-Version: 1.0\r\n"
      "Content-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      Wrapped(blob);
  auto read_all = [](ByteSource& content, Status* status) {
    std::string got;
    for (;;) {
      auto n = content.Read(4096, &got);
      if (!n.ok()) {
        *status = n.status();
        return got;
      }
      if (*n == 0) return got;
    }
  };
  for (bool destroy : {false, true}) {
    SCOPED_TRACE(destroy);
    for (bool fail : {false, true}) {
      SCOPED_TRACE(fail);
      int restarts = 0;
      int64_t read = 0;
      auto src = std::make_unique<StringSource>(mail, &restarts, &read);
      StringSource* raw = src.get();
      auto parsed = std::make_unique<ParsedMessage>(std::move(src));
      auto content = OpenTopLevelContent(*parsed);
      ASSERT_TRUE(content.ok());
      ParsedMessage moved(std::move(*parsed));
      if (destroy) parsed.reset();
      if (fail) raw->fail_after_ = static_cast<int64_t>(mail.size()) / 2;
      Status status;
      std::string got = read_all(**content, &status);
      if (!fail) {
        EXPECT_TRUE(status.ok()) << status.ToString();
        EXPECT_TRUE(got == blob) << got.size();
        continue;
      }
      EXPECT_EQ(status.code(), StatusCode::kInvalidArgument)
          << status.ToString();
      EXPECT_EQ(status.message(), "decryption failed");
      // The parse it moved to says so too (what SpoolReadBack reads).
      EXPECT_EQ(moved.source_status().ToString(), status.ToString());
    }
  }
}

// A read of 0 bytes is no end: 0 at once, and the content reads on.
TEST(PartStreamTest, ReadOfZeroBytesReturnsAtOnce) {
  const std::string blob = Binary(20 * 1024);
  const std::string single =
      "From: a@example.com\r\nMIME-Version: 1.0\r\n"
      "Content-Type: application/octet-stream\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      Wrapped(blob);
  int restarts = 0;
  int64_t read = 0;
  ParsedMessage parsed(
      std::make_unique<StringSource>(single, &restarts, &read));
  auto content = OpenTopLevelContent(parsed);
  ASSERT_TRUE(content.ok());
  std::string got = "x";
  auto zero = (*content)->Read(0, &got);
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, 0u);
  EXPECT_EQ(got, "x");
  got.clear();
  for (;;) {
    auto n = (*content)->Read(4096, &got);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    ASSERT_TRUE((*content)->Read(0, &got).ok());
  }
  EXPECT_TRUE(got == blob) << got.size();

  auto part = OpenPart(
      std::make_unique<StringSource>(Message(blob), &restarts, &read), 1);
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  std::string bytes;
  auto none = (*part)->Read(0, &bytes);
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, 0u);
  Status status;
  bytes = ReadAll(**part, &status);
  EXPECT_TRUE(status.ok()) << status.ToString();
  EXPECT_TRUE(bytes == blob) << bytes.size();
}

TEST(PartStreamTest, FindsTheSealedAttachment) {
  int restarts = 0;
  int64_t read = 0;
  auto part = OpenSealedAttachment(
      std::make_unique<StringSource>(Message("x"), &restarts, &read));
  ASSERT_TRUE(part.ok()) << part.status().ToString();
  Status status;
  EXPECT_EQ(ReadAll(**part, &status), "SEALPOST sealed bytes");
  EXPECT_TRUE(status.ok());
  auto none = OpenSealedAttachment(std::make_unique<StringSource>(
      "From: a@b\r\nSubject: x\r\n\r\nbody\r\n", &restarts, &read));
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sealpost::mime
