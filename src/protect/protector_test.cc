// The protection stage against a real SQLite store and real keys: what a
// sender or an outsider can make it do with headers, parts and ids (issue
// 11 #1, #2, #4, #7, #16).
#include "protect/protector.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include <unistd.h>

#include "base/encoding.h"
#include "crypto/password.h"
#include "mime/header_section.h"
#include "mime/wrapper.h"
#include "policy/rule_json.h"
#include "protect/test_gateway_for_testing.h"
#include "sealed/seal.h"
#include "store/body_store.h"

namespace sealpost::protect {
namespace {

constexpr char kSecret[] = "secret-3f9a1c";

class ProtectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* u : {"alice@example.com", "bob@example.com"}) {
      gw_.org.AddUser(u);
    }
  }

  void AddRule(std::string_view json) { gw_.AddRule(json); }
  void EncryptExternal() {
    AddRule(R"({"name": "ext", "conditions": [{"kind": "recipient_scope",
      "scope": "not_in_organization"}], "actions": [{"kind":
      "apply_template", "template": "Encrypt"}]})");
  }
  void RemoveProtectionForInternal() {
    AddRule(R"({"name": "rp", "conditions": [{"kind": "recipient_scope",
      "scope": "in_organization"}], "actions": [{"kind":
      "remove_protection"}]})");
  }

  // From a client in smtp.client_networks (trusted) unless told otherwise.
  Result<Outcome> Send(std::string from, std::vector<std::string> to,
                       std::string content, bool trusted = true) {
    return gw_.Send(std::move(from), std::move(to), std::move(content),
                    trusted);
  }
  // The single outgoing message's content.
  std::string SendOne(std::string from, std::vector<std::string> to,
                      std::string content) {
    auto out = Send(std::move(from), std::move(to), std::move(content));
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok()) return "";
    EXPECT_EQ(out->messages.size(), 1u);
    if (out->messages.size() != 1) return "";
    Commit(*out);
    return out->messages[0].content;
  }
  void Commit(const Outcome& out) {
    for (const auto& m : out.messages) {
      for (const auto& r : m.protected_records) {
        ASSERT_TRUE(gw_.org.store.AddProtectedMessage(r).ok());
      }
    }
  }
  // Alice protects kSecret for `to` (sender's choice); the wrapper.
  std::string Wrapper(std::vector<std::string> to) {
    std::string mail = "From: alice@example.com\r\nTo: " + to[0] +
                       "\r\nSubject: [encrypt] q\r\n\r\n" +
                       std::string(kSecret) + "\r\n";
    return SendOne("alice@example.com", std::move(to), mail);
  }
  std::string IdOf(const std::string& wrapper) {
    auto v = mime::RawHeader(wrapper, "X-Sealpost-Protected");
    return v.ok() ? sealed::ParseProtectedHeader(*v).id : "";
  }
  static bool Sealed(const std::string& mail) {
    return mail.find("X-Sealpost-Protected: v1; id=") != std::string::npos &&
           mail.find("; seal=") != std::string::npos &&
           mail.find(kSecret) == std::string::npos;
  }

  // Portal copies in their body files ("p-…") under the store's directory.
  int PortalCopiesOnDisk() const {
    int n = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(
             gw_.org.temp.dir.path())) {
      n += e.path().filename().string().starts_with("p-");
    }
    return n;
  }

  FakeClock clock_{1'800'000'000};
  testing::TestGateway gw_{clock_, "protect"};
};

TEST_F(ProtectorTest, WrapperCarriesAVerifiableSeal) {
  std::string w = Wrapper({"carol@gmail.test"});
  ASSERT_TRUE(Sealed(w)) << w;
  auto header = mime::RawHeader(w, "X-Sealpost-Protected");
  ASSERT_TRUE(header.ok());
  size_t split = w.find("\r\n\r\n");
  std::string head = w.substr(0, split + 2);
  std::string body = w.substr(split + 4);
  EXPECT_TRUE(gw_.org.licenses.VerifyWrapper(*header, head, body).ok());
  // One byte of the body changed, or the subject: not ours any more.
  std::string changed = body;
  changed[changed.size() / 2] ^= 1;
  EXPECT_FALSE(gw_.org.licenses.VerifyWrapper(*header, head, changed).ok());
  std::string subject = head;
  subject.replace(subject.find("Subject: q"), 10,
                  "Subject: " + std::string(kSecret));
  EXPECT_FALSE(gw_.org.licenses.VerifyWrapper(*header, subject, body).ok());
}

