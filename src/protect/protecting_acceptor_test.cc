// ProtectingAcceptor in front of the real queue: the messages one incoming
// message becomes (its treatment groups' copies, a decrypted copy, its
// journal report) are committed together or not at all, so that the
// client's retry after a 4xx queues each of them once.
#include "protect/protecting_acceptor.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <map>

#include "base/metrics.h"
#include "crypto/master_key.h"
#include "protect/test_gateway_for_testing.h"

namespace sealpost::protect {
namespace {

// A spool whose bytes do not read back (a disk error): the queue refuses
// the message that names it (queue::LoadSpooled, INTERNAL).
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

// The queue behind, except that while `fail_at` is set, the fail_at-th
// message handed on (from 1) cannot be read back: a failure between the
// parts of one incoming message.
class FaultyQueue final : public queue::Acceptor {
 public:
  explicit FaultyQueue(queue::Queue& queue) : queue_(queue) {}

  void Accept(queue::IncomingMessage message,
              std::function<void(Status)> done) override {
    Spoil(message);
    queue_.Accept(std::move(message), std::move(done));
  }
  void AcceptAll(std::vector<queue::IncomingMessage> messages,
                 std::function<void(Status)> done) override {
    for (auto& m : messages) Spoil(m);
    queue_.AcceptAll(std::move(messages), std::move(done));
  }
  Status Stage(queue::IncomingMessage& message) override {
    return queue_.Stage(message);
  }
  Result<std::unique_ptr<ByteSource>> OpenStaged(
      const queue::IncomingMessage& message) override {
    return queue_.OpenStaged(message);
  }
  bool StagesBodies() const override { return queue_.StagesBodies(); }

  int fail_at = 0;  // 0: none fails

 private:
  void Spoil(queue::IncomingMessage& message) {
    if (++handed_ == fail_at) message.spool = std::make_shared<CutSpool>();
  }

  queue::Queue& queue_;
  int handed_ = 0;
};

// With a parameter: whether the message is large and spooled (issue 14:
// every part streamed into its body file as it is made) or in memory.
class ProtectingAcceptorTest : public testing::SmimeGatewayTest,
                               public ::testing::WithParamInterface<bool> {
 protected:
  ProtectingAcceptorTest() : SmimeGatewayTest("acceptor") {}

  void SetUp() override {
    SmimeGatewayTest::SetUp();
    auto key = queue::LoadOrCreateContentKey(gw_.org.store,
                                             crypto::MasterKey::Generate());
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    // No route: what is queued stays queued (deferred), to be counted.
    queue_ = std::make_unique<queue::Queue>(
        gw_.org.store, clock_, metrics_, *key, queue::QueueOptions{}, nullptr);
    ASSERT_TRUE(queue_->Start().ok());
  }
  void TearDown() override { queue_->Stop(); }

  // As the SMTP server hands it over (a large message in a spool file):
  // `done`'s status.
  Status Send(queue::Acceptor& acceptor, const std::string& mail,
              std::vector<std::string> to) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.mail_from = "bob@partner.test";
    for (auto& t : to) in.recipients.push_back({t, 0, ""});
    if (GetParam()) {
      auto spool = testing::SpoolOf(gw_.org.temp.dir.path(), mail);
      if (!spool.ok()) return spool.status();
      in.spool = *spool;
    } else {
      in.content = mail;
    }
    std::promise<Status> done;
    acceptor.Accept(std::move(in), [&done](Status s) { done.set_value(s); });
    return done.get_future().get();
  }

  // Each address's queued copies.
  std::map<std::string, int> QueuedCopies() {
    std::map<std::string, int> copies;
    auto list = gw_.org.store.ListQueuedMessages("", 100);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (!list.ok()) return copies;
    for (const auto& m : *list) {
      for (const auto& r : m.recipients) ++copies[r.address];
    }
    return copies;
  }

  // The store's body files (queue bodies and portal copies).
  int BodyFiles() {
    int n = 0;
    std::error_code ec;
    for (const auto& f : std::filesystem::recursive_directory_iterator(
             gw_.org.temp.dir.File("s.db") + "-bodies", ec)) {
      n += f.is_regular_file();
    }
    return n;
  }

