// Journal reports planned by the protection stage, against a real SQLite
// store and real keys.
#include "protect/journal.h"

#include <gtest/gtest.h>

#include "crypto/password.h"
#include "mime/journal_report.h"
#include "policy/journal_rule.h"
#include "protect/protector.h"
#include "protect/test_gateway_for_testing.h"

namespace sealpost::protect {
namespace {

constexpr char kSecret[] = "secret-7e21b0";

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override { gw_.org.AddUser("alice@example.com"); }

  void AddRule(std::string name, std::string scope, std::string recipient,
               bool enabled = true) {
    ASSERT_TRUE(gw_.org.store
                    .PutJournalRule({"j-" + name, name, scope, recipient,
                                     "journal@example.com", enabled, 0})
                    .ok());
  }
  Result<Outcome> Send(std::vector<std::string> to, std::string subject) {
    std::string content = "From: alice@example.com\r\nTo: " + to[0] +
                          "\r\nSubject: " + subject +
                          "\r\nMessage-ID: <m1@x>\r\n\r\n" + kSecret + "\r\n";
    return gw_.Send("alice@example.com", std::move(to), std::move(content));
  }
  // The outcome's journal report, or null.
  static const queue::IncomingMessage* Report(const Outcome& out) {
    for (const auto& m : out.messages) {
      if (m.content.find("X-Sealpost-Journal-Report: envelope") !=
          std::string::npos) {
        return &m;
      }
    }
    return nullptr;
  }

  // A report holds the protected message as it came (`sent`), then the
  // decrypted copy of message `id`, released once and audited.
  void ExpectDecryptedCopy(const queue::IncomingMessage& report,
                           const std::string& sent, const std::string& id) {
    EXPECT_NE(report.content.find(sent), std::string::npos);
    EXPECT_NE(report.content.find(mime::kDecryptedDescription),
              std::string::npos);
    EXPECT_NE(report.content.find(kSecret), std::string::npos);
    EXPECT_NE(report.content.find("Protected: " + id), std::string::npos);
    EXPECT_EQ(gw_.JournalDecryptAudits(id, report), 1);
  }

  FakeClock clock_{1'800'000'000};
  testing::TestGateway gw_{clock_, "journal"};
};

TEST_F(JournalTest, NoRuleNoReport) {
  auto out = Send({"bob@example.com"}, "hello");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->messages.size(), 1u);
  EXPECT_EQ(Report(*out), nullptr);
}

TEST_F(JournalTest, ReportGoesToTheJournalWithNdrToAsReversePath) {
  AddRule("all", "Global", "");
  auto out = Send({"bob@example.com", "hidden@example.com"}, "hello");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  const queue::IncomingMessage* r = Report(*out);
  ASSERT_NE(r, nullptr);
  ASSERT_EQ(r->recipients.size(), 1u);
  EXPECT_EQ(r->recipients[0].address, "journal@example.com");
  EXPECT_EQ(r->mail_from, "");  // no NDR address: never the sender
  EXPECT_EQ(r->params.ret, "HDRS");
  EXPECT_TRUE(r->protected_records.empty());
  EXPECT_NE(r->content.find("To: bob@example.com\r\nBcc: hidden@example.com"),
            std::string::npos);
  EXPECT_NE(r->content.find(kSecret), std::string::npos);  // not protected
  EXPECT_EQ(r->content.find(mime::kDecryptedDescription), std::string::npos);

  ASSERT_TRUE(
      gw_.org.store.PutSetting(policy::kJournalNdrToSetting, "ops@example.com")
          .ok());
  out = Send({"bob@example.com"}, "again");
  ASSERT_TRUE(out.ok());
  ASSERT_NE(Report(*out), nullptr);
  EXPECT_EQ(Report(*out)->mail_from, "ops@example.com");
}

// A report to a journal outside the organisation goes there only over TLS
// whose certificate verifies, whatever the domain's policy is by the time
// it is sent (the rule was checked against it when made); a journal in our
// own domain, in the same report, keeps its domain's policy.
TEST_F(JournalTest, AReportOutsideNeedsVerifiedTls) {
  AddRule("inside", "Global", "");
  ASSERT_TRUE(gw_.org.store
                  .PutJournalRule({"j-vault", "vault", "Global", "",
                                   "archive@Vault.test", true, 0})
                  .ok());
  auto out = Send({"bob@example.com"}, "hello");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* r = Report(*out);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->recipients.size(), 2u);
  EXPECT_EQ(r->params.verified_tls_domains,
            std::vector<std::string>{"vault.test"});
  EXPECT_FALSE(r->params.require_tls);
  // Mail that is no report names no domain.
  for (const auto& m : out->messages) {
    if (&m != r) {
      EXPECT_TRUE(m.params.verified_tls_domains.empty());
    }
  }
}

