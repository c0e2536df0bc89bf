// Queue with the real SQLite store and the Maildir transport: acceptance is
// durable, content is encrypted at rest, delivery lands in the Maildir, a
// failing next hop defers and then bounces with a DSN.
#include "queue/queue.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "base/encoding.h"
#include "base/failing_source_for_testing.h"
#include "base/files.h"
#include "base/string_source.h"
#include "base/strings.h"
#include "crypto/master_key.h"
#include "queue/dsn.h"
#include "queue/records.h"
#include "store/forwarding_store_for_testing.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::queue {
namespace {

int CountFiles(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  int n = 0;
  while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
  closedir(d);
  return n;
}

// A transport that always answers the same.
class FixedTransport : public Transport {
 public:
  explicit FixedTransport(int code, std::string reply)
      : code_(code), reply_(std::move(reply)) {}
  void Deliver(DeliveryRequest req,
               std::function<void(DeliveryResult)> done) override {
    ++calls;
    done(AllRecipients(req.recipients.size(), code_, reply_));
  }
  std::atomic<int> calls{0};

 private:
  int code_;
  std::string reply_;
};

IncomingMessage Message(const std::string& body) {
  IncomingMessage m;
  m.id = NewQueueId();
  m.mail_from = "alice@example.com";
  m.recipients.push_back({"bob@example.com", 0, ""});
  m.helo = "client.test";
  m.client = "127.0.0.1";
  m.content =
      "Subject: t\r\nMessage-ID: <" + m.id + "@t>\r\n\r\n" + body + "\r\n";
  return m;
}

Status AcceptSync(Queue& q, IncomingMessage m) {
  std::promise<Status> p;
  q.Accept(std::move(m), [&](Status s) { p.set_value(s); });
  return p.get_future().get();
}

template <typename F>
bool WaitFor(F f) {
  for (int i = 0; i < 500; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// Each test's own directory, SQLite store and metrics; the directory goes
// with the test, failed or not.
class QueueTest : public ::testing::Test {
 protected:
  store::testing::TempStore temp_{SystemClock::Get(), "queue-test"};
  const std::string& dir_ = temp_.dir.path();
  store::Store* const store_ = temp_.store.get();
  MetricsRegistry metrics_;

  // Delivery into the test Maildir (dir_/mailbox).
  QueueOptions MaildirOptions() const {
    QueueOptions options;
    options.routes = *Routes::Parse("maildir:" + dir_ + "/mailbox", "");
    return options;
  }

  // About 1 MiB of numbered lines, each with `marker`.
  static std::string LargeBody(std::string_view marker) {
    std::string body;
    for (int i = 0; body.size() < (1 << 20); ++i) {
      body += "line " + std::to_string(i) + " " + std::string(marker) + "\r\n";
    }
    return body;
  }

  // The delivered bytes, from our "Received: from HELO" field on, of the
  // message in the test Maildir that has one; nullopt when none has.
  std::optional<std::string> DeliveredFrom(std::string_view helo) const {
    const std::string field = "Received: from " + std::string(helo);
    for (const auto& f :
         std::filesystem::directory_iterator(dir_ + "/mailbox/new")) {
      auto bytes = ReadFile(f.path().string());
      if (!bytes.ok()) continue;
      size_t at = bytes->find(field);
      if (at != std::string::npos) return bytes->substr(at);
    }
    return std::nullopt;
  }
};

TEST(RecordsTest, HeaderMessageIdFoldsOnlyAsciiCase) {
  EXPECT_EQ(
      HeaderMessageId("Subject: x\r\nMESSAGE-id: <a@b>\r\n\r\nMessage-ID: <c>"),
      "<a@b>");
  // An 8-bit byte is never a letter of the field name, whatever the locale.
  EXPECT_EQ(HeaderMessageId("\xCD"
                            "essage-ID: <a@b>\r\n\r\n"),
            "");
  EXPECT_EQ(HeaderMessageId("Message-I\xC4: <a@b>\r\n\r\n"), "");
  EXPECT_EQ(HeaderMessageId("Message-ID:\t <x>\r\n"), "<x>");
}

// What `message list|trace` shows of a stranger's Message-ID: its
// controls and bytes that are no UTF-8 as visible escapes, never raw; a
// UTF-8 id (RFC 6532) as it came; at most 250 bytes of it, no character
// cut.
TEST(RecordsTest, HeaderMessageIdKeepsNoControlCharacter) {
  EXPECT_EQ(HeaderMessageId("Message-ID: <x\x1b[2J\x1b[1;31mALL CLEAR\x1b[0m"
                            "@evil.test>\r\n\r\n"),
            "<x\\x1b[2J\\x1b[1;31mALL CLEAR\\x1b[0m@evil.test>");
  EXPECT_EQ(HeaderMessageId("Message-ID: <a\tb\x7f\xc2\x9b\xff\x9b@e>\r\n"),
            "<a\\tb\\x7f\\u009b\\xff\\x9b@e>");
  EXPECT_EQ(HeaderMessageId("Message-ID: <grüße@bücher.example>\r\n"),
            "<grüße@bücher.example>");
  // 249 bytes then "ü": the character is dropped, not cut in two.
  const std::string long_id = "<" + std::string(248, 'a') + "ü@e>";
  EXPECT_EQ(HeaderMessageId("Message-ID: " + long_id + "\r\n"),
            long_id.substr(0, 249));
  EXPECT_EQ(HeaderMessageId("Message-ID: <" + std::string(300, 'a') + ">\r\n"),
            "<" + std::string(249, 'a'));
}

TEST(RecordsTest, NewQueueIdIsUpperCaseHex) {
  const std::string id = NewQueueId();
  ASSERT_EQ(id.size(), 27u);
  for (char c : id) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')) << id;
  }
}

TEST_F(QueueTest, AcceptsDeliversToMaildirAndEncryptsAtRest) {
  auto master = crypto::MasterKey::Generate();
  auto key = LoadOrCreateContentKey(*store_, master);
  ASSERT_TRUE(key.ok());
  // The same master key unwraps the same content key again.
  ASSERT_TRUE(LoadOrCreateContentKey(*store_, master).ok());
  ASSERT_FALSE(
      LoadOrCreateContentKey(*store_, crypto::MasterKey::Generate()).ok());
  QueueOptions options;
  options.routes = *Routes::Parse("maildir:" + dir_ + "/mailbox", "");
  Queue q(*store_, SystemClock::Get(), metrics_, *key, options, nullptr);
  ASSERT_TRUE(q.Start().ok());
  const std::string secret = "UNIQUE-ZX81-plaintext-marker";
  for (int i = 0; i < 5; ++i) {
    IncomingMessage m = Message(secret);
    // Our Received field travels beside the content; it is written first.
    m.received = "Received: from test-" + std::to_string(i) + "\r\n";
    EXPECT_TRUE(AcceptSync(q, std::move(m)).ok());
  }
  EXPECT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 5; }));
  for (const auto& f :
       std::filesystem::directory_iterator(dir_ + "/mailbox/new")) {
    auto bytes = ReadFile(f.path().string());
    ASSERT_TRUE(bytes.ok());
    // Return-Path and Delivered-To (the Maildir sink's), then ours.
    size_t at = bytes->find("Received: from test-");
    EXPECT_NE(at, std::string::npos) << *bytes;
    EXPECT_LT(at, bytes->find("Subject:")) << *bytes;
  }
  q.Stop();
  auto list = store_->ListQueuedMessages("", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 5u);
  EXPECT_TRUE(WaitFor([&] {
    auto l = store_->ListQueuedMessages("done", 10);
    return l.ok() && l->size() == 5;
  }));
  auto grep = system(("grep -rq " + secret + " " + dir_ + "/s.db*").c_str());
  EXPECT_NE(grep, 0) << "plaintext found in the database";
}