  MetricsRegistry metrics_;
  std::unique_ptr<queue::Queue> queue_;
};

// smime.decrypt_inbound with a journal rule: Alice's decrypted copy,
// Carol's as it came and the journal report. The queue refuses the second
// of them: the client gets a 4xx, nothing is queued and no body file is
// left; its retry queues each copy once and one report (a failure between
// separate acceptances queued a second report and a second copy for
// Alice).
TEST_P(ProtectingAcceptorTest, RefusedPartQueuesNothingAndTheRetryQueuesOnce) {
  ASSERT_TRUE(gw_.org.store
                  .PutJournalRule({"j-all", "all", "Global", "",
                                   "journal@example.com", true, 0})
                  .ok());
  std::string entity = "Content-Type: text/plain\r\n\r\nsecret-9f3\r\n";
  while (GetParam() && entity.size() < 600'000) {
    entity += "a line of the large entity, to be decrypted\r\n";
  }
  pki_.Write("entity.txt", entity);
  ASSERT_TRUE(pki_.Run(
      "openssl cms -encrypt -binary -aes256 -in entity.txt -from "
      "bob@partner.test -to alice@example.com -subject hi -out enc.eml "
      "alice.pem"));
  const std::string mail = pki_.ReadCrlf("enc.eml");
  ProtectorOptions options = gw_.DefaultOptions();
  options.smime_decrypt_inbound = true;
  options.spool_dir = gw_.org.temp.dir.path();
  gw_.Rebuild(options);

  FaultyQueue faulty(*queue_);
  ProtectingAcceptor protecting(*gw_.protector, faulty, 1);
  faulty.fail_at = 2;
  Status first =
      Send(protecting, mail, {"alice@example.com", "carol@example.com"});
  EXPECT_FALSE(first.ok());
  EXPECT_TRUE(QueuedCopies().empty()) << "a refused message queues nothing";
  EXPECT_EQ(BodyFiles(), 0);

  faulty.fail_at = 0;
  Status retry =
      Send(protecting, mail, {"alice@example.com", "carol@example.com"});
  ASSERT_TRUE(retry.ok()) << retry.ToString();
  const std::map<std::string, int> once = {{"alice@example.com", 1},
                                           {"carol@example.com", 1},
                                           {"journal@example.com", 1}};
  EXPECT_EQ(QueuedCopies(), once);
  // Large: each part was streamed into a body file of its own.
  EXPECT_EQ(BodyFiles(), GetParam() ? 3 : 0);
}

// Several incoming messages cannot be one acceptance here (each is
// applied and committed on its own): refused, none of them queued. One is
// accepted as by Accept.
TEST_P(ProtectingAcceptorTest, AcceptAllTakesOneIncomingMessageOnly) {
  ProtectingAcceptor protecting(*gw_.protector, *queue_, 1);
  auto incoming = [this](const std::string& to) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.mail_from = "bob@partner.test";
    in.recipients.push_back({to, 0, ""});
    std::string mail = "From: bob@partner.test\r\nTo: " + to +
                       "\r\nSubject: hi\r\n\r\nhello\r\n";
    if (GetParam()) {
      auto spool = testing::SpoolOf(gw_.org.temp.dir.path(), mail);
      EXPECT_TRUE(spool.ok()) << spool.status().ToString();
      if (spool.ok()) in.spool = *spool;
    } else {
      in.content = mail;
    }
    return in;
  };
  auto accept_all = [&protecting](std::vector<queue::IncomingMessage> all) {
    std::promise<Status> done;
    protecting.AcceptAll(std::move(all),
                         [&done](Status s) { done.set_value(s); });
    return done.get_future().get();
  };

  std::vector<queue::IncomingMessage> two;
  two.push_back(incoming("alice@example.com"));
  two.push_back(incoming("carol@example.com"));
  Status refused = accept_all(std::move(two));
  EXPECT_EQ(refused.code(), StatusCode::kInternal) << refused.ToString();
  EXPECT_EQ(refused.message(), "not one incoming message");
  EXPECT_TRUE(QueuedCopies().empty()) << "none of them is queued";

  std::vector<queue::IncomingMessage> one;
  one.push_back(incoming("alice@example.com"));
  Status accepted = accept_all(std::move(one));
  ASSERT_TRUE(accepted.ok()) << accepted.ToString();
  const std::map<std::string, int> alice = {{"alice@example.com", 1}};
  EXPECT_EQ(QueuedCopies(), alice);
}

INSTANTIATE_TEST_SUITE_P(InMemoryAndSpooled, ProtectingAcceptorTest,
                         ::testing::Bool());

}  // namespace
}  // namespace sealpost::protect