// Issue 14: a large message for an internal and an external recipient.
// The portal copy is staged before its wrapper is built, and the wrapper's
// container (read back from that file) is the portal copy byte for byte;
// each outgoing message is handed to the stager as soon as it is made, so
// the first is out of memory before the second is sealed. With a journal
// rule enabled (its report attaches a protected copy) and no reader of
// staged messages, nothing is staged early (with one: journal_stream_test).
TEST_F(ProtectorTest, LargeMailIsStagedAsEachCopyIsMade) {
  std::string mail =
      "From: alice@example.com\r\nTo: bob@example.com, carol@gmail.test\r\n"
      "Subject: [encrypt] large\r\n\r\n";
  while (mail.size() < (1 << 20)) mail += std::string(kSecret) + " line\r\n";
  std::vector<std::string> staged;  // the contents, in the order handed over
  // Portal copies on disk at each call: the second group is sealed after
  // the first message is handed over, not before.
  std::vector<int> copies;
  Outcome out;
  Protector::Stager stage = [&](queue::IncomingMessage& m) {
    copies.push_back(PortalCopiesOnDisk());
    staged.push_back(std::move(m.content));
    std::string().swap(m.content);
    return Status::Ok();
  };
  queue::IncomingMessage in;
  in.id = queue::NewQueueId();
  in.trusted_sender = true;
  in.mail_from = "alice@example.com";
  in.recipients = {{"bob@example.com", 0, ""}, {"carol@gmail.test", 0, ""}};
  in.content = mail;
  auto result = gw_.protector->Apply(in, stage);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  out = std::move(*result);
  ASSERT_EQ(out.messages.size(), 2u);
  ASSERT_EQ(staged.size(), 2u);
  EXPECT_EQ(copies, (std::vector<int>{1, 2}));
  for (const auto& m : out.messages) EXPECT_TRUE(m.content.empty());
  store::BodyStore* bodies = store::BodyStoreOf(gw_.org.store);
  ASSERT_NE(bodies, nullptr);
  int sealed = 0;
  for (size_t i = 0; i < 2; ++i) {
    const auto& m = out.messages[i];
    ASSERT_EQ(m.protected_records.size(), 1u);
    const auto& record = m.protected_records[0];
    EXPECT_TRUE(record.portal_copy_staged);
    EXPECT_TRUE(record.portal_copy.empty());
    EXPECT_TRUE(Sealed(staged[i]));
    auto file = bodies->OpenBody(store::BodyKind::kPortal, record.record.id);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    std::string copy;
    while (true) {
      auto n = (*file)->Read(1 << 16, &copy);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
    }
    auto container = mime::ExtractSealedAttachment(staged[i]);
    if (m.treatment.starts_with("sealed ")) {
      ++sealed;
      ASSERT_TRUE(container.ok()) << container.status().ToString();
      EXPECT_EQ(*container, copy);
      EXPECT_GT(copy.size(), mail.size());
    } else {
      EXPECT_FALSE(container.ok());  // the portal wrapper is small
      EXPECT_LT(staged[i].size(), 64u << 10);
    }
  }
  EXPECT_EQ(sealed, 1);
  Commit(out);
  EXPECT_EQ(PortalCopiesOnDisk(), 2);

  // The queue cannot take the second (a full disk): the message is not
  // accepted, and the portal copies staged for it are gone now, not at the
  // next start.
  Protector::Stager fails = [&](queue::IncomingMessage& m) {
    return stage(m).ok() && staged.size() == 3
               ? Status::Ok()
               : ResourceExhaustedError("disk full");
  };
  in.id = queue::NewQueueId();
  result = gw_.protector->Apply(in, fails);
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(staged.size(), 4u);
  EXPECT_EQ(PortalCopiesOnDisk(), 2);

  store::JournalRuleRecord rule;
  rule.id = "j1";
  rule.name = "all";
  rule.scope = "Global";
  rule.journal_address = "journal@archive.test";
  ASSERT_TRUE(gw_.org.store.PutJournalRule(rule).ok());
  staged.clear();
  in.id = queue::NewQueueId();
  result = gw_.protector->Apply(in, stage);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_TRUE(staged.empty());
  EXPECT_EQ(result->messages.size(), 3u);  // and the report
  for (const auto& m : result->messages) EXPECT_FALSE(m.content.empty());
}