// Acceptor::Stage (issue 14): a large message goes to its body file, with
// our Received field in front, before Accept; its memory is given back at
// once, and it is delivered byte for byte from the file. A small one is
// left in memory for the commit.
TEST_F(QueueTest, StagedBeforeAcceptDeliversFromItsFile) {
  auto key = crypto::Aead::Generate(1);
  Queue q(*store_, SystemClock::Get(), metrics_, key, MaildirOptions(),
          nullptr);
  ASSERT_TRUE(q.Start().ok());
  const std::string body = LargeBody("UNIQUE-STAGED-marker");
  IncomingMessage large = Message(body);
  large.received = "Received: from staged.test\r\n";
  const std::string expected = large.received + large.content;
  const std::string id = large.id;
  ASSERT_TRUE(q.Stage(large).ok());
  ASSERT_TRUE(large.staged.has_value());
  EXPECT_EQ(large.staged->size, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(large.staged->header_message_id, "<" + id + "@t>");
  EXPECT_TRUE(large.content.empty() && large.received.empty());
  EXPECT_EQ(large.content.capacity(), std::string().capacity());
  ASSERT_TRUE(q.Stage(large).ok());  // once only: nothing more to do
  IncomingMessage small = Message("small");
  ASSERT_TRUE(q.Stage(small).ok());
  EXPECT_FALSE(small.staged.has_value());
  EXPECT_FALSE(small.content.empty());
  EXPECT_TRUE(AcceptSync(q, std::move(large)).ok());
  EXPECT_TRUE(AcceptSync(q, std::move(small)).ok());
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 2; }));
  std::optional<std::string> delivered = DeliveredFrom("staged.test");
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(*delivered, expected);
  q.Stop();
  auto m = store_->GetQueuedMessage(id, /*with_content=*/false);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ((*m)->size, static_cast<int64_t>(expected.size()));
  auto grep = system(
      ("grep -rq UNIQUE-STAGED-marker " + dir_ + " --exclude-dir=mailbox")
          .c_str());
  EXPECT_NE(grep, 0) << "plaintext of the staged body found on disk";
}

// A spool whose bytes do not read back (a disk error).
class CutSpool final : public ByteSpool {
 public:
  Status Append(std::string_view) override { return Status::Ok(); }
  Status Finish() override { return Status::Ok(); }
  int64_t size() const override { return 1; }
  Result<std::unique_ptr<ByteSource>> Open() override {
    return InternalError("spool file: cut");
  }
  Status Restart() override { return Status::Ok(); }
  Result<size_t> Read(size_t, std::string*) override {
    return InternalError("spool file: cut");
  }
};

Status AcceptAllSync(Queue& q, std::vector<IncomingMessage> messages) {
  std::promise<Status> p;
  q.AcceptAll(std::move(messages), [&](Status s) { p.set_value(s); });
  return p.get_future().get();
}

// Acceptor::AcceptAll: the messages one incoming message became commit in
// one transaction, or none does: one that cannot be read back refuses them
// all, and the body file staged for another is removed at once.
TEST_F(QueueTest, AcceptAllCommitsAllOrNothing) {
  auto key = crypto::Aead::Generate(1);
  QueueOptions options;
  options.delivery_concurrency = 0;  // nothing delivered: no other commit
  Queue q(*store_, SystemClock::Get(), metrics_, key, options, nullptr);
  ASSERT_TRUE(q.Start().ok());
  Counter* commits = metrics_.GetCounter("sealpost_queue_commits_total", "");

  IncomingMessage large = Message(LargeBody("UNIQUE-GROUP-marker"));
  ASSERT_TRUE(q.Stage(large).ok());
  ASSERT_TRUE(large.staged.has_value());
  const IncomingMessage staged = large;  // its id and size, to read back
  IncomingMessage cut = Message("cut");
  cut.spool = std::make_shared<CutSpool>();
  std::vector<IncomingMessage> refused;
  refused.push_back(std::move(large));
  refused.push_back(std::move(cut));
  refused.push_back(Message("third"));
  EXPECT_FALSE(AcceptAllSync(q, std::move(refused)).ok());
  auto list = store_->ListQueuedMessages("", 10);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty()) << "a refused acceptance commits nothing";
  auto body = q.OpenStaged(staged);
  ASSERT_TRUE(body.ok());
  std::string bytes;
  EXPECT_FALSE((*body)->Read(1 << 16, &bytes).ok()) << "its body file stays";

  std::vector<IncomingMessage> parts;
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    parts.push_back(Message("part " + std::to_string(i)));
    ids.insert(parts.back().id);
  }
  const uint64_t before = commits->value();
  ASSERT_TRUE(AcceptAllSync(q, std::move(parts)).ok());
  EXPECT_EQ(commits->value(), before + 1) << "one transaction for all";
  q.Stop();
  list = store_->ListQueuedMessages("", 10);
  ASSERT_TRUE(list.ok());
  std::set<std::string> queued;
  for (const auto& m : *list) queued.insert(m.id);
  EXPECT_EQ(queued, ids);
}

