#include <gtest/gtest.h>

#include <algorithm>
#include <optional>

#include "base/string_source.h"
#include "crypto/errors.h"
#include "crypto/format_vectors_for_testing.h"
#include "crypto/key_hierarchy.h"
#include "sealed/container.h"
#include "sealed/seal.h"
#include "sealed/sealed_reader.h"
#include "sealed/sealed_writer.h"
#include "sealed/test_seal_for_testing.h"

namespace sealpost::sealed {
namespace {

using crypto::DecryptionFailedError;
using crypto::kStreamCiphertextSegmentSize;
using crypto::kStreamHeaderSize;
using testing::Pattern;

constexpr char kMessage[] =
    "From: alice@example.com\r\nTo: bob@example.org\r\nSubject: hi\r\n"
    "Content-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9 \x00 ok\r\n";

class SealedTest : public ::testing::Test {
 protected:
  void SetUp() override { keys_ = testing::FixedKeys(); }
  PublishingLicense License(std::string message_id = "m-1") const {
    return testing::AliceToBob(std::move(message_id), {"VIEW", "FORWARD"});
  }
  std::string SealMessage(std::string_view message,
                          std::string message_id = "m-1") const {
    auto c = SealWithKeys(License(std::move(message_id)), *keys_, message);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }
  Status OpenStatus(std::string_view container) const {
    return OpenWithKeys(container, *keys_).status();
  }
  std::unique_ptr<crypto::KeyHierarchy> keys_;
};

const std::string kMsg(kMessage, sizeof(kMessage) - 1);

TEST_F(SealedTest, RoundTripIsByteFaithful) {
  std::string c = SealMessage(kMsg);
  EXPECT_TRUE(LooksSealed(c));
  EXPECT_TRUE(c.starts_with("SEALPOST\x01"));
  EXPECT_EQ(c.find("caf\xe9"), std::string::npos);
  auto opened = OpenWithKeys(c, *keys_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->message, kMsg);
  EXPECT_EQ(opened->license.grants, License().grants);
  EXPECT_EQ(opened->license.key_version, 1u);
}

TEST_F(SealedTest, StreamedSealOpensAsTheWholeOne) {
  std::string message = kMsg;
  while (message.size() < 300'000) message += message;
  StringSource source(message, 10'000);
  std::string container;
  size_t pieces = 0;
  auto header = SealWithKeysStreamed(License(), *keys_, source,
                                     [&](std::string_view bytes) {
                                       container += bytes;
                                       ++pieces;
                                       return Status::Ok();
                                     });
  ASSERT_TRUE(header.ok()) << header.status().ToString();
  EXPECT_GT(pieces, 2u);  // handed on as it was made, not at the end
  EXPECT_TRUE(container.starts_with(*header));
  auto parsed = ParseSealedHeader(*header);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->license.message_id, "m-1");
  auto opened = OpenWithKeys(container, *keys_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->message, message);
  // The sink's error stops the seal.
  ASSERT_TRUE(source.Restart().ok());
  EXPECT_EQ(SealWithKeysStreamed(
                License(), *keys_, source,
                [](std::string_view) { return ResourceExhaustedError("full"); })
                .status()
                .code(),
            StatusCode::kResourceExhausted);
}

TEST_F(SealedTest, EmptyMessage) {
  auto opened = OpenWithKeys(SealMessage(""), *keys_);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->message, "");
}

TEST_F(SealedTest, LicenseReadableWithoutKeys) {
  std::string c = SealMessage(kMsg);
  auto header = ParseSealedHeader(c);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->license.owner, "alice@example.com");
  EXPECT_EQ(header->size, kPrefixSize + header->license_bytes().size() + 64);
  EXPECT_EQ(*SerializeLicense(header->license), header->license_bytes());
  EXPECT_TRUE(VerifySealedHeader(*header, *keys_->GetVerifier(1)).ok());
  EXPECT_EQ(
      VerifySealedHeader(*header, *crypto::Signer::Generate().GetVerifier()),
      DecryptionFailedError());
}

// A header verified once is remembered; a changed byte in the signed
// bytes or the signature, or another key, is still checked and refused.
TEST_F(SealedTest, RememberedVerificationCoversOnlyTheSameBytesAndKey) {
  std::string c = SealMessage(kMsg);
  auto header = ParseSealedHeader(c);
  ASSERT_TRUE(header.ok());
  auto verifier = keys_->GetVerifier(1);
  ASSERT_TRUE(VerifySealedHeader(*header, *verifier).ok());
  ASSERT_TRUE(VerifySealedHeader(*header, *verifier).ok());
  SealedHeader changed_bytes = *header;
  changed_bytes.signed_header.back() ^= 0x01;
  EXPECT_EQ(VerifySealedHeader(changed_bytes, *verifier),
            DecryptionFailedError());
  SealedHeader changed_signature = *header;
  changed_signature.signature[10] ^= 0x01;
  EXPECT_EQ(VerifySealedHeader(changed_signature, *verifier),
            DecryptionFailedError());
  EXPECT_EQ(
      VerifySealedHeader(*header, *crypto::Signer::Generate().GetVerifier()),
      DecryptionFailedError());
  // Opening the container still works after all of that.
  EXPECT_EQ(OpenWithKeys(c, *keys_)->message, kMsg);
}

TEST_F(SealedTest, OldKeyVersionStillOpensAfterRotation) {
  std::string before = SealMessage(kMsg);
  ASSERT_TRUE(keys_->Rotate().ok());
  std::string after = SealMessage(kMsg);
  EXPECT_EQ(ParseSealedHeader(after)->license.key_version, 2u);
  EXPECT_EQ(OpenWithKeys(before, *keys_)->message, kMsg);
  EXPECT_EQ(OpenWithKeys(after, *keys_)->message, kMsg);
}

TEST_F(SealedTest, FlippedBitAnywhereFails) {
  std::string c = SealMessage(kMsg);
  for (size_t i = 0; i < c.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::string bad = c;
      bad[i] ^= static_cast<char>(1 << bit);
      Status s = OpenStatus(bad);
      ASSERT_FALSE(s.ok()) << i << ":" << bit;
      // Magic and version get a precise message; everything after them the
      // one generic error.
      if (i >= kMagic.size() + 1) {
        ASSERT_EQ(s, DecryptionFailedError()) << i << ":" << bit;
      }
    }
  }
}