// A large message from SMTP in its spool file (issue 14): protected and
// delivered from the spool a slice at a time, never read whole: the
// container goes straight into the portal copy's file, the wrapper and
// the unprotected copy into the queue through content_source; a reserved
// field is removed on the way; a spool changed on disk is a temporary
// error that leaves no file behind.
TEST_F(ProtectorTest, SpooledMailIsProtectedFromItsSpool) {
  std::string body;
  while (body.size() < (3 << 20)) body += std::string(kSecret) + " line\r\n";
  auto spooled = [&](const std::string& bytes) {
    auto spool = testing::SpoolOf(gw_.org.temp.dir.path(), bytes);
    EXPECT_TRUE(spool.ok()) << spool.status().ToString();
    return spool.ok() ? *spool : nullptr;
  };
  auto incoming = [&](std::vector<std::string> to) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.trusted_sender = true;
    in.mail_from = "alice@example.com";
    for (auto& t : to) in.recipients.push_back({t, 0, ""});
    return in;
  };
  std::vector<std::string> staged;
  Protector::Stager stage = [&](queue::IncomingMessage& m) -> Status {
    // What the queue does: read it to its end into the body file.
    EXPECT_TRUE(m.content.empty());
    SP_ASSIGN_OR_RETURN(std::string bytes, testing::ReadStreamedCopy(m));
    EXPECT_EQ(static_cast<int64_t>(bytes.size()), m.content_size);
    staged.push_back(std::move(bytes));
    return Status::Ok();
  };

  const std::string mail =
      "From: alice@example.com\r\nTo: bob@example.com, carol@gmail.test\r\n"
      "X-Sealpost-Smime: verified (forged)\r\n"
      "Subject: [encrypt] large\r\n\r\n" +
      body;
  const std::string without_field =
      "From: alice@example.com\r\nTo: bob@example.com, carol@gmail.test\r\n"
      "Subject: [encrypt] large\r\n\r\n" +
      body;
  queue::IncomingMessage in = incoming({"bob@example.com", "carol@gmail.test"});
  in.spool = spooled(mail);
  auto out = gw_.protector->Apply(in, stage);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  ASSERT_EQ(staged.size(), 2u);
  store::BodyStore* bodies = store::BodyStoreOf(gw_.org.store);
  ASSERT_NE(bodies, nullptr);
  int internal = 0;
  for (size_t i = 0; i < 2; ++i) {
    const auto& m = out->messages[i];
    EXPECT_TRUE(Sealed(staged[i]));
    ASSERT_EQ(m.protected_records.size(), 1u);
    const auto& record = m.protected_records[0];
    EXPECT_TRUE(record.portal_copy_staged);
    // The wrapper's seal verifies: it covers the body the queue got.
    mime::HeaderSection hs = mime::SplitHeaderSection(staged[i]);
    auto marker = mime::RawHeader(staged[i], "X-Sealpost-Protected");
    ASSERT_TRUE(marker.ok());
    EXPECT_TRUE(
        gw_.org.licenses.VerifyWrapper(*marker, hs.header, hs.body).ok());
    // The portal copy in its file is the container the wrapper carries.
    auto file = bodies->OpenBody(store::BodyKind::kPortal, record.record.id);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    std::string copy;
    for (;;) {
      auto n = (*file)->Read(1 << 16, &copy);
      ASSERT_TRUE(n.ok());
      if (*n == 0) break;
    }
    // It opens to the client's message without the reserved field.
    auto keys = gw_.org.keys.Keys();
    ASSERT_TRUE(keys.ok());
    auto opened = sealed::OpenWithKeys(copy, **keys);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_TRUE(opened->message == without_field);
    auto container = mime::ExtractSealedAttachment(staged[i]);
    if (m.treatment.starts_with("sealed ")) {
      ++internal;
      ASSERT_TRUE(container.ok()) << container.status().ToString();
      EXPECT_EQ(*container, copy);
    } else {
      EXPECT_FALSE(container.ok());
      EXPECT_LT(staged[i].size(), 64u << 10);
    }
  }
  EXPECT_EQ(internal, 1);
  Commit(*out);
  const int copies = PortalCopiesOnDisk();
  EXPECT_EQ(copies, 2);

  // Unprotected (no keyword, no rule): the client's bytes as they came,
  // but the reserved field.
  staged.clear();
  std::string plain = mail;
  plain.replace(plain.find("[encrypt] "), 10, "");
  std::string plain_without = without_field;
  plain_without.replace(plain_without.find("[encrypt] "), 10, "");
  in = incoming({"carol@gmail.test"});
  in.spool = spooled(plain);
  out = gw_.protector->Apply(in, stage);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(staged.size(), 1u);
  EXPECT_TRUE(staged[0] == plain_without);

  // A byte of the spool file changed on disk: a temporary error (never
  // the permanent one a decryption failure would map to), and no portal
  // copy left behind.
  staged.clear();
  in = incoming({"bob@example.com", "carol@gmail.test"});
  auto tampered = spooled(mail);
  char c = 0;
  const off_t at = 2 << 20;
  ASSERT_EQ(pread(tampered->fd_for_testing(), &c, 1, at), 1);
  c ^= 1;
  ASSERT_EQ(pwrite(tampered->fd_for_testing(), &c, 1, at), 1);
  in.spool = tampered;
  out = gw_.protector->Apply(in, stage);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(PortalCopiesOnDisk(), copies);
}

TEST_F(ProtectorTest, ForgedHeaderDoesNotSkipARule) {
  EncryptExternal();
  std::string out = SendOne(
      "alice@example.com", {"x@gmail.test"},
      "From: alice@example.com\r\nSubject: s\r\nX-Sealpost-Protected: v1; "
      "id=00ff; template=Encrypt; k=1; seal=AAAA\r\n\r\n" +
          std::string(kSecret) + "\r\n");
  EXPECT_TRUE(Sealed(out)) << out;
}

TEST_F(ProtectorTest, ForgedPartsDoNotSkipARule) {
  EncryptExternal();
  std::string smime = Base64Encode(AsBytes(kSecret));
  for (std::string mail : {
           // A part that says it is a sealed container.
           "From: alice@example.com\r\nMIME-Version: 1.0\r\nContent-Type: "
           "multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: "
           "text/plain\r\n\r\n" +
               std::string(kSecret) +
               "\r\n--b\r\nContent-Type: application/vnd.sealpost.sealed\r\n"
               "\r\nSEALPOST\x01\r\n--b--\r\n",
           // S/MIME by its Content-Type only.
           "From: alice@example.com\r\nMIME-Version: 1.0\r\nContent-Type: "
           "application/pkcs7-mime; smime-type=enveloped-data\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" +
               smime + "\r\n",
       }) {
    std::string out = SendOne("alice@example.com", {"x@gmail.test"}, mail);
    EXPECT_TRUE(Sealed(out)) << out;
    EXPECT_EQ(out.find(smime), std::string::npos);
  }
}