// The store's body files (queue bodies and portal copies).
int BodyFiles(const std::string& dir) {
  int n = 0;
  std::error_code ec;
  for (const auto& f : std::filesystem::recursive_directory_iterator(
           dir + "/s.db-bodies", ec)) {
    n += f.is_regular_file();
  }
  return n;
}

// An acceptance's `done`, counted: how often, and the last status.
struct Answers {
  std::mutex mu;
  int calls = 0;
  Status last;
  std::function<void(Status)> Done() {
    return [this](Status s) {
      std::lock_guard<std::mutex> lock(mu);
      ++calls;
      last = std::move(s);
    };
  }
};

// Queue::AddToBatch: one message of an acceptance that cannot be prepared
// (its body file cannot be written: X is queued already) refuses the
// acceptance, and the body file written for another of its messages is
// removed at once; X's own file, committed earlier, stays and X still
// delivers. Another acceptance in the same batch commits.
TEST_F(QueueTest, AcceptanceThatCannotBePreparedLeavesTheBatchAndNoFile) {
  auto key = crypto::Aead::Generate(1);
  QueueOptions hold;
  hold.delivery_concurrency = 0;  // nothing delivered yet
  IncomingMessage x = Message(LargeBody("UNIQUE-X-marker"));
  const std::string x_id = x.id;
  {
    Queue q(*store_, SystemClock::Get(), metrics_, key, hold, nullptr);
    ASSERT_TRUE(q.Start().ok());
    ASSERT_TRUE(AcceptSync(q, std::move(x)).ok());
    q.Stop();
  }
  ASSERT_EQ(BodyFiles(dir_), 1);

  IncomingMessage a = Message(LargeBody("UNIQUE-A-marker"));
  const std::string a_id = a.id;
  IncomingMessage again = Message(LargeBody("UNIQUE-AGAIN-marker"));
  again.id = x_id;
  IncomingMessage b = Message("another acceptance");
  const std::string b_id = b.id;
  Answers refused, accepted;
  {
    Queue q(*store_, SystemClock::Get(), metrics_, key, hold, nullptr);
    // Both before the committer starts: one batch.
    std::vector<IncomingMessage> group;
    group.push_back(std::move(a));
    group.push_back(std::move(again));
    q.AcceptAll(std::move(group), refused.Done());
    q.Accept(std::move(b), accepted.Done());
    ASSERT_TRUE(q.Start().ok());
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard<std::mutex> l1(refused.mu), l2(accepted.mu);
      return refused.calls > 0 && accepted.calls > 0;
    }));
    q.Stop();
  }
  EXPECT_EQ(refused.calls, 1);
  EXPECT_EQ(refused.last.code(), StatusCode::kInternal)
      << refused.last.ToString();
  EXPECT_EQ(accepted.calls, 1);
  EXPECT_TRUE(accepted.last.ok()) << accepted.last.ToString();
  auto list = store_->ListQueuedMessages("", 10);
  ASSERT_TRUE(list.ok());
  std::set<std::string> queued;
  for (const auto& m : *list) queued.insert(m.id);
  EXPECT_EQ(queued, (std::set<std::string>{x_id, b_id}));
  EXPECT_EQ(BodyFiles(dir_), 1) << "A's body file is removed, X's stays";

  Queue q(*store_, SystemClock::Get(), metrics_, key, MaildirOptions(),
          nullptr);
  ASSERT_TRUE(q.Start().ok());
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 2; }));
  q.Stop();
  auto grep = [&](const std::string& marker) {
    return system(("grep -rq " + marker + " " + dir_ + "/mailbox").c_str());
  };
  EXPECT_EQ(grep("UNIQUE-X-marker"), 0) << "X delivers from its own file";
  EXPECT_NE(grep("UNIQUE-AGAIN-marker"), 0);
  EXPECT_NE(grep("UNIQUE-A-marker"), 0);
}

// A commit that fails (here: a message id queued already) fails every
// acceptance in its batch, each told once, and none of them is queued.
TEST_F(QueueTest, FailedCommitAnswersEachAcceptanceOnceWithTheError) {
  auto key = crypto::Aead::Generate(1);
  QueueOptions hold;
  hold.delivery_concurrency = 0;
  IncomingMessage x = Message("x");
  const std::string x_id = x.id;
  {
    Queue q(*store_, SystemClock::Get(), metrics_, key, hold, nullptr);
    ASSERT_TRUE(q.Start().ok());
    ASSERT_TRUE(AcceptSync(q, std::move(x)).ok());
    q.Stop();
  }
  Counter* failures =
      metrics_.GetCounter("sealpost_queue_commit_failures_total", "");
  const uint64_t before = failures->value();
  IncomingMessage again = Message("again");
  again.id = x_id;
  std::vector<IncomingMessage> group;
  group.push_back(std::move(again));
  group.push_back(Message("its other part"));
  IncomingMessage b = Message("another acceptance");
  const std::string b_id = b.id;
  Answers first, second;
  {
    Queue q(*store_, SystemClock::Get(), metrics_, key, hold, nullptr);
    q.AcceptAll(std::move(group), first.Done());
    q.Accept(std::move(b), second.Done());
    ASSERT_TRUE(q.Start().ok());
    ASSERT_TRUE(WaitFor([&] {
      std::lock_guard<std::mutex> l1(first.mu), l2(second.mu);
      return first.calls > 0 && second.calls > 0;
    }));
    q.Stop();
  }
  EXPECT_EQ(failures->value(), before + 1);
  EXPECT_EQ(first.calls, 1);
  EXPECT_FALSE(first.last.ok());
  EXPECT_EQ(second.calls, 1);
  EXPECT_FALSE(second.last.ok()) << "one transaction: it failed too";
  auto list = store_->ListQueuedMessages("", 10);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().id, x_id);
}

