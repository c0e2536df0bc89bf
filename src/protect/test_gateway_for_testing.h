// Tests only: the protection stage on a test organisation
// (license/test_org_for_testing.h) with its branding, rules and, when
// asked, S/MIME certificates on file; mail goes in as the SMTP server
// would hand it over.
//
// Thread-safety: one object per test.
#ifndef SEALPOST_PROTECT_TEST_GATEWAY_FOR_TESTING_H_
#define SEALPOST_PROTECT_TEST_GATEWAY_FOR_TESTING_H_

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/encoding.h"
#include "branding/branding.h"
#include "license/test_org_for_testing.h"
#include "mime/header_section.h"
#include "mime/wrapper.h"
#include "policy/rule_json.h"
#include "policy/rule_store.h"
#include "protect/protector.h"
#include "queue/queue.h"
#include "queue/spool_file.h"
#include "search/indexer.h"
#include "smime/certificate_directory.h"
#include "smime/directory_test_for_testing.h"

namespace sealpost::protect::testing {

enum class Certificates { kNone, kOnFile };
// kOn: protected messages get their eDiscovery index terms, as the server
// gives them.
enum class Indexing { kOff, kOn };

class TestGateway {
 public:
  // The organisation is example.com. `clock` must outlive the gateway.
  TestGateway(const Clock& clock, std::string_view name,
              Certificates certificates = Certificates::kNone,
              Indexing indexing = Indexing::kOff)
      : org(clock, name),
        brands(org.store),
        rules(org.store),
        indexer(org.keys),
        indexing_(indexing),
        clock_(clock) {
    if (certificates == Certificates::kOnFile) {
      certs = std::make_unique<smime::CertificateDirectory>(
          org.store, org.keys, clock, std::vector<std::string>{"example.com"});
    }
    Rebuild(DefaultOptions());
  }

  // The options the gateway starts with: the organisation example.com, its
  // certificates on file when it has them, the indexer with Indexing::kOn.
  ProtectorOptions DefaultOptions() {
    ProtectorOptions options{
        {"example.com"}, "https://portal.test", "gw.test", {}};
    options.certificates = certs.get();
    if (indexing_ == Indexing::kOn) options.indexer = &indexer;
    return options;
  }
  // A new protector with `options`, as a restart with other settings.
  void Rebuild(const ProtectorOptions& options) {
    protector =
        std::make_unique<Protector>(org.licenses, org.directory, org.templates,
                                    brands, rules, org.store, clock_, options);
  }

  // A rule in the JSON of the rules API, allowed both default templates.
  void AddRule(std::string_view json) {
    auto rule = policy::RuleFromJson(json);
    if (!rule.ok()) throw std::runtime_error(rule.status().ToString());
    auto made = rules.Create(*rule, {"Encrypt", "Do Not Forward"});
    if (!made.ok()) throw std::runtime_error(made.status().ToString());
  }

  // The IRM property `name` (`irm set`) set to `value`.
  void SetIrm(std::string_view name, std::string_view value) {
    auto irm = org.licenses.LoadIrm();
    ASSERT_TRUE(irm.ok());
    ASSERT_TRUE(irm->Set(name, value).ok());
    ASSERT_TRUE(org.licenses.SaveIrm(*irm).ok());
  }
  // JournalReportDecryptionEnabled set to `enabled`.
  void SetJournalReportDecryption(bool enabled) {
    SetIrm("JournalReportDecryptionEnabled", enabled ? "True" : "False");
  }

  // TransportDecryptionSetting set to `mode`.
  void SetTransportDecryption(std::string_view mode) {
    SetIrm("TransportDecryptionSetting", mode);
  }

  // `plain` sealed as alice's to bob under Encrypt, without the mail flow
  // (as a client of its own, or a release before a check, could), in its
  // wrapper mail carrying the container.
  Result<std::string> WrapperOfSealed(std::string plain) {
    license::ProtectRequest pr{
        "alice@example.com", "Encrypt", {"bob@example.com"}, plain, ""};
    SP_ASSIGN_OR_RETURN(auto sealed, org.licenses.Protect(pr));
    mime::WrapperOptions wrap{sealed.message_id, sealed.license.template_name,
                              "https://portal.example.com"};
    wrap.seal = [&](std::string_view header, std::string_view body) {
      return org.licenses.SealWrapper(
          sealed.message_id, sealed.license.template_name, header, body);
    };
    return mime::BuildWrapperMail(plain, sealed.container, wrap);
  }