// A "body contains" rule reads the first text/plain part past a run that
// GMime's decoder turns into nothing (base64 line breaks, quoted-printable
// soft line breaks), however long: a sender cannot hide a keyword from a
// protect rule behind one (before, the text ended at a run of 8 KiB).
TEST_F(ProtectorTest, BodyRuleReadsPastARunDecodedToNothing) {
  AddRule(R"({"name": "flag", "conditions": [{"kind":
    "subject_or_body_contains_words", "values": ["needle"]}], "actions":
    [{"kind": "add_header", "header": "X-Flag", "value": "hit"}]})");
  std::string soft;
  for (int i = 0; i < 5000; ++i) soft += "=\r\n";
  const std::string head =
      "From: alice@example.com\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain\r\nContent-Transfer-Encoding: ";
  for (const std::string& mail : {
           head + "base64\r\n\r\naGVsbG8g\r\n" + std::string(20000, '\n') +
               "c2VjcmV0IG5lZWRsZQ==\r\n",  // "hello ", "secret needle"
           head + "quoted-printable\r\n\r\nhello " + soft + "secret needle\r\n",
       }) {
    SCOPED_TRACE(mail.substr(0, 120));
    std::string out = SendOne("alice@example.com", {"x@gmail.test"}, mail);
    EXPECT_EQ(out.rfind("X-Flag: hit\r\n", 0), 0u) << out.substr(0, 200);
  }
}

TEST_F(ProtectorTest, SealedWrapperIsNotSealedTwiceButAChangedOneIs) {
  std::string w = Wrapper({"bob@example.com"});
  ASSERT_TRUE(Sealed(w));
  EncryptExternal();
  // Redirected as is (new Received and Subject fields, LF line ends).
  std::string redirected = "Received: from x\r\n" + w;
  std::string lf;
  for (char c : redirected) {
    if (c != '\r') lf += c;
  }
  std::string again = SendOne("bob@example.com", {"y@gmail.test"}, lf);
  EXPECT_EQ(IdOf(again), IdOf(w));
  // New text beside the real container: sealed again, as a new message.
  std::string added = w;
  added.insert(added.find("This is a protected message."),
               std::string(kSecret) + "\r\n");
  std::string resealed = SendOne("bob@example.com", {"y@gmail.test"}, added);
  EXPECT_TRUE(Sealed(resealed)) << resealed;
  EXPECT_NE(IdOf(resealed), IdOf(w));
}

TEST_F(ProtectorTest, OurReceivedFieldTravelsBesideEveryCopy) {
  EncryptExternal();
  queue::IncomingMessage in;
  in.id = queue::NewQueueId();
  in.trusted_sender = true;
  in.mail_from = "alice@example.com";
  in.recipients = {{"bob@example.com", 0, ""}, {"x@gmail.test", 0, ""}};
  in.received = "Received: from client.test ([192.0.2.1])\r\n";
  // A Received field the client sent is part of its message, not ours.
  in.content = "Received: from earlier.test\r\nSubject: s\r\n\r\n" +
               std::string(kSecret) + "\r\n";
  auto out = gw_.protector->Apply(in);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  for (const auto& m : out->messages) {
    EXPECT_EQ(m.received, in.received);
    EXPECT_FALSE(m.content.starts_with("Received: from client.test"));
  }
  bool plain_copy = false;
  for (const auto& m : out->messages) {
    if (m.content.find(kSecret) != std::string::npos) {
      plain_copy = true;
      EXPECT_TRUE(m.content.starts_with("Received: from earlier.test"));
    } else {
      EXPECT_TRUE(Sealed(m.content)) << m.content;
    }
  }
  EXPECT_TRUE(plain_copy);
}

TEST_F(ProtectorTest, ClientsCannotWriteReservedFields) {
  std::string out = SendOne("alice@example.com", {"bob@example.com"},
                            "From: alice@example.com\r\n"
                            "X-Sealpost-Protected: v1; id=abc\r\n"
                            "X-Sealpost-Queue-ID: forged\r\n"
                            "Subject: s\r\n\r\nhello\r\n");
  EXPECT_EQ(out.find("X-Sealpost-Protected"), std::string::npos);
  EXPECT_EQ(out.find("X-Sealpost-Queue-ID"), std::string::npos);
}

// GMime reads on past a line that is no field (and past an mbox "From "
// line) and keeps the fields after it: so are they removed.
TEST_F(ProtectorTest, ReservedFieldsPastALineThatIsNoFieldAreRemoved) {
  for (const std::string first : {"From: alice@example.com\r\njunk\r\n",
                                  "From alice@example.com x\r\n"}) {
    SCOPED_TRACE(first);
    std::string out = SendOne("alice@example.com", {"bob@example.com"},
                              first +
                                  "X-Sealpost-Protected: v1; id=abc\r\n"
                                  "X-Sealpost-Queue-ID: forged\r\n"
                                  "Subject: s\r\n\r\nhello\r\n");
    EXPECT_EQ(out.find("X-Sealpost-Protected"), std::string::npos);
    EXPECT_EQ(out.find("X-Sealpost-Queue-ID"), std::string::npos);
    EXPECT_NE(out.find(first + "Subject: s\r\n\r\nhello\r\n"),
              std::string::npos);
  }
}