// Acceptor::OpenStaged (issue 14: a journal report attaches a staged
// copy): a staged message reads back as it was before Stage, without our
// Received field, from the first byte again after Restart, whether it was
// given whole or as a stream; a body file changed on disk is an error
// when it is read, never a shorter message.
TEST_F(QueueTest, StagedMessageReadsBackWithoutItsReceivedField) {
  auto key = crypto::Aead::Generate(1);
  Queue q(*store_, SystemClock::Get(), metrics_, key, MaildirOptions(),
          nullptr);
  ASSERT_TRUE(q.Start().ok());
  auto read_all = [](ByteSource& source) -> Result<std::string> {
    std::string out;
    for (;;) {
      // Nothing asked for before the end: nothing read, not an error.
      SP_ASSIGN_OR_RETURN(size_t none, source.Read(0, &out));
      if (none != 0) return InternalError("read past max");
      SP_ASSIGN_OR_RETURN(size_t n, source.Read(100'000, &out));
      if (n == 0) return out;
    }
  };
  const std::string body = LargeBody("UNIQUE-READBACK-marker");
  IncomingMessage whole = Message(body);
  whole.received = "Received: from readback.test\r\n";
  const std::string content = whole.content;
  IncomingMessage streamed = Message(body);
  streamed.received = whole.received;
  streamed.content_size = static_cast<int64_t>(streamed.content.size());
  streamed.content_source = std::make_shared<StringSource>(content, 3000);
  streamed.content.clear();
  // A Received field longer than a slice of the body file (1 MiB): the
  // read-back skips it across slices.
  IncomingMessage long_received = Message(body);
  long_received.received =
      "Received: from readback.test\r\n\t" + std::string(3 << 19, 'r') + "\r\n";
  const std::string long_content = long_received.content;
  for (IncomingMessage* m : {&whole, &streamed, &long_received}) {
    const std::string& expected = m == &long_received ? long_content : content;
    ASSERT_TRUE(q.Stage(*m).ok());
    ASSERT_TRUE(m->staged.has_value());
    auto source = q.OpenStaged(*m);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    for (int pass = 0; pass < 2; ++pass) {
      auto bytes = read_all(**source);
      ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
      EXPECT_TRUE(*bytes == expected);
      ASSERT_TRUE((*source)->Restart().ok());
    }
  }
  IncomingMessage never = Message("small");
  EXPECT_EQ(q.OpenStaged(never).status().code(), StatusCode::kInternal);

  // One byte of the body file changed: the read fails.
  std::string path;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(dir_ + "/s.db-bodies")) {
    if (e.is_regular_file() &&
        e.path().string().ends_with(HexEncode(AsBytes(whole.id)))) {
      path = e.path().string();
    }
  }
  ASSERT_FALSE(path.empty());
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(1 << 20);
    char c = 0;
    f.read(&c, 1);
    c ^= 1;
    f.seekp(1 << 20);
    f.write(&c, 1);
  }
  auto tampered = q.OpenStaged(whole);
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(read_all(**tampered).status().code(), StatusCode::kInternal);
  q.Stop();
}

// A message made as a stream (content_source: the protection stage's
// wrapper or the client's message read from its spool, issue 14): Stage
// reads it into its body file, delivered byte for byte; a small one into
// `content` for its row; one that ends elsewhere than it said is refused
// and leaves no file, as does one whose source fails half way; Accept
// refuses one that was never staged.
TEST_F(QueueTest, StreamedMessageIsReadIntoItsBodyFile) {
  // Bytes given a slice at a time, at most 1000 per Read.
  class Pieces : public ByteSource {
   public:
    explicit Pieces(std::string bytes) : bytes_(std::move(bytes)) {}
    Status Restart() override {
      at_ = 0;
      return Status::Ok();
    }
    Result<size_t> Read(size_t max, std::string* out) override {
      size_t n = std::min({max, size_t{1000}, bytes_.size() - at_});
      out->append(bytes_, at_, n);
      at_ += n;
      return n;
    }

   private:
    std::string bytes_;
    size_t at_ = 0;
  };
  auto key = crypto::Aead::Generate(1);
  Queue q(*store_, SystemClock::Get(), metrics_, key, MaildirOptions(),
          nullptr);
  ASSERT_TRUE(q.Start().ok());
  const std::string body = LargeBody("UNIQUE-STREAMED-marker");
  auto streamed = [](IncomingMessage m, int64_t size_said) {
    m.content_size = size_said;
    m.content_source = std::make_shared<Pieces>(std::move(m.content));
    m.content.clear();
    return m;
  };
  IncomingMessage large = Message(body);
  large.received = "Received: from streamed.test\r\n";
  const std::string expected = large.received + large.content;
  const std::string id = large.id;
  const auto large_size =
      static_cast<int64_t>(expected.size() - large.received.size());
  large = streamed(std::move(large), large_size);
  ASSERT_TRUE(q.Stage(large).ok());
  ASSERT_TRUE(large.staged.has_value());
  EXPECT_EQ(large.staged->size, static_cast<int64_t>(expected.size()));
  EXPECT_EQ(large.staged->header_message_id, "<" + id + "@t>");
  EXPECT_EQ(large.content_source, nullptr);

  IncomingMessage small = Message("small streamed");
  const std::string small_content = small.content;
  small =
      streamed(std::move(small), static_cast<int64_t>(small_content.size()));
  ASSERT_TRUE(q.Stage(small).ok());
  EXPECT_FALSE(small.staged.has_value());
  EXPECT_EQ(small.content, small_content);

  const int files = CountFiles(dir_ + "/s.db-bodies");
  IncomingMessage lying = Message(body);
  lying = streamed(std::move(lying), 1 << 20);  // says less than it gives
  EXPECT_EQ(q.Stage(lying).code(), StatusCode::kInternal);
  EXPECT_FALSE(lying.staged.has_value());
  EXPECT_EQ(CountFiles(dir_ + "/s.db-bodies"), files);
  EXPECT_EQ(AcceptSync(q, std::move(lying)).code(), StatusCode::kInternal);

  // A source that fails half way (a spool cut, an S/MIME copy that could
  // not be finished): its error, and the half-written file discarded.
  IncomingMessage cut = Message(body);
  const std::string cut_bytes = cut.content;
  cut.content_size = static_cast<int64_t>(cut_bytes.size());
  cut.content_source =
      std::make_shared<FailingSource>(cut_bytes, cut_bytes.size() / 2);
  cut.content.clear();
  Status cut_staged = q.Stage(cut);
  EXPECT_EQ(cut_staged.code(), StatusCode::kInternal);
  EXPECT_NE(cut_staged.message().find("cut"), std::string::npos)
      << cut_staged.message();
  EXPECT_FALSE(cut.staged.has_value());
  EXPECT_EQ(CountFiles(dir_ + "/s.db-bodies"), files);

  EXPECT_TRUE(AcceptSync(q, std::move(large)).ok());
  EXPECT_TRUE(AcceptSync(q, std::move(small)).ok());
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 2; }));
  std::optional<std::string> delivered = DeliveredFrom("streamed.test");
  ASSERT_TRUE(delivered.has_value());
  EXPECT_TRUE(*delivered == expected);  // not printed: megabytes
  q.Stop();
  auto grep = system(
      ("grep -rq UNIQUE-STREAMED-marker " + dir_ + " --exclude-dir=mailbox")
          .c_str());
  EXPECT_NE(grep, 0) << "plaintext of the streamed body found on disk";
}