TEST_F(SealedTest, SwappedLicenseFails) {
  std::string a = SealMessage("message A", "m-a");
  std::string b = SealMessage("message B", "m-b");
  size_t ha = ParseSealedHeader(a)->size, hb = ParseSealedHeader(b)->size;
  // B's genuine, validly signed header in front of A's body.
  EXPECT_EQ(OpenStatus(b.substr(0, hb) + a.substr(ha)),
            DecryptionFailedError());
  // A's license with B's signature.
  EXPECT_EQ(OpenStatus(a.substr(0, ha - 64) + b.substr(hb - 64)),
            DecryptionFailedError());
  // Same message id, same key, new container: bodies do not move either.
  std::string a2 = SealMessage("message A", "m-a");
  EXPECT_EQ(OpenStatus(a.substr(0, ha) + a2.substr(ha)),
            DecryptionFailedError());
}

TEST_F(SealedTest, WrongOrgKeysFail) {
  std::string c = SealMessage(kMsg);
  auto other =
      std::move(crypto::KeyHierarchy::Create(crypto::MasterKey::Generate()))
          .value();
  EXPECT_EQ(OpenWithKeys(c, *other).status(), DecryptionFailedError());
  auto header = ParseSealedHeader(c);
  auto ck = keys_->UnwrapContentKey(header->license.wrapped_content_key,
                                    header->license.message_id);
  ASSERT_TRUE(ck.ok());
  EXPECT_EQ(Open(c, *keys_->GetVerifier(1), *ck)->message, kMsg);
  EXPECT_EQ(
      Open(c, *keys_->GetVerifier(1), crypto::KeyHierarchy::NewContentKey())
          .status(),
      DecryptionFailedError());
}

class SealedStreamTest : public SealedTest {
 protected:
  void SetUp() override {
    SealedTest::SetUp();
    message_ = Pattern(3 * 65536 + 1234);  // 4 segments
    container_ = SealMessage(message_);
    header_size_ = ParseSealedHeader(container_)->size;
  }
  std::string Segment(size_t i) const {
    return container_.substr(
        header_size_ + kStreamHeaderSize + i * kStreamCiphertextSegmentSize,
        kStreamCiphertextSegmentSize);
  }
  std::string Prefix() const {
    return container_.substr(0, header_size_ + kStreamHeaderSize);
  }
  std::string message_, container_;
  size_t header_size_ = 0;
};