// The index terms are made from the parse the facts were read from (issue
// 14: one GMime parse per message, not two); they are the terms of what is
// protected, as `sealpost search reindex` makes them from the portal copy:
// the client's bytes, or without the reserved fields a client wrote.
TEST(ProtectorIndexTest, TermsAreThoseOfTheProtectedBytes) {
  FakeClock clock{1'800'000'000};
  testing::TestGateway gw{clock, "protect-index", testing::Certificates::kNone,
                          testing::Indexing::kOn};
  gw.org.AddUser("alice@example.com");
  const std::string body =
      "Subject: [encrypt] quarterly zebra\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nplain aardvark\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p>html <b>okapi</b></p>\r\n"
      "--b\r\nContent-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment; filename=\"narwhal.bin\"\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\nAAECAwQF\r\n--b--\r\n";
  for (bool reserved : {false, true}) {
    SCOPED_TRACE(reserved ? "with a reserved field" : "as sent");
    std::string mail =
        "From: alice@example.com\r\nTo: carol@gmail.test\r\n" +
        std::string(reserved ? "X-Sealpost-Queue-ID: x\r\n" : "") + body;
    auto out = gw.Send("alice@example.com", {"carol@gmail.test"}, mail);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->messages.size(), 1u);
    ASSERT_EQ(out->messages[0].protected_records.size(), 1u);
    const auto& terms = out->messages[0].protected_records[0].index_terms;
    std::string sealed_bytes = mail;
    if (auto stripped = mime::RemoveReservedFields(mail, false)) {
      sealed_bytes = *stripped;
    }
    EXPECT_EQ(reserved, sealed_bytes != mail);
    auto expected = gw.indexer.Terms(sealed_bytes);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(terms, *expected);
    // Each of the words is there: subject, text, HTML, attachment name.
    for (const char* word : {"zebra", "aardvark", "okapi", "narwhal"}) {
      auto one = gw.indexer.QueryTerms(word, false);
      ASSERT_TRUE(one.ok());
      EXPECT_NE(std::find(terms.begin(), terms.end(), one->front()),
                terms.end())
          << word;
    }
  }
}

TEST_F(ProtectorTest, RemoveProtectionNeverLooksUpAnIdFromAHeader) {
  std::string w = Wrapper({"carol@gmail.test"});  // external: no container
  ASSERT_EQ(w.find("message.sealed"), std::string::npos);
  RemoveProtectionForInternal();
  // The attacker names the id; and even the real external wrapper (no
  // container) is not decrypted from the server's copy.
  for (std::string mail :
       {"From: m@evil.test\r\nX-Sealpost-Protected: v1; id=" + IdOf(w) +
            "\r\n\r\nhi\r\n",
        w}) {
    auto out = Send("m@evil.test", {"bob@example.com"}, mail);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (const auto& m : out->messages) {
      EXPECT_EQ(m.content.find(kSecret), std::string::npos);
    }
  }
}

TEST_F(ProtectorTest, RemoveProtectionOnlyForGrantedRecipientsAndLiveMail) {
  std::string w = Wrapper({"bob@example.com"});
  ASSERT_NE(w.find("message.sealed"), std::string::npos);
  RemoveProtectionForInternal();
  auto out = Send("m@evil.test", {"bob@example.com", "eve@example.com"}, w);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  for (const auto& m : out->messages) {
    ASSERT_EQ(m.recipients.size(), 1u);
    bool plain = m.content.find(kSecret) != std::string::npos;
    EXPECT_EQ(plain, m.recipients[0].address == "bob@example.com");
    // A bounce of the plaintext carries its headers only.
    if (plain) {
      EXPECT_EQ(m.params.ret, "HDRS");
    }
  }
  ASSERT_TRUE(
      gw_.org.licenses.Revoke(IdOf(w), "alice@example.com", false).ok());
  auto late = Send("m@evil.test", {"bob@example.com"}, w);
  ASSERT_TRUE(late.ok());
  ASSERT_EQ(late->messages.size(), 1u);
  EXPECT_EQ(late->messages[0].content.find(kSecret), std::string::npos);
}

TEST_F(ProtectorTest, NoHeaderSectionPassesOrIsProtectedAsBytes) {
  std::string digest =
      "------------------------------\r\nMessage: 1\r\n\r\ndigest\r\n";
  std::string out = SendOne("list@lists.test", {"bob@example.com"}, digest);
  EXPECT_EQ(out, digest);
  EncryptExternal();
  std::string bare = std::string(kSecret) + " and no header at all\r\n";
  std::string sealed = SendOne("alice@example.com", {"x@gmail.test"}, bare);
  EXPECT_TRUE(Sealed(sealed)) << sealed;
  EXPECT_NE(sealed.find("From: alice@example.com\r\n"), std::string::npos);
  EXPECT_NE(sealed.find("To: x@gmail.test\r\n"), std::string::npos);
  EXPECT_EQ(SendOne("alice@example.com", {"bob@example.com"}, ""), "");
}

// issue 11 #6: an address of ours from an untrusted client is no internal
// sender: its choice is not honoured and it owns nothing a rule protects.
TEST_F(ProtectorTest, UntrustedClientIsNoInternalSender) {
  auto out = Send("alice@example.com", {"x@gmail.test"},
                  "From: alice@example.com\r\nSubject: [encrypt] s\r\n\r\n"
                  "x\r\n",
                  /*trusted=*/false);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 1u);
  EXPECT_EQ(out->messages[0].content.find("X-Sealpost-Protected"),
            std::string::npos);
  EncryptExternal();
  auto ruled = Send("alice@example.com", {"x@gmail.test"},
                    "From: alice@example.com\r\nSubject: s\r\n\r\nx\r\n",
                    /*trusted=*/false);
  ASSERT_TRUE(ruled.ok()) << ruled.status().ToString();
  ASSERT_EQ(ruled->messages.at(0).protected_records.size(), 1u);
  EXPECT_EQ(ruled->messages[0].protected_records[0].record.owner,
            license::kSystemOwner);
}