// Issue 14: a message whose first line is no field (GMime makes no
// message of it, so the protection stage measured, stripped and read no
// field of it) gets an empty line after our Received field, on every way
// into the queue (in memory, staged from memory, streamed into its body
// file): a reader after us takes all of it for body, as we did, instead
// of reading the fields after the first line (a forged
// X-Sealpost-Protected among them). A message with a header is delivered
// byte for byte as before; the staged read-back is the client's bytes.
TEST_F(QueueTest, ReceivedEndsTheHeaderOfAMessageWhoseFirstLineIsNoField) {
  auto key = crypto::Aead::Generate(1);
  Queue q(*store_, SystemClock::Get(), metrics_, key, MaildirOptions(),
          nullptr);
  ASSERT_TRUE(q.Start().ok());
  const std::string rest =
      "Subject: confidential\r\nX-Sealpost-Protected: v1; forged\r\n"
      "Message-ID: <first@x>\r\n\r\n";
  struct Case {
    std::string first;
    bool separated;
  };
  const Case cases[] = {
      {"junk\r\n", true},
      {" folded\r\n", true},
      {"\tfolded\r\n", true},
      {":x\r\n", true},
      {"From a\r\njunk\r\n", true},
      {"From: a@x\r\n", false},
      {"From a\r\nFrom: a@x\r\n", false},
  };
  enum class Way { kMemory, kStaged, kStreamed };
  int n = 0;
  for (const Case& c : cases) {
    for (Way way : {Way::kMemory, Way::kStaged, Way::kStreamed}) {
      const std::string helo = "way" + std::to_string(n++) + ".test";
      IncomingMessage m = Message("");
      m.received = "Received: from " + helo + "\r\n";
      m.content = c.first + rest + "body\r\n";
      if (way != Way::kMemory) m.content += LargeBody("UNIQUE-FIRST-LINE");
      const std::string content = m.content;
      const std::string expected =
          m.received + (c.separated ? "\r\n" : "") + content;
      if (way == Way::kStreamed) {
        m.content_size = static_cast<int64_t>(content.size());
        m.content_source = std::make_shared<StringSource>(content, 3000);
        m.content.clear();
      }
      if (way != Way::kMemory) {
        ASSERT_TRUE(q.Stage(m).ok());
        ASSERT_TRUE(m.staged.has_value());
        EXPECT_EQ(m.staged->size, static_cast<int64_t>(expected.size()));
        // As in memory (the whole read): no Message-ID past our field's
        // empty line.
        EXPECT_EQ(m.staged->header_message_id, c.separated ? "" : "<first@x>")
            << c.first;
        auto source = q.OpenStaged(m);
        ASSERT_TRUE(source.ok()) << source.status().ToString();
        std::string back;
        for (;;) {
          auto read = (*source)->Read(1 << 20, &back);
          ASSERT_TRUE(read.ok()) << read.status().ToString();
          if (*read == 0) break;
        }
        EXPECT_TRUE(back == content) << c.first;
      }
      ASSERT_TRUE(AcceptSync(q, std::move(m)).ok());
      ASSERT_TRUE(WaitFor([&] {
        return CountFiles(dir_ + "/mailbox/new") == n &&
               DeliveredFrom(helo).has_value();
      }));
      std::optional<std::string> delivered = DeliveredFrom(helo);
      EXPECT_TRUE(delivered == expected)
          << ::testing::PrintToString(c.first) << " way "
          << static_cast<int>(way) << " "
          << ::testing::PrintToString(delivered->substr(0, 120));
    }
  }
  q.Stop();
}