TEST_F(SealedStreamTest, TruncationFails) {
  for (size_t cut :
       {size_t{0}, size_t{5}, size_t{12}, header_size_ - 1, header_size_,
        header_size_ + kStreamHeaderSize,
        header_size_ + kStreamHeaderSize + kStreamCiphertextSegmentSize,
        header_size_ + kStreamHeaderSize + 3 * kStreamCiphertextSegmentSize,
        container_.size() - 1}) {
    Status s = OpenStatus(container_.substr(0, cut));
    EXPECT_EQ(s, DecryptionFailedError()) << cut;
  }
}

TEST_F(SealedStreamTest, ReorderedOrDroppedSegmentsFail) {
  std::string last = container_.substr(header_size_ + kStreamHeaderSize +
                                       3 * kStreamCiphertextSegmentSize);
  EXPECT_EQ(OpenStatus(Prefix() + Segment(1) + Segment(0) + Segment(2) + last),
            DecryptionFailedError());
  EXPECT_EQ(OpenStatus(Prefix() + Segment(0) + Segment(2) + last),
            DecryptionFailedError());
  EXPECT_EQ(OpenStatus(Prefix() + Segment(0) + Segment(1) + Segment(2) +
                       Segment(2) + last),
            DecryptionFailedError());
  EXPECT_EQ(OpenStatus(container_ + "\n"), DecryptionFailedError());
  EXPECT_EQ(OpenStatus(Prefix() + Segment(0) + Segment(1) + Segment(2) + last),
            Status::Ok());
}

TEST_F(SealedStreamTest, ReaderAcceptsAnyChunking) {
  for (size_t chunk : {size_t{1}, size_t{7}, size_t{4096}, size_t{70000}}) {
    SealedReader r;
    size_t pos = 0;
    while (!r.has_header() && pos < container_.size()) {
      ASSERT_TRUE(r.Update(container_.substr(pos, chunk)).ok());
      pos += chunk;
    }
    ASSERT_TRUE(r.has_header());
    EXPECT_EQ(r.license().message_id, "m-1");
    auto verifier = keys_->GetVerifier(r.license().key_version);
    // The key is refused until the signature is checked.
    EXPECT_FALSE(r.SetContentKey(crypto::KeyHierarchy::NewContentKey()).ok());
    ASSERT_TRUE(r.VerifySignature(*verifier).ok());
    auto ck = keys_->UnwrapContentKey(r.license().wrapped_content_key,
                                      r.license().message_id);
    ASSERT_TRUE(r.SetContentKey(*ck).ok());
    std::string out = r.TakeOutput();
    for (; pos < container_.size(); pos += chunk) {
      ASSERT_TRUE(r.Update(container_.substr(pos, chunk)).ok());
      out += r.TakeOutput();
    }
    ASSERT_TRUE(r.Finish().ok());
    out += r.TakeOutput();
    EXPECT_TRUE(out == message_) << chunk;
  }
}

TEST_F(SealedStreamTest, ReaderFailureIsSticky) {
  std::string bad = container_;
  bad[header_size_ + 100] ^= 1;
  SealedReader r;
  ASSERT_TRUE(r.Update(bad.substr(0, header_size_)).ok());
  ASSERT_TRUE(r.VerifySignature(*keys_->GetVerifier(1)).ok());
  ASSERT_TRUE(r.SetContentKey(*keys_->UnwrapContentKey(
                                  r.license().wrapped_content_key, "m-1"))
                  .ok());
  EXPECT_EQ(r.Update(bad.substr(header_size_)), DecryptionFailedError());
  EXPECT_EQ(r.TakeOutput(), "");
  EXPECT_EQ(r.Update("x"), DecryptionFailedError());
  EXPECT_EQ(r.Finish(), DecryptionFailedError());
}

// OpenStreamed over the container at `source`, read at most `max` bytes at
// a time: what it said, the plaintext it handed out, the largest read it
// asked for and how often it asked for the verifier and the key.
struct Streamed {
  Status status;
  std::string plaintext;
  size_t largest_read = 0;
  int verifier_asked = 0;
  int key_asked = 0;
};