// A bounce (the null sender) that a rule protects is owned by an address
// no one signs in as (was: postmaster@ of our first domain, a real address
// that can be a user, who then listed, opened, revoked and re-dated it).
TEST_F(ProtectorTest, NullSenderMailIsOwnedByNoUser) {
  gw_.org.AddUser("postmaster@example.com");
  EncryptExternal();
  auto out = Send("", {"x@gmail.test"},
                  "From: MAILER-DAEMON@example.com\r\nSubject: Undelivered "
                  "mail\r\n\r\nx\r\n");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 1u);
  ASSERT_EQ(out->messages[0].protected_records.size(), 1u);
  const store::ProtectedMessageRecord& record =
      out->messages[0].protected_records[0].record;
  EXPECT_EQ(record.owner, license::kSystemOwner);
  Commit(*out);
  // The postmaster user neither lists it nor revokes it; the admin does.
  store::ProtectedMessageQuery mine;
  mine.owner = "postmaster@example.com";
  mine.limit = 10;
  auto listed = gw_.org.store.QueryProtectedMessages(mine);
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());
  mine.owner = license::kSystemOwner;
  listed = gw_.org.store.QueryProtectedMessages(mine);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(gw_.org.licenses.Revoke(record.id, "postmaster@example.com", false)
                .code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(gw_.org.licenses.Revoke(record.id, "admin", true).ok());
}

// X-Sealpost-Pin-Required is a sender's choice: an outsider who writes it
// (a client outside smtp.client_networks, MAIL FROM in our domain) sets no
// PIN on the message; our licensed sender does. Neither copy carries it on.
TEST_F(ProtectorTest, OnlyOurSendersCanAskForAPin) {
  EncryptExternal();
  const std::string mail =
      "From: alice@example.com\r\nX-Sealpost-Pin-Required: yes\r\n"
      "Subject: s\r\n\r\nx\r\n";
  for (bool trusted : {false, true}) {
    SCOPED_TRACE(trusted ? "trusted client" : "outsider");
    auto out = Send("alice@example.com", {"x@gmail.test"}, mail, trusted);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->messages.size(), 1u);
    ASSERT_EQ(out->messages[0].protected_records.size(), 1u);
    EXPECT_EQ(out->messages[0].protected_records[0].record.pin_sealed.empty(),
              !trusted);
    EXPECT_EQ(out->messages[0].content.find("X-Sealpost-Pin-Required"),
              std::string::npos);
  }
}

TEST_F(ProtectorTest, PortalMailGoesThroughTheRules) {
  AddRule(R"({"name": "block", "conditions": [{"kind":
    "recipient_domain_is", "values": ["blocked.test"]}], "actions": [{"kind":
    "reject", "text": "Not to competitors"}]})");
  AddRule(R"({"name": "tls", "conditions": [{"kind": "recipient_domain_is",
    "values": ["bank.test"]}], "actions": [{"kind": "require_tls"}]})");
  ComposedMail mail;
  mail.owner = "alice@example.com";
  mail.envelope_from = "alice@example.com";
  mail.writer_internal = true;
  mail.template_name = "Do Not Forward";
  mail.message = "From: alice@example.com\r\nSubject: s\r\n\r\nx\r\n";
  mail.recipients = {"a@blocked.test", "b@gmail.test"};
  auto refused = gw_.protector->ProtectComposed(mail);
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().message(), "Not to competitors");
  mail.recipients = {"c@bank.test"};
  auto sent = gw_.protector->ProtectComposed(mail);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->size(), 1u);
  EXPECT_TRUE((*sent)[0].params.require_tls);
  EXPECT_NE((*sent)[0].content.find("template=\"Do Not Forward\""),
            std::string::npos);
}