TEST_F(QueueTest, DefersThenBouncesWithDsnAfterTheRetryWindow) {
  auto key = crypto::Aead::Generate(1);
  QueueOptions options;
  options.routes =
      *Routes::Parse("127.0.0.1:1", "example.com=maildir:" + dir_ + "/mailbox");
  options.retry_base = std::chrono::milliseconds(50);
  options.retry_window = std::chrono::milliseconds(300);
  options.scan_interval = std::chrono::milliseconds(20);
  FixedTransport down(421, "421 4.4.2 next hop down");
  // bob@elsewhere.test goes to the (down) SMTP next hop; the DSN to
  // alice@example.com goes to the Maildir.
  Queue q(*store_, SystemClock::Get(), metrics_, key, options, &down);
  ASSERT_TRUE(q.Start().ok());
  IncomingMessage m = Message("hello");
  m.recipients = {{"bob@elsewhere.test", 0, ""}};
  std::string id = m.id;
  ASSERT_TRUE(AcceptSync(q, m).ok());
  ASSERT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 1; }));
  EXPECT_GE(down.calls.load(), 2);
  q.Stop();
  auto events = store_->ListQueueEvents(id);
  ASSERT_TRUE(events.ok());
  bool deferred = false, bounced = false, dsn = false;
  for (const auto& e : *events) {
    deferred |= e.event == "deferred";
    bounced |= e.event == "bounced";
    dsn |= e.event == "dsn";
  }
  EXPECT_TRUE(deferred && bounced && dsn);
}

// A TLS policy the queue could not read is unknown, not `may`: while the
// policies have never loaded (the store failed just after start-up), a
// `verify` domain's mail is deferred with 451 4.7.4, never handed to the
// SMTP transport without its policy; once they load, it goes with it.
TEST_F(QueueTest, UnloadableTlsPoliciesDeferNotDowngrade) {
  ASSERT_TRUE(store_->PutTlsPolicy({"elsewhere.test", "verify", "", 0}).ok());
  // ListTlsPolicies fails while the table has another name.
  const auto sql = [&](const char* statement) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ + "/s.db").c_str(), &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);  // the queue commits meanwhile
    EXPECT_EQ(sqlite3_exec(db, statement, nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  };
  sql("ALTER TABLE tls_policies RENAME TO tls_policies_away");
  ASSERT_FALSE(store_->ListTlsPolicies().ok());

  // Records the TLS mode of each delivery it is given; delivers it.
  class TlsRecorder : public Transport {
   public:
    void Deliver(DeliveryRequest req,
                 std::function<void(DeliveryResult)> done) override {
      {
        std::lock_guard<std::mutex> lock(mu);
        modes.push_back(req.tls.mode);
      }
      done(AllRecipients(req.recipients.size(), 250, "250 2.0.0 Ok"));
    }
    size_t calls() {
      std::lock_guard<std::mutex> lock(mu);
      return modes.size();
    }
    std::mutex mu;
    std::vector<TlsMode> modes;
  } smtp;
  auto key = crypto::Aead::Generate(1);
  QueueOptions options;
  options.routes = *Routes::Parse("127.0.0.1:1", "");
  options.retry_base = std::chrono::milliseconds(50);
  options.retry_max = std::chrono::milliseconds(100);
  options.scan_interval = std::chrono::milliseconds(20);
  Queue q(*store_, SystemClock::Get(), metrics_, key, options, &smtp);
  ASSERT_TRUE(q.Start().ok());
  IncomingMessage m = Message("hello");
  m.recipients = {{"bob@elsewhere.test", 0, ""}};
  const std::string id = m.id;
  ASSERT_TRUE(AcceptSync(q, m).ok());
  const auto deferred_for_tls = [&] {
    auto events = store_->ListQueueEvents(id);
    return events.ok() &&
           std::any_of(events->begin(), events->end(), [](const auto& e) {
             return e.event == "deferred" &&
                    e.detail.find("451 4.7.4 TLS policies unavailable") !=
                        std::string::npos;
           });
  };
  EXPECT_TRUE(WaitFor(deferred_for_tls));
  EXPECT_EQ(smtp.calls(), 0u) << "delivered without its TLS policy";

  sql("ALTER TABLE tls_policies_away RENAME TO tls_policies");
  EXPECT_TRUE(WaitFor([&] {
    auto msg = store_->GetQueuedMessage(id, false);
    return msg.ok() && msg->has_value() && (*msg)->state == "done";
  }));
  q.Stop();
  std::lock_guard<std::mutex> lock(smtp.mu);
  EXPECT_EQ(smtp.modes, std::vector<TlsMode>{TlsMode::kVerify});
}

// A journal report's domains outside the organisation (verified_tls_domains)
// are given to the transport as verify whatever their policy: none (may),
// encrypt, or verify; its other domains and other mail keep the policy.
TEST_F(QueueTest, RequireVerifiedTlsDeliversOnlyAsVerify) {
  ASSERT_TRUE(store_->PutTlsPolicy({"enc.test", "encrypt", "", 0}).ok());
  ASSERT_TRUE(store_->PutTlsPolicy({"ver.test", "verify", "", 0}).ok());
  class TlsRecorder : public Transport {
   public:
    void Deliver(DeliveryRequest req,
                 std::function<void(DeliveryResult)> done) override {
      {
        std::lock_guard<std::mutex> lock(mu);
        for (const auto& r : req.recipients) modes[r.address] = req.tls.mode;
      }
      done(AllRecipients(req.recipients.size(), 250, "250 2.0.0 Ok"));
    }
    size_t calls() {
      std::lock_guard<std::mutex> lock(mu);
      return modes.size();
    }
    std::mutex mu;
    std::map<std::string, TlsMode> modes;
  } smtp;
  auto key = crypto::Aead::Generate(1);
  QueueOptions options;
  options.routes = *Routes::Parse("127.0.0.1:1", "");
  options.scan_interval = std::chrono::milliseconds(20);
  Queue q(*store_, SystemClock::Get(), metrics_, key, options, &smtp);
  ASSERT_TRUE(q.Start().ok());
  IncomingMessage report = Message("report");
  report.recipients = {{"a@may.test", 0, ""},
                       {"a@enc.test", 0, ""},
                       {"a@ver.test", 0, ""},
                       {"a@inside.test", 0, ""}};
  report.params.verified_tls_domains = {"may.test", "enc.test", "ver.test"};
  // Through the stored envelope: the queue loads what it committed.
  ASSERT_EQ(ParamsFromJson(EnvelopeJson(report)).verified_tls_domains,
            report.params.verified_tls_domains);
  IncomingMessage plain = Message("plain");
  plain.recipients = {{"b@may.test", 0, ""}, {"b@enc.test", 0, ""}};
  ASSERT_TRUE(AcceptSync(q, report).ok());
  ASSERT_TRUE(AcceptSync(q, plain).ok());
  EXPECT_TRUE(WaitFor([&] { return smtp.calls() == 6; }));
  q.Stop();
  std::lock_guard<std::mutex> lock(smtp.mu);
  EXPECT_EQ(smtp.modes["a@may.test"], TlsMode::kVerify);
  EXPECT_EQ(smtp.modes["a@enc.test"], TlsMode::kVerify);
  EXPECT_EQ(smtp.modes["a@ver.test"], TlsMode::kVerify);
  EXPECT_EQ(smtp.modes["a@inside.test"], TlsMode::kMay);
  EXPECT_EQ(smtp.modes["b@may.test"], TlsMode::kMay);
  EXPECT_EQ(smtp.modes["b@enc.test"], TlsMode::kEncrypt);
}