class OpenStreamedTest : public SealedStreamTest {
 protected:
  // `read_error`, when set, is what a read says once `fail_from` bytes
  // were read.
  Streamed OpenIt(std::string_view source,
                  std::optional<SecretBytes> key = std::nullopt,
                  Status read_error = Status::Ok(), size_t fail_from = 1) {
    Streamed got;
    size_t pos = 0;
    ReadFn read = [&](size_t max, std::string* out) -> Result<size_t> {
      got.largest_read = std::max(got.largest_read, max);
      if (!read_error.ok() && pos >= fail_from) return read_error;
      size_t n = std::min({max, size_t{5000}, source.size() - pos});
      out->append(source.substr(pos, n));
      pos += n;
      return n;
    };
    StreamedOpen open;
    open.verifier = [&](const PublishingLicense& license,
                        std::string_view header) {
      ++got.verifier_asked;
      EXPECT_EQ(header, source.substr(0, header_size_));
      return keys_->GetVerifier(license.key_version);
    };
    open.content_key = [&](const PublishingLicense& license) {
      ++got.key_asked;
      if (key.has_value()) return Result<SecretBytes>(*key);
      return keys_->UnwrapContentKey(license.wrapped_content_key,
                                     license.message_id);
    };
    open.plaintext = [&](std::string_view p) {
      got.plaintext += p;
      return Status::Ok();
    };
    open.slice = 4096;
    got.status = OpenStreamed(read, open);
    return got;
  }
};

TEST_F(OpenStreamedTest, OpensAGoodContainerASliceAtATime) {
  Streamed got = OpenIt(container_);
  ASSERT_TRUE(got.status.ok()) << got.status.ToString();
  EXPECT_TRUE(got.plaintext == message_);
  EXPECT_EQ(got.largest_read, 4096u);
  EXPECT_EQ(got.key_asked, 1);
}

TEST_F(OpenStreamedTest, ACutContainerIsAFault) {
  for (size_t cut :
       {size_t{0}, size_t{12}, header_size_ - 1, header_size_,
        header_size_ + kStreamHeaderSize + kStreamCiphertextSegmentSize,
        container_.size() - 1}) {
    Streamed got = OpenIt(std::string_view(container_).substr(0, cut));
    EXPECT_TRUE(IsContainerFault(got.status)) << cut;
    // One status whatever the fault: it tells nothing of why.
    EXPECT_EQ(got.status.code(), DecryptionFailedError().code());
    EXPECT_EQ(got.status.message(), DecryptionFailedError().message());
    EXPECT_EQ(got.status, OpenIt(container_.substr(0, 5)).status);
    // Only authenticated bytes, never the last segment's (withheld until
    // the end authenticates).
    EXPECT_LT(got.plaintext.size(), message_.size()) << cut;
    EXPECT_TRUE(got.plaintext == message_.substr(0, got.plaintext.size()))
        << cut;
  }
}

TEST_F(OpenStreamedTest, AFlippedByteIsAFaultAndNoKeyIsAskedForAForgedOne) {
  std::string in_license = container_, in_stream = container_;
  // A byte of the owner's address: the license still parses, so only its
  // signature can tell.
  const size_t owner = in_license.find("alice@example.com");
  ASSERT_NE(owner, std::string::npos);
  ASSERT_LT(owner, header_size_);
  in_license[owner + 2] ^= 1;
  ASSERT_TRUE(ParseSealedHeader(in_license).ok());
  in_stream[header_size_ + 2 * kStreamCiphertextSegmentSize] ^= 1;
  Streamed forged = OpenIt(in_license);
  EXPECT_TRUE(IsContainerFault(forged.status));
  EXPECT_EQ(forged.verifier_asked, 1);
  EXPECT_EQ(forged.key_asked, 0) << "the signature is checked first";
  EXPECT_EQ(forged.plaintext, "");
  Streamed changed = OpenIt(in_stream);
  EXPECT_TRUE(IsContainerFault(changed.status));
  EXPECT_EQ(changed.status, OpenIt(in_license).status);
  EXPECT_LT(changed.plaintext.size(), message_.size());
  EXPECT_TRUE(changed.plaintext ==
              message_.substr(0, changed.plaintext.size()));
}

TEST_F(OpenStreamedTest, AWrongKeyIsAFault) {
  Streamed got = OpenIt(container_, crypto::KeyHierarchy::NewContentKey());
  EXPECT_TRUE(IsContainerFault(got.status));
  EXPECT_EQ(got.plaintext, "");
}