TEST_F(ProtectorTest, ForwardKeepsTheOwnerExpiryAndParent) {
  std::string w = Wrapper({"carol@gmail.test"});
  std::string parent = IdOf(w);
  ComposedMail fwd;
  fwd.owner = "alice@example.com";  // the original's owner, not carol
  fwd.envelope_from = "noreply@example.com";
  fwd.template_name = "Encrypt";
  fwd.parent_id = parent;
  fwd.expires_at = clock_.NowUnix() + 3600;
  fwd.recipients = {"carol@gmail.test"};  // forwarded to herself
  fwd.message = "From: carol@gmail.test\r\nSubject: fw\r\n\r\nfw\r\n";
  auto sent = gw_.protector->ProtectComposed(fwd);
  ASSERT_TRUE(sent.ok()) << sent.status().ToString();
  ASSERT_EQ(sent->size(), 1u);
  const auto& rec = (*sent)[0].protected_records.at(0).record;
  EXPECT_EQ(rec.owner, "alice@example.com");
  EXPECT_EQ(rec.parent_id, parent);
  EXPECT_EQ(rec.expires_at, clock_.NowUnix() + 3600);
  Commit(Outcome{*sent, {}});
  auto container = gw_.org.store.GetPortalCopy(rec.id);
  ASSERT_TRUE(container.ok() && container->has_value());
  auto lic = gw_.org.licenses.Acquire("carol@gmail.test", **container, "test");
  ASSERT_TRUE(lic.ok()) << lic.status().ToString();
  EXPECT_FALSE(lic->rights.Has(rights::Right::kOwner));
  EXPECT_FALSE(lic->rights.Has(rights::Right::kExport));
  // Revoking the original ends the forward.
  ASSERT_TRUE(gw_.org.licenses.Revoke(parent, "alice@example.com", false).ok());
  auto after =
      gw_.org.licenses.Acquire("carol@gmail.test", **container, "test");
  EXPECT_EQ(after.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(after.status().message(), "revoked");
  EXPECT_EQ(after.status().Reason<license::Refusal>(),
            license::Refusal::kRevoked);
  auto state = gw_.org.licenses.GetState(rec.id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->state, "revoked");
}

// The branding's ExternalMailExpiryInDays is the organisation's expiry, not
// the sender's: the sender may bring it forward, never lift or extend it,
// before or after it passes (was: written as an ordinary expiry, which
// SetExpiry took for the sender's own: `expire --at 0` answered 200 and an
// expired external copy opened again).
TEST_F(ProtectorTest, BrandingExpiryIsNotTheSenders) {
  branding::Branding finance;
  finance.identity = "Finance";
  finance.external_mail_expiry_in_days = 1;
  ASSERT_TRUE(gw_.brands.Create(finance).ok());
  AddRule(R"({"name": "ext", "conditions": [{"kind": "recipient_scope",
    "scope": "not_in_organization"}], "actions": [{"kind":
    "apply_template", "template": "Encrypt", "branding": "Finance"}]})");
  std::string id = IdOf(SendOne(
      "alice@example.com", {"ext@partner.test"},
      "From: alice@example.com\r\nTo: ext@partner.test\r\nSubject: q\r\n"
      "\r\nhi\r\n"));
  ASSERT_FALSE(id.empty());
  const int64_t end = clock_.NowUnix() + 86400;
  ASSERT_EQ((*gw_.org.store.GetProtectedMessage(id))->expires_at, end);
  license::LicenseService& licenses = gw_.org.licenses;
  const std::string alice = "alice@example.com";
  EXPECT_EQ(licenses.SetExpiry(id, 0, alice, false).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(licenses.SetExpiry(id, end + 3600, alice, false).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(licenses.SetExpiry(id, end - 3600, alice, false).ok());
  clock_.Advance(std::chrono::hours(48));
  EXPECT_EQ(licenses.SetExpiry(id, 0, alice, false).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(licenses.GetState(id)->state, "expired");
}

// Transport decryption for inspection (TransportDecryptionSetting,
// docs/compliance.md): the rules read the content of our own protected mail
// arriving with its container, and it leaves byte for byte as it came.
class TransportInspectionTest : public ProtectorTest {
 protected:
  void SetMode(std::string_view mode) { gw_.SetTransportDecryption(mode); }
  void FlagSecret() {
    AddRule(R"({"name": "flag", "conditions": [{"kind":
      "subject_or_body_contains_words", "values": [")" +
            std::string(kSecret) + R"("]}], "actions": [{"kind":
      "add_header", "header": "X-Flag", "value": "hit"}]})");
  }
  void RejectSecret() {
    AddRule(R"({"name": "stop", "conditions": [{"kind": "body_matches",
      "pattern": ")" +
            std::string(kSecret) + R"("}], "actions": [{"kind": "reject",
      "text": "caught by the rule"}]})");
  }
  // `w` with one byte of its container changed.
  static std::string Tampered(std::string w) {
    size_t at = w.find("application/vnd.sealpost.sealed");
    at = w.find("\r\n\r\n", at) + 40;
    w[at] = w[at] == 'A' ? 'B' : 'A';
    return w;
  }
  int Audits(const std::string& id, std::string_view action) {
    auto audit = gw_.org.store.ListAudit(id, 100);
    EXPECT_TRUE(audit.ok());
    int n = 0;
    for (const auto& a : *audit) {
      EXPECT_EQ(a.detail.find(kSecret), std::string::npos);
      n += a.action == action;
    }
    return n;
  }
};

TEST_F(TransportInspectionTest, RulesReadTheContentOnlyWhenNotDisabled) {
  std::string w = Wrapper({"bob@example.com"});
  ASSERT_NE(w.find("message.sealed"), std::string::npos);
  FlagSecret();
  for (std::string_view mode : {"Disabled", "Optional", "Mandatory"}) {
    SCOPED_TRACE(mode);
    SetMode(mode);
    auto out = Send("m@evil.test", {"bob@example.com"}, w);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ(out->messages.size(), 1u);
    const auto& m = out->messages[0];
    if (mode == "Disabled") {
      EXPECT_EQ(m.content, w);
      EXPECT_EQ(m.treatment.find("inspected"), std::string::npos);
    } else {
      // The rule fired on the content; the mail is the wrapper as it came.
      EXPECT_EQ(m.content, "X-Flag: hit\r\n" + w);
      EXPECT_NE(
          m.treatment.find("inspected by transport decryption of " + IdOf(w)),
          std::string::npos)
          << m.treatment;
    }
  }
  EXPECT_EQ(Audits(IdOf(w), "license.transport_inspect"), 2);
}