// A delivered message's body is gone at once; its trace stays for the
// history window, then the scheduler prunes it.
TEST_F(QueueTest, DropsBodiesWhenDoneAndPrunesHistoryAfterTheWindow) {
  auto key = crypto::Aead::Generate(1);
  QueueOptions options;
  options.routes = *Routes::Parse("maildir:" + dir_ + "/mailbox", "");
  options.scan_interval = std::chrono::milliseconds(20);
  options.prune_interval = std::chrono::milliseconds(20);
  options.prune_batch = 2;  // several passes
  std::vector<std::string> ids;
  {
    Queue q(*store_, SystemClock::Get(), metrics_, key, options, nullptr);
    ASSERT_TRUE(q.Start().ok());
    for (int i = 0; i < 5; ++i) {
      IncomingMessage m = Message(std::string(50'000, 'b'));
      ids.push_back(m.id);
      ASSERT_TRUE(AcceptSync(q, std::move(m)).ok());
    }
    ASSERT_TRUE(WaitFor([&] {
      auto stats = store_->Stats();
      return stats.ok() && stats->done_messages == 5;
    }));
    // Several housekeeping passes: a day's history is kept.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    q.Stop();
  }
  for (const auto& id : ids) {
    auto m = store_->GetQueuedMessage(id, true);
    ASSERT_TRUE(m.ok() && m->has_value()) << id;
    EXPECT_EQ((*m)->state, "done");
    EXPECT_TRUE((*m)->content.empty()) << id;
    EXPECT_FALSE(store_->ListQueueEvents(id)->empty());
  }
  EXPECT_EQ(metrics_.GetCounter("sealpost_queue_pruned_total", "")->value(),
            0u);
  options.history = std::chrono::milliseconds(0);
  {
    Queue q(*store_, SystemClock::Get(), metrics_, key, options, nullptr);
    ASSERT_TRUE(q.Start().ok());
    EXPECT_TRUE(WaitFor([&] {
      auto stats = store_->Stats();
      return stats.ok() && stats->done_messages == 0;
    }));
    q.Stop();
  }
  for (const auto& id : ids) {
    EXPECT_FALSE(store_->GetQueuedMessage(id, false)->has_value());
    EXPECT_TRUE(store_->ListQueueEvents(id)->empty());
  }
  EXPECT_EQ(metrics_.GetCounter("sealpost_queue_pruned_total", "")->value(),
            5u);
  EXPECT_EQ(CountFiles(dir_ + "/mailbox/new"), 5);
}

// Two nodes starting together on one store, neither finding a content
// key: the one whose key is stored second takes the first's (was: its
// write replaced the key the other had begun to seal the queue with, and
// that node's mail no longer opened after a restart).
TEST_F(QueueTest, ANodeThatStoresTheContentKeySecondTakesTheFirstsKey) {
  // Finds no key on its first look, as if the other's were not yet stored.
  class LateStore : public store::testing::ForwardingStore {
   public:
    using ForwardingStore::ForwardingStore;
    Result<std::optional<std::string>> GetSetting(
        std::string_view key) override {
      if (!looked_) {
        looked_ = true;
        return std::optional<std::string>();
      }
      return inner_.GetSetting(key);
    }

   private:
    bool looked_ = false;
  };
  auto master = crypto::MasterKey::Generate();
  auto first = LoadOrCreateContentKey(*store_, master);
  ASSERT_TRUE(first.ok());
  LateStore late(*store_);
  auto second = LoadOrCreateContentKey(late, master);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(second->KeyInsecure().InsecureStringView(),
            first->KeyInsecure().InsecureStringView());
  auto again = LoadOrCreateContentKey(*store_, master);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->KeyInsecure().InsecureStringView(),
            first->KeyInsecure().InsecureStringView());
}

// Several nodes on one queue (the SQLite store stands for the shared one):
// a message another node holds waits for its lease to expire, then this
// node takes it over; what this node itself held before a crash it takes
// back at once. Both are counted as takeovers (possible repeats).
TEST_F(QueueTest, TakesOverExpiredLeasesAndItsOwnAfterACrash) {
  auto key = LoadOrCreateContentKey(*store_, crypto::MasterKey::Generate());
  ASSERT_TRUE(key.ok());
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             SystemClock::Get().Now().time_since_epoch())
                             .count();
  // Left by two nodes that died: one lease still holds for 1.5 s, the other
  // (this node's own, from its last run) for a minute.
  for (auto [id, node, until] :
       {std::tuple{"HELD-BY-DEAD-NODE", "node-dead", now_ms + 1'500},
        std::tuple{"HELD-BY-OUR-LAST-RUN", "node-b", now_ms + 60'000}}) {
    store::QueueBatch b;
    store::QueuedMessage m;
    m.id = id;
    m.received_ms = now_ms;
    m.mail_from = "alice@example.com";
    m.envelope_json = "{}";
    std::string content = std::string("Subject: ") + id + "\r\n\r\nx\r\n";
    m.size = static_cast<int64_t>(content.size());
    m.content = *key->Encrypt(content, id);
    m.lease_node = node;
    m.lease_until_ms = until;
    store::QueuedRecipient r;
    r.address = "bob@example.com";
    r.next_attempt_ms = now_ms;
    m.recipients.push_back(r);
    b.new_messages.push_back(std::move(m));
    ASSERT_TRUE(store_->CommitQueueBatch(b).ok());
  }
  QueueOptions options;
  options.routes = *Routes::Parse("maildir:" + dir_ + "/mailbox", "");
  options.scan_interval = std::chrono::milliseconds(50);
  options.node_id = "node-b";
  options.lease = std::chrono::seconds(3);
  Queue q(*store_, SystemClock::Get(), metrics_, *key, options, nullptr);
  ASSERT_TRUE(q.Start().ok());
  Counter* takeovers =
      metrics_.GetCounter("sealpost_queue_takeovers_total", "");
  EXPECT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 1; }));
  EXPECT_EQ(takeovers->value(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(CountFiles(dir_ + "/mailbox/new"), 1)
      << "delivered while another node's lease held";
  EXPECT_TRUE(WaitFor([&] { return CountFiles(dir_ + "/mailbox/new") == 2; }));
  EXPECT_EQ(takeovers->value(), 2u);
  EXPECT_TRUE(WaitFor([&] {
    auto m = store_->GetQueuedMessage("HELD-BY-DEAD-NODE", false);
    return m.ok() && m->has_value() && (*m)->state == "done" &&
           (*m)->lease_node.empty();
  })) << "the lease goes back with the result";
  auto nodes = store_->ListNodes(now_ms - 1);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].node_id, "node-b");
  q.Stop();
}