TEST_F(OpenStreamedTest, TheCallersErrorsComeBackAsTheyWere) {
  Streamed read_failed =
      OpenIt(container_, std::nullopt, UnavailableError("disk"));
  EXPECT_EQ(read_failed.status, UnavailableError("disk"));
  EXPECT_FALSE(IsContainerFault(read_failed.status));
  // A read failing in the stream, after the header and a segment or two.
  const size_t in_stream =
      header_size_ + kStreamHeaderSize + 2 * kStreamCiphertextSegmentSize;
  Streamed stream_failed =
      OpenIt(container_, std::nullopt, UnavailableError("disk"), in_stream);
  EXPECT_EQ(stream_failed.status, UnavailableError("disk"));
  EXPECT_FALSE(IsContainerFault(stream_failed.status));
  EXPECT_EQ(stream_failed.key_asked, 1);
  EXPECT_LT(stream_failed.plaintext.size(), message_.size());
  EXPECT_TRUE(stream_failed.plaintext ==
              message_.substr(0, stream_failed.plaintext.size()));

  size_t pos = 0;
  ReadFn read = [&](size_t max, std::string* out) -> Result<size_t> {
    size_t n = std::min(max, container_.size() - pos);
    out->append(container_.substr(pos, n));
    pos += n;
    return n;
  };
  StreamedOpen open;
  open.verifier = [&](const PublishingLicense&, std::string_view) {
    return keys_->GetVerifier(1);
  };
  open.content_key = [](const PublishingLicense&) -> Result<SecretBytes> {
    return PermissionDeniedError("not granted");
  };
  open.plaintext = [](std::string_view) { return Status::Ok(); };
  EXPECT_EQ(OpenStreamed(read, open), PermissionDeniedError("not granted"));
  pos = 0;
  open.verifier = [](const PublishingLicense&,
                     std::string_view) -> Result<crypto::Verifier> {
    return NotFoundError("no such key");
  };
  EXPECT_EQ(OpenStreamed(read, open), NotFoundError("no such key"));
  pos = 0;
  open.verifier = [&](const PublishingLicense&, std::string_view) {
    return keys_->GetVerifier(1);
  };
  open.content_key = [&](const PublishingLicense& license) {
    return keys_->UnwrapContentKey(license.wrapped_content_key,
                                   license.message_id);
  };
  open.plaintext = [](std::string_view) { return InternalError("full"); };
  EXPECT_EQ(OpenStreamed(read, open), InternalError("full"));
}

// ReadHeader: the header's bytes and not one more; what there was when
// they cannot begin a container; a read's error as it was.
TEST_F(OpenStreamedTest, ReadHeaderReadsTheHeaderAndNoMore) {
  size_t pos = 0;
  std::string source = container_;
  ReadFn read = [&](size_t max, std::string* out) -> Result<size_t> {
    size_t n = std::min({max, size_t{100}, source.size() - pos});
    out->append(source, pos, n);
    pos += n;
    return n;
  };
  std::string head;
  auto whole = ReadHeader(read, &head);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(*whole);
  EXPECT_EQ(head, container_.substr(0, header_size_));
  EXPECT_EQ(pos, header_size_);
  for (size_t cut : {size_t{0}, size_t{5}, header_size_ - 1}) {
    source = container_.substr(0, cut);
    pos = 0;
    head.clear();
    whole = ReadHeader(read, &head);
    ASSERT_TRUE(whole.ok());
    EXPECT_FALSE(*whole) << cut;
    EXPECT_EQ(head, source) << cut;
  }
  source = "From: a@b\r\n\r\nnot a container at all";
  pos = 0;
  head.clear();
  whole = ReadHeader(read, &head);
  ASSERT_TRUE(whole.ok());
  EXPECT_FALSE(*whole);
  ReadFn broken = [](size_t, std::string*) -> Result<size_t> {
    return UnavailableError("disk");
  };
  head.clear();
  EXPECT_EQ(ReadHeader(broken, &head).status(), UnavailableError("disk"));
}

TEST(SealedReaderTest, NotSealedAndBadVersionAreNamed) {
  SealedReader r;
  Status s = r.Update("From: a@b\r\n\r\nhello");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "not a Sealpost sealed message");
  SealedReader r2;
  s = r2.Update(std::string("SEALPOST\x07", 9));
  EXPECT_EQ(s.message(), "unsupported sealed message version 7");
  EXPECT_FALSE(LooksSealed("SEALPOS"));
}

TEST(SealedReaderTest, HugeLicenseLengthIsRefusedEarly) {
  SealedReader r;
  EXPECT_EQ(r.Update(std::string("SEALPOST\x01\x7f\xff\xff\xff", 13)),
            DecryptionFailedError());
}