TEST_F(TransportInspectionTest, MandatoryRejectsWhatCannotBeInspected) {
  std::string w = Wrapper({"bob@example.com"});
  std::string bad = Tampered(w);
  SetMode("Mandatory");
  auto refused = Send("m@evil.test", {"bob@example.com"}, bad);
  ASSERT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(refused.status().Reason<queue::AcceptRefusal>(),
            queue::AcceptRefusal::kCryptographicFailure);
  EXPECT_NE(refused.status().message().find("seal does not verify"),
            std::string::npos)
      << refused.status().message();
  // A recipient the license does not grant: rejected alone, in a DSN.
  auto split = Send("m@evil.test", {"bob@example.com", "eve@example.com"}, w);
  ASSERT_TRUE(split.ok()) << split.status().ToString();
  ASSERT_EQ(split->messages.size(), 2u);
  EXPECT_EQ(split->messages[0].content, w);
  EXPECT_EQ(split->messages[0].recipients.at(0).address, "bob@example.com");
  EXPECT_EQ(split->messages[1].recipients.at(0).address, "m@evil.test");
  EXPECT_NE(split->messages[1].content.find("5.7.5"), std::string::npos);
  EXPECT_NE(split->messages[1].content.find("not granted to this recipient"),
            std::string::npos);
  // Revoked: nobody may read it, the rules included.
  ASSERT_TRUE(
      gw_.org.licenses.Revoke(IdOf(w), "alice@example.com", false).ok());
  auto late = Send("m@evil.test", {"bob@example.com"}, w);
  ASSERT_EQ(late.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(late.status().message().find("revoked"), std::string::npos);
  // Optional: delivered as it came, uninspected, and the trace says why;
  // a marker whose seal fails is removed, as any a client writes.
  SetMode("Optional");
  auto passed = Send("m@evil.test", {"bob@example.com"}, bad);
  ASSERT_TRUE(passed.ok()) << passed.status().ToString();
  ASSERT_EQ(passed->messages.size(), 1u);
  size_t marker = bad.find("X-Sealpost-Protected:");
  std::string unmarked =
      bad.substr(0, marker) + bad.substr(bad.find("\r\n", marker) + 2);
  EXPECT_EQ(passed->messages[0].content, unmarked);
  EXPECT_NE(passed->messages[0].treatment.find(
                "uninspected (its seal does not verify"),
            std::string::npos)
      << passed->messages[0].treatment;
}

// A sealed original whose parts' header fields are over the parse's
// budget (sealed through the API before it refused them, or by a client
// of its own): its facts would be those of part of it, so the rules read
// none of it. An attachment rule never passes it for want of the
// attachment: Mandatory rejects it as uninspectable, Optional delivers it
// uninspected (the rules reading the wrapper as it travels).
TEST_F(TransportInspectionTest, AnOriginalOverTheHeaderBudgetIsNotInspected) {
  std::string plain =
      "From: alice@example.com\r\nTo: bob@example.com\r\n"
      "Subject: q\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: application/pdf\r\n"
      "Content-Disposition: attachment; filename=\"r.pdf\"\r\n\r\nPDF\r\n"
      "--b\r\nContent-Type: text/plain\r\n";
  for (int i = 0; i <= mime::ParsedMessage::kMaxHeaderFields; ++i) {
    plain += "X-A: 1\r\n";
  }
  plain += "\r\n" + std::string(kSecret) + "\r\n--b--\r\n";
  auto w = gw_.WrapperOfSealed(plain);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  AddRule(R"({"name": "pdf", "conditions": [{"kind": "has_attachment"}],
    "actions": [{"kind": "add_header", "header": "X-Flag", "value": "hit"}]})");
  SetMode("Mandatory");
  auto refused = Send("m@evil.test", {"bob@example.com"}, *w);
  ASSERT_EQ(refused.status().code(), StatusCode::kPermissionDenied)
      << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("header fields are over"),
            std::string::npos)
      << refused.status().message();
  SetMode("Optional");
  auto passed = Send("m@evil.test", {"bob@example.com"}, *w);
  ASSERT_TRUE(passed.ok()) << passed.status().ToString();
  ASSERT_EQ(passed->messages.size(), 1u);
  // The rules read the wrapper as it travels (its message.sealed).
  EXPECT_TRUE(passed->messages[0].content.ends_with(*w));
  EXPECT_NE(passed->messages[0].treatment.find(
                "uninspected (its content's header fields are over"),
            std::string::npos)
      << passed->messages[0].treatment;
}

// The attack: a content oracle. Whoever holds a container (a copy of a
// wrapper, or one lifted out of it) must not learn what it says from a
// rule's outcome, unless it is the real wrapper sent to a recipient its
// license grants.
TEST_F(TransportInspectionTest, ForgedOrTamperedContainersNeverReachARule) {
  std::string w = Wrapper({"bob@example.com"});
  auto container = mime::ExtractSealedAttachment(w);
  ASSERT_TRUE(container.ok());
  std::string lifted =
      "From: m@evil.test\r\nX-Sealpost-Protected: v1; id=" + IdOf(w) +
      "; template=Encrypt; k=1; seal=AAAA\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      "Content-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: "
      "application/vnd.sealpost.sealed; name=message.sealed\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      Base64Encode(AsBytes(*container)) + "\r\n--b--\r\n";
  RejectSecret();
  SetMode("Optional");
  struct Try {
    std::string what;
    std::vector<std::string> to;
    std::string mail;
  };
  for (const Try& t : std::vector<Try>{
           {"tampered", {"bob@example.com"}, Tampered(w)},
           {"lifted under a forged seal", {"bob@example.com"}, lifted},
           {"to a recipient not granted", {"eve@example.com"}, w},
       }) {
    SCOPED_TRACE(t.what);
    auto out = Send("m@evil.test", t.to, t.mail);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    for (const auto& m : out->messages) {
      EXPECT_EQ(m.content.find(kSecret), std::string::npos);
    }
  }
  // The real wrapper to bob: the rule reads it (so the tries above prove
  // something).
  auto caught = Send("m@evil.test", {"bob@example.com"}, w);
  EXPECT_EQ(caught.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(caught.status().message(), "caught by the rule");
}

}  // namespace
}  // namespace sealpost::protect