TEST(DsnTest, MultipartReport) {
  DsnInput in;
  in.reporting_mta = "gw.example.com";
  in.original_id = "Q1";
  in.sender = "alice@example.com";
  in.recipients = {{"bob@x.test", "rfc822;bob@x.test", "5.1.1", "mx.x.test",
                    "550 5.1.1 no such user"}};
  in.original = "Subject: hi\r\n\r\nbody\r\n";
  in.boundary = "b1";
  in.message_id = "d1@gw";
  std::string d = BuildDsn(in);
  EXPECT_NE(d.find("Content-Type: multipart/report; "
                   "report-type=delivery-status;"),
            std::string::npos);
  EXPECT_NE(d.find("Final-Recipient: rfc822; bob@x.test\r\n"),
            std::string::npos);
  EXPECT_NE(d.find("Original-Recipient: rfc822; bob@x.test\r\n"),
            std::string::npos);
  EXPECT_NE(d.find("Status: 5.1.1\r\nRemote-MTA: dns; mx.x.test\r\n"),
            std::string::npos);
  EXPECT_NE(d.find("Content-Type: message/rfc822\r\n\r\nSubject: hi\r\n"),
            std::string::npos);
  EXPECT_TRUE(d.ends_with("\r\n--b1--\r\n"));
  EXPECT_EQ(StatusCodeOf("550 5.7.1 relay denied", 550), "5.7.1");
  EXPECT_EQ(StatusCodeOf("554 no code", 554), "5.0.0");
}

// A headers-only bounce carries the header section and no more: of a
// message with no empty line, its field lines only (was: all of it, up to
// 1 MiB); of one whose first line is no field, nothing. A next hop's
// reply adds no line of its own to the bounce's text (was: only the
// Diagnostic-Code line was made one line).
TEST(DsnTest, HeadersOnlyIsTheHeaderAndTheReplyOneLine) {
  DsnInput in;
  in.reporting_mta = "gw.example.com";
  in.original_id = "Q2";
  in.sender = "alice@example.com";
  in.recipients = {{"bob@x.test", "", "5.1.1", "mx.x.test",
                    "550 no\r\nSubject: injected\r\n\r\nclick \xff"}};
  in.boundary = "b2";
  in.message_id = "d2@gw";
  in.headers_only = true;
  auto part = [&](std::string original) {
    in.original = std::move(original);
    std::string d = BuildDsn(in);
    const std::string start = "text/rfc822-headers\r\n\r\n";
    size_t at = d.find(start) + start.size();
    return d.substr(at, d.find("\r\n--b2--") - at);
  };
  EXPECT_EQ(part("Subject: hi\r\n\r\nbody secret\r\n"), "Subject: hi\r\n");
  EXPECT_EQ(part("Subject: hi\r\n\tfolded\r\nX-A: 1\r\nbody secret\r\n"),
            "Subject: hi\r\n\tfolded\r\nX-A: 1\r\n");
  EXPECT_EQ(part("body secret line one\r\nSubject: x\r\n"), "");
  EXPECT_EQ(part("Subject: only"), "Subject: only");
  std::string d = BuildDsn(in);
  EXPECT_NE(d.find("<bob@x.test>: 550 no  Subject: injected    click ?\r\n"),
            std::string::npos)
      << d;
  EXPECT_EQ(d.find("\r\nSubject: injected"), std::string::npos);
}

TEST(RoutesTest, ParsesDefaultAndDomains) {
  auto r = Routes::Parse("mx.example.net:25",
                         "Example.COM=127.0.0.1:2526, x.test=maildir:/tmp/m");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->For("example.com").Text(), "smtp:127.0.0.1:2526");
  EXPECT_EQ(r->For("x.test").Text(), "maildir:/tmp/m");
  EXPECT_EQ(r->For("other.test").Text(), "smtp:mx.example.net:25");
  EXPECT_FALSE(Routes::Parse("nohost", "").ok());
  EXPECT_FALSE(Routes::Parse("", "justdomain").ok());
  EXPECT_EQ(DomainOf("Bob@Example.COM"), "example.com");
}

}  // namespace
}  // namespace sealpost::queue
