// Journal reports of large messages streamed (issue 14): the report made
// a slice at a time from the spool and from staged body files is the
// report made in memory for the same message, byte for byte, whatever it
// attaches (the original, a protected copy, the decrypted copy, what
// arrived protected with what transport decryption opened); a spool or a
// staged copy that does not read back is an error, never a report with a
// message cut short.
#include "protect/journal_stream.h"

#include <gtest/gtest.h>

#include <future>
#include <map>
#include <mutex>

#include "base/failing_source_for_testing.h"
#include "base/string_source.h"
#include "mime/journal_report.h"
#include "protect/journal.h"
#include "protect/protecting_acceptor.h"
#include "protect/protector.h"
#include "protect/test_gateway_for_testing.h"
#include "store/body_store.h"

namespace sealpost::protect {
namespace {

constexpr char kSecret[] = "secret-7e21b0";

// A report read back in slices that cross its 70,000-byte source slices.
Result<std::string> ReadAll(ByteSource& source) {
  return testing::ReadToEnd(source, 100'000);
}

OpenAttached Memory(std::string_view bytes) {
  return [bytes]() -> Result<std::unique_ptr<ByteSource>> {
    return std::unique_ptr<ByteSource>(
        std::make_unique<StringSource>(bytes, 70'000));
  };
}

class JournalStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    gw_.org.AddUser("alice@example.com");
    // A large message (several slices) with an 8bit line deep inside.
    large_ =
        "From: alice@example.com\r\nTo: bob@example.com\r\n"
        "Cc: dan@partner.test\r\nSubject: large\r\n"
        "Message-ID: <large@x>\r\n\r\n";
    while (large_.size() < (3 << 20)) {
      large_ += std::string(kSecret) + " line\r\n";
    }
    large_ += "caf\xc3\xa9\r\n";
  }
  void AddRule(const std::string& name, const std::string& address) {
    ASSERT_TRUE(
        gw_.org.store
            .PutJournalRule({"j-" + name, name, "Global", "", address, true, 0})
            .ok());
  }
  JournalContext Context() {
    return {gw_.org.store, gw_.org.licenses, clock_, accepted_, "gw.test"};
  }
  // The report planned for `m`, made in memory and streamed from
  // `attached`: the same bytes.
  void ExpectSame(const JournaledMessage& m, std::vector<OpenAttached> attached,
                  size_t expected_parts) {
    auto plan = PlanJournalReport(Context(), m);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    ASSERT_TRUE(plan->has_value());
    PlannedJournalReport streamed = **plan;
    auto whole = MakeJournalReport(**plan, m);
    ASSERT_TRUE(whole.ok()) << whole.status().ToString();
    ASSERT_TRUE(StreamJournalReport(&streamed, std::move(attached)).ok());
    ASSERT_NE(streamed.report.content_source, nullptr);
    EXPECT_EQ(streamed.report.content_size,
              static_cast<int64_t>(whole->content.size()));
    for (int pass = 0; pass < 2; ++pass) {  // and again after Restart
      auto bytes = ReadAll(*streamed.report.content_source);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      EXPECT_TRUE(*bytes == whole->content) << bytes->substr(0, 2000);
      ASSERT_TRUE(streamed.report.content_source->Restart().ok());
    }
    size_t parts = 0;
    for (size_t at = 0;
         (at = whole->content.find("message/rfc822", at)) != std::string::npos;
         ++at) {
      ++parts;
    }
    EXPECT_EQ(parts, expected_parts);
  }

  FakeClock clock_{1'800'000'000};
  std::vector<std::string> accepted_{"example.com"};
  testing::TestGateway gw_{clock_, "jstream"};
  std::string large_;
};

TEST_F(JournalStreamTest, StreamedReportIsTheInMemoryReport) {
  AddRule("all", "journal@example.com");
  AddRule("second", "archive@example.com");  // several matching rules
  queue::IncomingMessage in;
  in.id = "q1";
  in.mail_from = "alice@example.com";
  in.recipients = {{"bob@example.com", 0, ""}, {"dan@partner.test", 0, ""}};
  std::vector<queue::IncomingMessage> outgoing;
  const std::string head = large_.substr(0, large_.find("\r\n\r\n") + 4);
  // The original attached (nothing protected): the report's text from
  // the header section only, the message from the "spool".
  {
    SCOPED_TRACE("original");
    JournaledMessage whole{in,      "alice@example.com", large_, false, "", "",
                           outgoing};
    ExpectSame(whole, {Memory(large_)}, 1);
  }
  // A protected copy attached, then the decrypted copy (the original).
  queue::IncomingMessage copy;
  copy.id = "q1-1";
  copy.treatment = "portal Encrypt as m1";
  copy.content = "From: a\r\nSubject: wrapped\r\n\r\n" + large_;
  outgoing.push_back(copy);
  for (bool decrypt : {true, false}) {
    SCOPED_TRACE(decrypt ? "copy and decrypted" : "copy only");
    gw_.SetJournalReportDecryption(decrypt);
    JournaledMessage m{in,      "alice@example.com", large_, false, "", "",
                       outgoing};
    std::vector<OpenAttached> attached{Memory(outgoing[0].content)};
    if (decrypt) attached.push_back(Memory(large_));
    ExpectSame(m, std::move(attached), decrypt ? 2 : 1);
  }
  // What arrived protected, with what transport decryption opened.
  {
    SCOPED_TRACE("arrived protected");
    gw_.SetJournalReportDecryption(true);
    const std::string plain = "Subject: inside\r\n\r\nopened\r\n";
    std::vector<queue::IncomingMessage> none;
    JournaledMessage m{in,  "alice@example.com", large_, true, "m9", plain,
                       none};
    ExpectSame(m, {Memory(large_), Memory(plain)}, 2);
  }
}

// A MAIL FROM in our domain is a name, not a credential: from a client
// the session did not trust it is outside mail for the journal's scopes,
// as for the rules (was: Internal by its domain alone, so a forged
// internal sender kept mail out of an External journal rule).
TEST_F(JournalStreamTest, AnUntrustedSenderInOurDomainIsOutsideMail) {
  ASSERT_TRUE(gw_.org.store
                  .PutJournalRule(
                      {"j-in", "in", "Internal", "", "ji@example.com", true, 0})
                  .ok());
  ASSERT_TRUE(gw_.org.store
                  .PutJournalRule(
                      {"j-ex", "ex", "External", "", "je@example.com", true, 0})
                  .ok());
  queue::IncomingMessage in;
  in.id = "q3";
  in.mail_from = "ceo@example.com";
  in.recipients = {{"bob@example.com", 0, ""}};
  std::vector<queue::IncomingMessage> none;
  const std::string mail = "From: ceo@example.com\r\n\r\nx\r\n";
  for (bool trusted : {false, true}) {
    JournaledMessage m{in, "ceo@example.com", mail, false, "", "", none};
    m.sender_trusted = trusted;
    auto plan = PlanJournalReport(Context(), m);
    ASSERT_TRUE(plan.ok() && plan->has_value()) << trusted;
    std::vector<std::string> to;
    for (const auto& r : (*plan)->report.recipients) to.push_back(r.address);
    EXPECT_EQ(to, std::vector<std::string>{trusted ? "ji@example.com"
                                                   : "je@example.com"});
  }
}

TEST_F(JournalStreamTest, ReadFailuresAndBoundariesAreErrors) {
  AddRule("all", "journal@example.com");
  queue::IncomingMessage in;
  in.id = "q2";
  in.mail_from = "alice@example.com";
  in.recipients = {{"bob@example.com", 0, ""}};
  std::vector<queue::IncomingMessage> none;
  JournaledMessage m{in, "alice@example.com", large_, false, "", "", none};
  auto plan = PlanJournalReport(Context(), m);
  ASSERT_TRUE(plan.ok() && plan->has_value());
  // Cut while it is scanned: an error, no report.
  PlannedJournalReport p = **plan;
  OpenAttached cut = [this]() -> Result<std::unique_ptr<ByteSource>> {
    return std::unique_ptr<ByteSource>(
        std::make_unique<FailingSource>(large_, 1 << 20));
  };
  EXPECT_EQ(StreamJournalReport(&p, {cut}).code(), StatusCode::kInternal);
  EXPECT_EQ(p.report.content_source, nullptr);
  // Whole when scanned, cut when read into the body file: the read fails.
  p = **plan;
  int opened = 0;
  OpenAttached cut_later = [&]() -> Result<std::unique_ptr<ByteSource>> {
    if (++opened == 1) {
      return std::unique_ptr<ByteSource>(
          std::make_unique<StringSource>(large_));
    }
    return std::unique_ptr<ByteSource>(
        std::make_unique<FailingSource>(large_, 2 << 20));
  };
  ASSERT_TRUE(StreamJournalReport(&p, {cut_later}).ok());
  EXPECT_EQ(ReadAll(*p.report.content_source).status().code(),
            StatusCode::kInternal);
  // Shorter the second time (changed on disk): an error, not a short
  // message.
  p = **plan;
  opened = 0;
  std::string shorter = large_.substr(0, large_.size() - 10);
  OpenAttached shrinks = [&]() -> Result<std::unique_ptr<ByteSource>> {
    return std::unique_ptr<ByteSource>(std::make_unique<StringSource>(
        ++opened == 1 ? std::string_view(large_) : std::string_view(shorter)));
  };
  ASSERT_TRUE(StreamJournalReport(&p, {shrinks}).ok());
  EXPECT_EQ(ReadAll(*p.report.content_source).status().code(),
            StatusCode::kInternal);
  // Planned protected with nothing protected to attach (a caller's
  // mistake): an error, never a report that reads as unprotected.
  p = **plan;
  p.is_protected = true;
  EXPECT_EQ(MakeJournalReport(p, m).status().code(), StatusCode::kInternal);
  // A decrypted copy of mail that is not protected (a caller's mistake):
  // refused though an opener for each is given, no report.
  p = **plan;
  p.request.include_decrypted = true;
  EXPECT_EQ(StreamJournalReport(&p, {Memory(large_), Memory(large_)}).code(),
            StatusCode::kInternal);
  EXPECT_EQ(p.report.content_source, nullptr);
  // The boundary in the message, across two slices: refused as in memory.
  p = **plan;
  p.request.boundary = "=_journal_x";
  std::string with = large_;
  with.insert(70'000 - 5, "\r\n--=_journal_x\r\n");
  EXPECT_EQ(StreamJournalReport(&p, {Memory(with)}).code(),
            StatusCode::kInvalidArgument);
  mime::JournalReportRequest req = p.request;
  req.original = with;
  EXPECT_EQ(mime::BuildJournalReport(req).status().code(),
            StatusCode::kInvalidArgument);
}

// Read back with other bytes of the same size, or longer: an error, never
// a report whose frame (7bit, its boundary) was made for other bytes.
TEST_F(JournalStreamTest, OtherBytesReadBackAreAnError) {
  AddRule("all", "journal@example.com");
  queue::IncomingMessage in;
  in.id = "q3";
  in.mail_from = "alice@example.com";
  in.recipients = {{"bob@example.com", 0, ""}};
  std::vector<queue::IncomingMessage> none;
  std::string ascii = large_;
  ascii.replace(ascii.size() - 4, 2, "ee");  // the 8bit line made 7bit
  JournaledMessage m{in, "alice@example.com", ascii, false, "", "", none};
  auto plan = PlanJournalReport(Context(), m);
  ASSERT_TRUE(plan.ok() && plan->has_value());
  const std::string delimiter = "\r\n--" + (*plan)->request.boundary + "\r\n";
  std::string eight_bit = large_;  // the same size as `ascii`
  std::string with_boundary = ascii;
  with_boundary.replace(200'000, delimiter.size(), delimiter);
  std::string longer = ascii + "more\r\n";
  for (const std::string* then : {&eight_bit, &with_boundary, &longer}) {
    SCOPED_TRACE(then->size());
    PlannedJournalReport p = **plan;
    int opened = 0;
    OpenAttached changes = [&]() -> Result<std::unique_ptr<ByteSource>> {
      return std::unique_ptr<ByteSource>(std::make_unique<StringSource>(
          ++opened == 1 ? std::string_view(ascii) : std::string_view(*then),
          70'000));
    };
    ASSERT_TRUE(StreamJournalReport(&p, {changes}).ok());
    EXPECT_EQ(ReadAll(*p.report.content_source).status().code(),
              StatusCode::kInternal);
  }
  // The same bytes again: the report, and a read of nothing before its end
  // reads nothing (not an error).
  PlannedJournalReport p = **plan;
  ASSERT_TRUE(StreamJournalReport(&p, {Memory(ascii)}).ok());
  std::string got;
  for (;;) {
    auto none_asked = p.report.content_source->Read(0, &got);
    ASSERT_TRUE(none_asked.ok()) << none_asked.status().ToString();
    EXPECT_EQ(*none_asked, 0u);
    auto n = p.report.content_source->Read(100'000, &got);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    if (*n == 0) break;
  }
  EXPECT_EQ(static_cast<int64_t>(got.size()), p.report.content_size);
}

// Through the protection stage from a spool file, with a stager and a
// reader as the queue's: every copy is staged as it is made (a journal
// rule no longer keeps them in memory), the report is staged too, and it
// attaches the original as it left the spool (a reserved field removed)
// or the staged protected copy byte for byte.
class SpooledJournalTest : public JournalStreamTest {
 protected:
  Result<Outcome> ApplySpooled(const std::string& mail,
                               std::vector<std::string> to,
                               bool fail_reading = false,
                               bool in_memory = false) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.trusted_sender = true;
    in.mail_from = "alice@example.com";
    for (auto& t : to) in.recipients.push_back({t, 0, ""});
    if (in_memory) {
      in.content = mail;
    } else {
      SP_ASSIGN_OR_RETURN(in.spool,
                          testing::SpoolOf(gw_.org.temp.dir.path(), mail));
    }
    Protector::Stager stage = [this,
                               in_memory](queue::IncomingMessage& m) -> Status {
      std::string bytes = m.content;
      if (m.content_source != nullptr) {
        SP_ASSIGN_OR_RETURN(bytes, testing::ReadStreamedCopy(m));
      } else if (m.content.size() < (1 << 20)) {
        return Status::Ok();  // small: kept in its row, as the queue does
      } else if (!in_memory) {
        // Large and in memory: made from the message read whole.
        return InternalError("a copy of the message read whole");
      }
      m.staged = queue::IncomingMessage::Staged{
          static_cast<int64_t>(bytes.size()), "", 0};
      std::string().swap(m.content);
      files_[m.id] = std::move(bytes);
      return Status::Ok();
    };
    Protector::StagedReader read =
        [this, fail_reading](const queue::IncomingMessage& m)
        -> Result<std::unique_ptr<ByteSource>> {
      if (fail_reading) return InternalError("staged body: unreadable");
      return std::unique_ptr<ByteSource>(
          std::make_unique<StringSource>(files_.at(m.id), 100'000));
    };
    return gw_.protector->Apply(in, stage, read);
  }
  // Alice's wrapper of `mail` for bob (with its container), its record
  // committed as the queue does; its id in *id if given.
  std::string WrapperOf(const std::string& mail, std::string* id = nullptr) {
    auto made = gw_.Send("alice@example.com", {"bob@example.com"}, mail);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    if (!made.ok() || made->messages.size() != 1 ||
        made->messages[0].protected_records.empty()) {
      ADD_FAILURE() << "no wrapper";
      return "";
    }
    const queue::IncomingMessage& m = made->messages[0];
    EXPECT_NE(m.content.find("message.sealed"), std::string::npos);
    for (const auto& r : m.protected_records) {
      EXPECT_TRUE(gw_.org.store.AddProtectedMessage(r).ok());
    }
    if (id != nullptr) *id = m.protected_records[0].record.id;
    return m.content;
  }
  static const queue::IncomingMessage* Find(const Outcome& out,
                                            std::string_view treatment) {
    for (const auto& m : out.messages) {
      if (m.treatment.starts_with(treatment)) return &m;
    }
    return nullptr;
  }
  // The report without what varies from one report to the next.
  static std::string Normalized(std::string report) {
    const size_t b = report.find("boundary=\"") + 10;
    const std::string boundary = report.substr(b, report.find('"', b) - b);
    for (size_t at; (at = report.find(boundary)) != std::string::npos;) {
      report.replace(at, boundary.size(), "BOUNDARY");
    }
    const size_t id = report.find("Message-ID: <");
    report.erase(id, report.find("\r\n", id) - id);
    return report;
  }
  std::map<std::string, std::string> files_;
};

TEST_F(SpooledJournalTest, ReportIsStreamedFromTheSpoolAndStagedCopies) {
  AddRule("all", "journal@example.com");
  // The original attached: a reserved field removed, as in memory.
  std::string mail = large_;
  mail.insert(mail.find("Subject:"), "X-Sealpost-Smime: forged\r\n");
  auto out = ApplySpooled(mail, {"bob@example.com"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* report = Find(*out, "journal report");
  ASSERT_NE(report, nullptr);
  ASSERT_TRUE(report->staged.has_value());  // streamed into its file
  for (const auto& m : out->messages) EXPECT_TRUE(m.staged.has_value());
  auto whole = gw_.Send("alice@example.com", {"bob@example.com"}, mail);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  const queue::IncomingMessage* in_memory = Find(*whole, "journal report");
  ASSERT_NE(in_memory, nullptr);
  EXPECT_TRUE(Normalized(files_.at(report->id)) ==
              Normalized(in_memory->content));
  EXPECT_EQ(files_.at(report->id).find("X-Sealpost-Smime"), std::string::npos);

  // Protected for outside: the staged wrapper attached byte for byte,
  // then the decrypted copy (from the spool).
  mail = large_;
  mail.replace(mail.find("Subject: large"), 14, "Subject: [encrypt] large");
  out = ApplySpooled(mail, {"carol@gmail.test"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  report = Find(*out, "journal report");
  const queue::IncomingMessage* copy = Find(*out, "portal ");
  ASSERT_NE(report, nullptr);
  ASSERT_NE(copy, nullptr);
  ASSERT_TRUE(copy->staged.has_value());
  const std::string& bytes = files_.at(report->id);
  const std::string& wrapper = files_.at(copy->id);
  EXPECT_NE(
      bytes.find("filename=\"journaled.eml\"\r\n\r\n" + wrapper + "\r\n--"),
      std::string::npos);
  EXPECT_NE(bytes.find("filename=\"decrypted.eml\"\r\n\r\n" + mail + "\r\n--"),
            std::string::npos);
  // The report made in memory from the same copy is the same report.
  whole = gw_.Send("alice@example.com", {"carol@gmail.test"}, mail);
  ASSERT_TRUE(whole.ok());
  in_memory = Find(*whole, "journal report");
  const queue::IncomingMessage* memory_copy = Find(*whole, "portal ");
  ASSERT_NE(in_memory, nullptr);
  ASSERT_NE(memory_copy, nullptr);
  std::string expected = in_memory->content;
  expected.replace(expected.find(memory_copy->content),
                   memory_copy->content.size(), wrapper);
  const std::string id_then = memory_copy->protected_records[0].record.id;
  const std::string id_now = copy->protected_records[0].record.id;
  expected.replace(expected.find("Protected: " + id_then), 11 + id_then.size(),
                   "Protected: " + id_now);
  EXPECT_TRUE(Normalized(bytes) == Normalized(expected));

  // A staged copy that cannot be read back: deferred, nothing reported.
  out = ApplySpooled(mail, {"carol@gmail.test"}, /*fail_reading=*/true);
  EXPECT_EQ(out.status().code(), StatusCode::kInternal);
}

// A large wrapper of ours coming back in, inspected by transport
// decryption from its spool (issue 14), with JournalReportDecryptionEnabled:
// the report, streamed, attaches the wrapper as it came and what the
// inspection opened (from its own spool file), as the report made in
// memory does; no copy is made from the message read whole.
TEST_F(SpooledJournalTest, InspectedWrapperReportAttachesTheOpenedCopy) {
  std::string mail = large_;
  mail.replace(mail.find("Subject: large"), 14, "Subject: [encrypt] large");
  const std::string wrapper = WrapperOf(mail);
  ASSERT_FALSE(wrapper.empty());
  AddRule("all", "journal@example.com");
  gw_.SetJournalReportDecryption(true);
  auto out = ApplySpooled(wrapper, {"bob@example.com"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* report = Find(*out, "journal report");
  ASSERT_NE(report, nullptr);
  ASSERT_TRUE(report->staged.has_value());
  for (const auto& m : out->messages) EXPECT_TRUE(m.staged.has_value());
  ASSERT_EQ(out->messages.size(), 2u);
  EXPECT_NE(
      out->messages[0].treatment.find("inspected by transport decryption of "),
      std::string::npos)
      << out->messages[0].treatment;
  const std::string& bytes = files_.at(report->id);
  EXPECT_NE(bytes.find("filename=\"decrypted.eml\""), std::string::npos);
  EXPECT_NE(bytes.find(std::string(kSecret) + " line\r\n"), std::string::npos);
  auto whole = gw_.Send("alice@example.com", {"bob@example.com"}, wrapper);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  const queue::IncomingMessage* in_memory = Find(*whole, "journal report");
  ASSERT_NE(in_memory, nullptr);
  EXPECT_TRUE(Normalized(bytes) == Normalized(in_memory->content));
}

// A large wrapper of ours (a relay's trace fields, which leave its seal
// whole) whose container holds an empty message, inspected from its spool
// with a journal rule that attaches decrypted copies: an empty plaintext is
// none, as the empty string in memory is: no decrypted copy attached and
// no journal.decrypt record (commit d0fdcdb).
TEST_F(SpooledJournalTest, InspectedWrapperOfAnEmptyMessageAttachesNoCopy) {
  gw_.AddRule(R"({"name": "enc", "conditions": [{"kind":
    "sender_address_is", "values": ["alice@example.com"]}], "actions":
    [{"kind": "apply_template", "template": "Encrypt"}]})");
  std::string id;
  std::string wrapper = WrapperOf("", &id);
  ASSERT_FALSE(wrapper.empty());
  std::string trace;
  while (wrapper.size() + trace.size() < 2 * store::kLargeBodyBytes) {
    trace += "Received: from relay.example by gw.test; " +
             std::string(900, 'r') + "\r\n";
  }
  wrapper = trace + wrapper;
  AddRule("all", "journal@example.com");
  gw_.SetJournalReportDecryption(true);
  auto out = ApplySpooled(wrapper, {"bob@example.com"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* report = Find(*out, "journal report");
  ASSERT_NE(report, nullptr);
  ASSERT_TRUE(report->staged.has_value());  // streamed from the spool
  // The wrapper too: only a copy read from its spool is staged here, so
  // the run was not read whole (and reached the streamed inspection).
  EXPECT_TRUE(out->messages[0].staged.has_value());
  EXPECT_NE(
      out->messages[0].treatment.find("inspected by transport decryption of "),
      std::string::npos)
      << out->messages[0].treatment;
  const std::string& bytes = files_.at(report->id);
  EXPECT_EQ(bytes.find("decrypted.eml"), std::string::npos);
  EXPECT_EQ(gw_.JournalDecryptAudits(id, *report), 0);
  auto whole = gw_.Send("alice@example.com", {"bob@example.com"}, wrapper);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  const queue::IncomingMessage* in_memory = Find(*whole, "journal report");
  ASSERT_NE(in_memory, nullptr);
  EXPECT_EQ(in_memory->content.find("decrypted.eml"), std::string::npos);
  EXPECT_EQ(gw_.JournalDecryptAudits(id, *in_memory), 0);
}

// A large message in memory, its copies staged as they are made: its
// report is streamed too (the message from memory), the same report.
TEST_F(SpooledJournalTest, InMemoryMessageReportIsStreamedWhenStagedEarly) {
  AddRule("all", "journal@example.com");
  auto out = ApplySpooled(large_, {"bob@example.com"}, false,
                          /*in_memory=*/true);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* report = Find(*out, "journal report");
  ASSERT_NE(report, nullptr);
  ASSERT_TRUE(report->staged.has_value());  // streamed into its file
  auto whole = gw_.Send("alice@example.com", {"bob@example.com"}, large_);
  ASSERT_TRUE(whole.ok()) << whole.status().ToString();
  const queue::IncomingMessage* in_memory = Find(*whole, "journal report");
  ASSERT_NE(in_memory, nullptr);
  EXPECT_TRUE(Normalized(files_.at(report->id)) ==
              Normalized(in_memory->content));
}

// A header section in bare LF line ends, longer than 1 MiB: the report's
// text reads all of it (a recipient past the first MiB is a Cc, not a
// Bcc), as the report made in memory does.
TEST_F(SpooledJournalTest, LongLfHeaderSectionIsReadWhole) {
  AddRule("all", "journal@example.com");
  std::string mail = "From: alice@example.com\nTo: bob@example.com\n";
  while (mail.size() < (3 << 19)) {
    mail += "X-Pad: " + std::string(900, 'p') + "\n";
  }
  mail += "Cc: dan@partner.test\nSubject: long\n\n";
  mail += large_.substr(large_.find("\r\n\r\n") + 4);
  auto out = ApplySpooled(mail, {"bob@example.com", "dan@partner.test"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* report = Find(*out, "journal report");
  ASSERT_NE(report, nullptr);
  ASSERT_TRUE(report->staged.has_value());  // streamed, not read whole
  const std::string& bytes = files_.at(report->id);
  const std::string text = bytes.substr(0, bytes.find("journaled.eml"));
  EXPECT_NE(text.find("Cc: dan@partner.test\r\n"), std::string::npos);
  EXPECT_EQ(text.find("Bcc: dan@partner.test"), std::string::npos);
}

// An acceptor that keeps bodies in memory until the commit (no Stage, no
// OpenStaged), as a test's or an embedder's.
class InMemoryAcceptor final : public queue::Acceptor {
 public:
  void Accept(queue::IncomingMessage message,
              std::function<void(Status)> done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      accepted_.push_back(std::move(message));
    }
    done(Status::Ok());
  }
  std::vector<queue::IncomingMessage> Accepted() {
    std::lock_guard<std::mutex> lock(mu_);
    return accepted_;
  }

 private:
  std::mutex mu_;
  std::vector<queue::IncomingMessage> accepted_;
};

// In front of an acceptor that does not stage: a large spooled message
// with a journal rule is accepted with its report made in memory, not
// refused because nothing read the report into a body file.
TEST_F(JournalStreamTest, NonStagingAcceptorGetsTheReport) {
  AddRule("all", "journal@example.com");
  InMemoryAcceptor next;
  ProtectingAcceptor protecting(*gw_.protector, next, 1);
  queue::IncomingMessage in;
  in.id = queue::NewQueueId();
  in.trusted_sender = true;
  in.mail_from = "alice@example.com";
  in.recipients = {{"bob@example.com", 0, ""}};
  auto spool = testing::SpoolOf(gw_.org.temp.dir.path(), large_);
  ASSERT_TRUE(spool.ok()) << spool.status().ToString();
  in.spool = *spool;
  std::promise<Status> done;
  protecting.Accept(std::move(in), [&done](Status s) { done.set_value(s); });
  Status s = done.get_future().get();
  ASSERT_TRUE(s.ok()) << s.ToString();
  bool reported = false;
  for (const auto& m : next.Accepted()) {
    EXPECT_FALSE(m.staged.has_value());
    if (!m.treatment.starts_with("journal report")) continue;
    reported = true;
    std::string bytes = m.content;
    if (m.content_source != nullptr) {
      auto read = ReadAll(*m.content_source);
      ASSERT_TRUE(read.ok()) << read.status().ToString();
      bytes = std::move(*read);
    }
    EXPECT_NE(bytes.find(large_), std::string::npos);
  }
  EXPECT_TRUE(reported);
}

}  // namespace
}  // namespace sealpost::protect