TEST(SealedReaderTest, PendingCiphertextWithoutKeyIsBounded) {
  auto keys =
      std::move(crypto::KeyHierarchy::Create(crypto::MasterKey::Generate()))
          .value();
  PublishingLicense l;
  l.issuer = "i";
  l.message_id = "m";
  l.owner = "o";
  std::string big = Pattern(SealedReader::kMaxPendingBytes + 1000);
  std::string c = *SealWithKeys(l, *keys, big);
  SealedReader r;
  Status s = r.Update(c);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
}

// 5 MB through the streaming writer and reader in 64 KiB reads: neither side
// ever returns more than a segment or two per call, i.e. nothing accumulates.
TEST_F(SealedTest, FiveMegabyteStreamingRoundTrip) {
  const size_t kSize = 5 * 1024 * 1024 + 17, kChunk = 65536;
  std::string message = Pattern(kSize);
  SecretBytes ck = crypto::KeyHierarchy::NewContentKey();
  PublishingLicense l = License();
  auto wrapped = keys_->WrapContentKey(ck, l.message_id);
  l.key_version = wrapped->key_version;
  l.wrapped_content_key = wrapped->wrapped;
  SealedWriter w;
  std::string container = *w.Begin(l, *keys_->GetSigner(1), ck);
  size_t max_out = 0;
  for (size_t pos = 0; pos < kSize; pos += kChunk) {
    auto part = w.Update(std::string_view(message).substr(pos, kChunk));
    ASSERT_TRUE(part.ok());
    max_out = std::max(max_out, part->size());
    container += *part;
  }
  container += *w.Finish();
  EXPECT_LE(max_out, kStreamCiphertextSegmentSize);
  EXPECT_FALSE(w.Update("more").ok());

  SealedReader r;
  size_t pos = 0, max_plain = 0;
  std::string out;
  while (pos < container.size()) {
    ASSERT_TRUE(r.Update(std::string_view(container).substr(pos, kChunk)).ok());
    pos += kChunk;
    if (r.has_header() && out.empty() && max_plain == 0) {
      ASSERT_TRUE(r.VerifySignature(*keys_->GetVerifier(1)).ok());
      ASSERT_TRUE(r.SetContentKey(ck).ok());
      max_plain = 1;
    }
    std::string part = r.TakeOutput();
    max_plain = std::max(max_plain, part.size());
    out += part;
  }
  ASSERT_TRUE(r.Finish().ok());
  out += r.TakeOutput();
  EXPECT_LE(max_plain, 2 * crypto::kStreamSegmentSize);
  EXPECT_TRUE(out == message);
}

// The container made by python3-cryptography (tests/data/format/
// make_vectors.py, docs/format.md §6) opens with the python-made org key.
TEST(SealedVectorTest, OpensPythonContainer) {
  auto v = testing::LoadFormatVectors();
  ASSERT_FALSE(v.empty());
  auto master = crypto::MasterKey::FromFileContents(v["master_key"]);
  ASSERT_TRUE(master.ok());
  auto keys = crypto::KeyHierarchy::Load(
      std::move(master).value(),
      {crypto::WrappedOrgKey{1, v["org_v1_wrapped"], v["org_v1_public"]}});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  std::string file = testing::ReadFormatFile("container.sealed");
  EXPECT_EQ(file, v["container"]);
  auto opened = OpenWithKeys(file, **keys);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->message, v["container_message"]);
  EXPECT_EQ(opened->license.template_name, "Do Not Forward");
  EXPECT_EQ(opened->license.message_id, "m-0001");
  // And with the explicit key and public key.
  auto verifier = crypto::Verifier::FromPublicKey(v["org_v1_public"]);
  auto direct =
      Open(file, *verifier, SecretBytes::FromStringInsecure(v["content_key"]));
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->message, v["container_message"]);
}

TEST(SealedWriterTest, MisuseIsRefused) {
  SealedWriter w;
  EXPECT_FALSE(w.Update("x").ok());
  EXPECT_FALSE(w.Finish().ok());
  PublishingLicense l;  // invalid: no fields
  EXPECT_FALSE(w.Begin(l, crypto::Signer::Generate(),
                       crypto::KeyHierarchy::NewContentKey())
                   .ok());
}

}  // namespace
}  // namespace sealpost::sealed