TEST_F(JournalTest, ScopeRecipientAndDisabledRules) {
  AddRule("in", "Internal", "bob@example.com");
  AddRule("off", "Global", "", /*enabled=*/false);
  auto out = Send({"carol@example.com"}, "not bob");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Report(*out), nullptr);
  out = Send({"bob@example.com", "dan@partner.test"}, "bob and outside");
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Report(*out), nullptr);
  out = Send({"bob@example.com"}, "bob inside");
  ASSERT_TRUE(out.ok());
  EXPECT_NE(Report(*out), nullptr);
}

TEST_F(JournalTest, ProtectedMailCarriesTheDecryptedCopyAudited) {
  AddRule("all", "Global", "");
  auto out = Send({"carol@gmail.test"}, "[encrypt] q");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->messages.size(), 2u);
  const queue::IncomingMessage& wrapper = out->messages[0];
  ASSERT_FALSE(wrapper.protected_records.empty());
  std::string id = wrapper.protected_records[0].record.id;
  const queue::IncomingMessage* r = Report(*out);
  ASSERT_NE(r, nullptr);
  ExpectDecryptedCopy(*r, wrapper.content, id);
  for (const auto& a : r->audit) {
    if (a.action == "journal.decrypt") {
      EXPECT_NE(a.detail.find("journal@example.com"), std::string::npos);
    }
  }
}

TEST_F(JournalTest, WithoutDecryptionTheReportHoldsNoPlaintext) {
  AddRule("all", "Global", "");
  gw_.SetJournalReportDecryption(false);
  auto out = Send({"carol@gmail.test"}, "[encrypt] q");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* r = Report(*out);
  ASSERT_NE(r, nullptr);
  EXPECT_NE(r->content.find("X-Sealpost-Protected: v1;"), std::string::npos);
  EXPECT_EQ(r->content.find(kSecret), std::string::npos);
  EXPECT_EQ(r->content.find(mime::kDecryptedDescription), std::string::npos);
  std::string id = out->messages[0].protected_records[0].record.id;
  EXPECT_EQ(gw_.JournalDecryptAudits(id, *r), 0);
}

// Mail that arrives already protected, with its container: the copy
// transport decryption opens goes into the report, audited twice (the
// key release and the copy); a tampered one gets no copy.
TEST_F(JournalTest, ArrivingProtectedMailCarriesWhatTransportDecryptionOpens) {
  auto first = Send({"bob@example.com"}, "[encrypt] q");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_EQ(first->messages.size(), 1u);
  const queue::IncomingMessage& sealed = first->messages[0];
  ASSERT_EQ(sealed.protected_records.size(), 1u);
  ASSERT_TRUE(
      gw_.org.store.AddProtectedMessage(sealed.protected_records[0]).ok());
  std::string id = sealed.protected_records[0].record.id;
  AddRule("all", "Global", "");
  auto out = gw_.Send("m@evil.test", {"bob@example.com"}, sealed.content,
                      /*trusted=*/false);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const queue::IncomingMessage* r = Report(*out);
  ASSERT_NE(r, nullptr);
  ExpectDecryptedCopy(*r, sealed.content, id);
  auto audit = gw_.org.store.ListAudit(id, 10);
  ASSERT_TRUE(audit.ok());
  int inspections = 0;
  for (const auto& a : *audit) {
    inspections += a.action == "license.transport_inspect";
  }
  EXPECT_EQ(inspections, 1);

  std::string tampered = sealed.content;
  size_t at = tampered.find("application/vnd.sealpost.sealed");
  at = tampered.find("\r\n\r\n", at) + 40;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  out = gw_.Send("m@evil.test", {"bob@example.com"}, tampered, false);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  r = Report(*out);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->content.find(mime::kDecryptedDescription), std::string::npos);
  EXPECT_EQ(r->content.find(kSecret), std::string::npos);
  EXPECT_EQ(gw_.JournalDecryptAudits(id, *r), 0);  // no copy, no record
}

}  // namespace
}  // namespace sealpost::protect