  // The journal.decrypt records of message `id` on `report`, committed
  // with it by the queue; none in the store before (Apply commits nothing).
  int JournalDecryptAudits(const std::string& id,
                           const queue::IncomingMessage& report) {
    auto audit = org.store.ListAudit(id, 100);
    EXPECT_TRUE(audit.ok());
    for (const auto& a : *audit) EXPECT_NE(a.action, "journal.decrypt");
    int n = 0;
    for (const auto& a : report.audit) {
      n += a.action == "journal.decrypt" && a.object == id;
    }
    return n;
  }

  // Mail from a client in smtp.client_networks (trusted) unless told
  // otherwise.
  Result<Outcome> Send(std::string from, std::vector<std::string> to,
                       std::string content, bool trusted = true) {
    queue::IncomingMessage in;
    in.id = queue::NewQueueId();
    in.trusted_sender = trusted;
    in.mail_from = std::move(from);
    for (auto& t : to) in.recipients.push_back({t, 0, ""});
    in.content = std::move(content);
    return protector->Apply(in);
  }

  license::testing::TestOrg org;
  branding::BrandingStore brands;
  policy::RuleStore rules;
  search::Indexer indexer;  // given to the protector with Indexing::kOn
  std::unique_ptr<smime::CertificateDirectory> certs;  // kOnFile only
  std::unique_ptr<Protector> protector;

 private:
  Indexing indexing_;
  const Clock& clock_;  // not owned: must outlive the gateway
};

// The fixture of the S/MIME tests of protect/: a gateway with certificates
// on file, alice@example.com one of its users, her key on file, and
// bob@partner.test a partner (smime::testing::ImportTestCast).
class SmimeGatewayTest : public ::testing::Test {
 protected:
  // `name` names the organisation's temporary directory.
  explicit SmimeGatewayTest(std::string_view name)
      : gw_(clock_, name, Certificates::kOnFile) {}
  void SetUp() override {
    gw_.org.AddUser("alice@example.com");
    ASSERT_TRUE(smime::testing::ImportTestCast(*gw_.certs, pki_).ok());
  }

  SystemClock clock_;
  crypto::testing::TestPki pki_;
  TestGateway gw_;
};

// The DER in the base64 body of an S/MIME message.
inline std::string SmimeDer(const std::string& mail) {
  mime::HeaderSection hs = mime::SplitHeaderSection(mail);
  std::string b64;
  for (char c : hs.body) {
    if (c != '\r' && c != '\n') b64 += c;
  }
  return Base64Decode(b64).value();
}

// `mail` in a spool file in `dir`, appended 100,000 bytes at a time as an
// SMTP session spools DATA.
inline Result<std::shared_ptr<queue::SpoolFile>> SpoolOf(
    const std::string& dir, std::string_view mail) {
  SP_ASSIGN_OR_RETURN(auto spool, queue::SpoolFile::Create(dir));
  for (size_t at = 0; at < mail.size(); at += 100'000) {
    SP_RETURN_IF_ERROR(spool->Append(mail.substr(at, 100'000)));
  }
  SP_RETURN_IF_ERROR(spool->Finish());
  return std::shared_ptr<queue::SpoolFile>(std::move(spool));
}

// Everything `source` gives from where it is, `slice` bytes a Read at most.
inline Result<std::string> ReadToEnd(ByteSource& source,
                                     size_t slice = 1 << 16) {
  std::string bytes;
  for (;;) {
    SP_ASSIGN_OR_RETURN(size_t n, source.Read(slice, &bytes));
    if (n == 0) return bytes;
  }
}

// What the queue does with a copy made as it is read: its source read to
// the end, then let go. "not streamed" for a copy given whole.
inline Result<std::string> ReadStreamedCopy(queue::IncomingMessage& m) {
  if (m.content_source == nullptr) return InternalError("not streamed");
  SP_ASSIGN_OR_RETURN(std::string bytes, ReadToEnd(*m.content_source));
  m.content_source.reset();
  return bytes;
}

}  // namespace sealpost::protect::testing

#endif  // SEALPOST_PROTECT_TEST_GATEWAY_FOR_TESTING_H_
