// CRLs fetched from a certificate's distribution point, against real CRLs
// (`openssl ca -gencrl`, a tool we did not write, with CRL Numbers) served
// by a small HTTP server here that counts the requests, and a FakeClock
// that moves the directory's time on without sleeping: a fetched CRL spares
// a fetch for a day at most, a failed fetch leaves the CRL on file
// deciding, an older CRL never replaces a newer one, and an imported CRL is
// used until its nextUpdate (docs/smime.md, "Revocation checking").
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "crypto/test_pki_for_testing.h"
#include "license/test_org_for_testing.h"
#include "smime/certificate_directory.h"
#include "smime/http_server_for_testing.h"

namespace sealpost::smime {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 24 * kHour;

// The real time `seconds` from now as openssl ca's -crl_lastupdate takes
// it.
std::string UtcIn(int64_t seconds) {
  const std::time_t t = std::time(nullptr) + seconds;
  char when[32];
  std::strftime(when, sizeof when, "%Y%m%d%H%M%SZ", std::gmtime(&t));
  return when;
}

// An HTTP server on 127.0.0.1 that answers every GET with the CRL it is
// given (Serve). Serves until destroyed.
class CrlServer {
 public:
  int port() const { return http_.port(); }
  int requests() const { return http_.requests(); }
  void Serve(std::string der) {
    std::lock_guard<std::mutex> lock(mu_);
    der_ = std::move(der);
  }

 private:
  std::string Answer() {
    std::lock_guard<std::mutex> lock(mu_);
    return testing::LocalHttpServer::Ok("application/pkix-crl", der_);
  }

  std::mutex mu_;
  std::string der_;
  // Last: its thread stops before what it reads goes.
  testing::LocalHttpServer http_{
      [this](const std::string&) { return Answer(); }};
};

class FetchedCrlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(server_->port(), 0);
    ASSERT_TRUE(certs_.TrustImport(pki_.Read("ca.pem")).ok());
    bob_ = Partner("bob");
    carol_ = Partner("carol");
    // Past the certificates' notBefore, made after the clock was set.
    Advance(60);
  }

  // A partner's certificate naming the server as its CRL distribution
  // point (and no OCSP responder), on file; its id.
  std::string Partner(const std::string& who) {
    pki_.Write(who + ".ext",
               "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,"
               "keyEncipherment\nextendedKeyUsage=emailProtection\n"
               "subjectAltName=email:" +
                   who +
                   "@partner.test\ncrlDistributionPoints=URI:http://"
                   "127.0.0.1:" +
                   std::to_string(server_->port()) + "/ca.crl\n");
    EXPECT_TRUE(pki_.Run(
        "openssl req -new -newkey rsa:2048 -nodes -keyout " + who +
        ".key -out " + who + ".csr -subj '/CN=" + who +
        "' && openssl x509 -req -in " + who +
        ".csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 365 -out " + who +
        ".pem -extfile " + who +
        ".ext && openssl ca -config ca.cnf -name crl -keyfile ca.key -cert "
        "ca.pem -valid " +
        who + ".pem"));
    auto imported = certs_.Import(pki_.Read(who + ".pem"), {});
    EXPECT_TRUE(imported.ok()) << imported.status().ToString();
    return imported.ok() ? imported->certificates.at(0).record.id : "";
  }
  // The CA's next CRL (CRL Number one higher than the last), DER, with
  // `who` revoked when not empty; nextUpdate 30 days ahead.
  std::string NextCrl(const std::string& who = "") {
    if (!who.empty()) {
      EXPECT_TRUE(
          pki_.Run("openssl ca -config ca.cnf -name crl -keyfile ca.key -cert "
                   "ca.pem -revoke " +
                   who + ".pem"));
    }
    EXPECT_TRUE(
        pki_.Run("openssl ca -config ca.cnf -name crl -keyfile ca.key -cert "
                 "ca.pem -gencrl -crldays 30 -out next.pem && openssl crl -in "
                 "next.pem -outform DER -out next.der"));
    return pki_.Read("next.der");
  }
  // The CA's CRL as openssl ca makes it with the extensions of section
  // `exts` of ca.cnf (or none) and the extra `options`, numbered `number`
  // (hex), DER; the CRL numbers go on from there.
  std::string CrlWith(const std::string& number, const std::string& exts,
                      const std::string& options = "") {
    pki_.Write("crlnumber", number + "\n");
    EXPECT_TRUE(pki_.Run(
        "openssl ca -config ca.cnf -name crl -keyfile ca.key -cert ca.pem "
        "-gencrl -crldays 30 " +
        (exts.empty() ? "" : "-crlexts " + exts + " ") + options +
        " -out other.pem && openssl crl -in other.pem -outform DER -out "
        "other.der"));
    return pki_.Read("other.der");
  }
  CertView Get(const std::string& id) {
    auto v = certs_.Get(id);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : CertView{};
  }
  void Advance(int64_t seconds) {
    clock_.Advance(std::chrono::seconds(seconds));
  }
  std::string CrlNumberOnFile() {
    auto crls = certs_.Crls();
    EXPECT_TRUE(crls.ok());
    return crls.ok() && crls->size() == 1 ? crls->front().number : "";
  }

  crypto::testing::TestPki pki_;
  // The CRLs are dated by the real clock: the directory's starts there.
  FakeClock clock_{static_cast<int64_t>(std::time(nullptr))};
  license::testing::TestOrg org_{clock_, "crl_refresh_test"};
  CertificateDirectory certs_{org_.store, org_.keys, clock_, {"example.com"}};
  std::unique_ptr<CrlServer> server_ = std::make_unique<CrlServer>();
  std::string bob_, carol_;
};

// A CRL whose nextUpdate is 30 days ahead spares a fetch for a day, not a
// month: the CA's next CRL, which revokes bob, is seen the next day.
TEST_F(FetchedCrlTest, IsFetchedAgainAfterADay) {
  server_->Serve(NextCrl());
  CertView first = Get(bob_);
  EXPECT_EQ(first.status, CertStatus::kValid) << first.reason;
  EXPECT_EQ(server_->requests(), 1);
  EXPECT_NE(first.revocation.find("the CRL fetched from"), std::string::npos)
      << first.revocation;
  auto crls = certs_.Crls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 1u);
  EXPECT_EQ(crls->front().fetched_at, clock_.NowUnix());
  EXPECT_EQ(crls->front().number, "1");

  server_->Serve(NextCrl("bob"));
  Advance(23 * kHour);
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);
  EXPECT_EQ(server_->requests(), 1) << "fetched again within the day";

  Advance(2 * kHour);
  CertView later = Get(bob_);
  EXPECT_EQ(later.status, CertStatus::kRevoked) << later.reason;
  EXPECT_EQ(server_->requests(), 2);
  EXPECT_EQ(CrlNumberOnFile(), "2");
  // The new CRL spares a fetch for another day.
  Advance(kHour);
  EXPECT_EQ(Get(carol_).status, CertStatus::kValid);
  EXPECT_EQ(server_->requests(), 2);
}

// When the fetch a day later fails (the server down, or blocked), the CRL
// on file still decides until its nextUpdate: bob, whom it revokes, stays
// revoked, and the URL waits its few minutes between tries.
TEST_F(FetchedCrlTest, AFailedFetchLeavesTheCrlOnFileDeciding) {
  server_->Serve(NextCrl("bob"));
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  EXPECT_EQ(server_->requests(), 1);
  server_.reset();  // the distribution point is down

  Advance(25 * kHour);
  CertView bob = Get(bob_);
  EXPECT_EQ(bob.status, CertStatus::kRevoked) << bob.reason;
  EXPECT_NE(bob.revocation.find("the CRL on file decides until its "
                                "nextUpdate, not fetched again"),
            std::string::npos)
      << bob.revocation;
  CertView carol = Get(carol_);
  EXPECT_EQ(carol.status, CertStatus::kValid) << carol.reason;
  EXPECT_NE(carol.revocation.find("not asked again for a few minutes"),
            std::string::npos)
      << carol.revocation;

  Advance(28 * kDay);
  bob = Get(bob_);
  EXPECT_EQ(bob.status, CertStatus::kRevoked) << bob.reason;
  EXPECT_EQ(CrlNumberOnFile(), "1");
}

// Past the CRL's nextUpdate with the distribution point unreachable, no
// current CRL can be had (docs/smime.md, "Revocation checking", step 4).
// The one on file still revokes bob, whom it lists, under either setting
// and for a received signature too: blocking the fetch (anyone on the
// plain-HTTP path can) must not make him usable. For carol, whom it does
// not list, OWACheckCRLOnSend says what happens. False (the default): the
// certificate is used, its status "not checked". True: it is not used to
// send to (untrusted, so the mail goes by the portal). A received
// signature's certificate is verified either way (the switch is about
// sending, as in Exchange).
TEST_F(FetchedCrlTest, PastItsNextUpdateWithTheFetchBlockedOnSendDecides) {
  server_->Serve(NextCrl("bob"));  // nextUpdate 30 days ahead
  CertView revoked = Get(bob_);
  EXPECT_EQ(revoked.status, CertStatus::kRevoked) << revoked.reason;
  const std::string bob_der = revoked.record.der;
  const std::string carol_der = Get(carol_).record.der;
  server_.reset();  // the distribution point is down from now on
  Advance(30 * kDay + kHour);

  const std::string out_of_date =
      "revoked in its issuer's CRL (the one on file, out of date but "
      "listing it";
  CertView bob = Get(bob_);
  EXPECT_EQ(bob.status, CertStatus::kRevoked) << bob.reason;
  EXPECT_NE(bob.reason.find(out_of_date), std::string::npos) << bob.reason;
  auto lookups = certs_.ForRecipients({"bob@partner.test"});
  ASSERT_TRUE(lookups.ok()) << lookups.status().ToString();
  EXPECT_FALSE(lookups->at(0).certificate.has_value());
  EXPECT_NE(lookups->at(0).reason.find(out_of_date), std::string::npos)
      << lookups->at(0).reason;
  CertView carol = Get(carol_);
  EXPECT_EQ(carol.status, CertStatus::kValid) << carol.reason;
  EXPECT_NE(carol.revocation.find("revocation status unavailable, not checked"),
            std::string::npos)
      << carol.revocation;
  EXPECT_EQ(carol.revocation.find("the CRL on file decides"), std::string::npos)
      << carol.revocation;
  lookups = certs_.ForRecipients({"carol@partner.test"});
  ASSERT_TRUE(lookups.ok()) << lookups.status().ToString();
  EXPECT_TRUE(lookups->at(0).certificate.has_value()) << lookups->at(0).reason;

  auto config = SmimeConfig::Load(org_.store);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  ASSERT_TRUE(config->Set("OWACheckCRLOnSend", "True").ok());
  ASSERT_TRUE(certs_.SaveConfig(*config).ok());
  bob = Get(bob_);
  EXPECT_EQ(bob.status, CertStatus::kRevoked) << bob.reason;
  EXPECT_NE(bob.reason.find(out_of_date), std::string::npos) << bob.reason;
  const std::string refused =
      "revocation status unavailable (OWACheckCRLOnSend True)";
  carol = Get(carol_);
  EXPECT_EQ(carol.status, CertStatus::kUntrusted) << carol.reason;
  EXPECT_NE(carol.reason.find(refused), std::string::npos) << carol.reason;
  lookups = certs_.ForRecipients({"carol@partner.test"});
  ASSERT_TRUE(lookups.ok()) << lookups.status().ToString();
  EXPECT_FALSE(lookups->at(0).certificate.has_value());
  EXPECT_NE(lookups->at(0).reason.find(refused), std::string::npos)
      << lookups->at(0).reason;

  auto signer = certs_.EvaluateSigner(bob_der, {});
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer->status, CertStatus::kRevoked) << signer->reason;
  EXPECT_NE(signer->reason.find(out_of_date), std::string::npos)
      << signer->reason;
  signer = certs_.EvaluateSigner(carol_der, {});
  ASSERT_TRUE(signer.ok()) << signer.status().ToString();
  EXPECT_EQ(signer->status, CertStatus::kValid) << signer->reason;
  EXPECT_NE(
      signer->revocation.find("revocation status unavailable, not checked"),
      std::string::npos)
      << signer->revocation;
}

// An older CRL of the issuer (a lower CRL Number: one replayed on the
// plain-HTTP path) is refused, and the newer one on file, which revokes
// bob, is kept and decides.
TEST_F(FetchedCrlTest, AnOlderCrlIsRefusedAndTheNewerKept) {
  const std::string older = NextCrl();
  server_->Serve(NextCrl("bob"));
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  EXPECT_EQ(CrlNumberOnFile(), "2");

  server_->Serve(older);
  Advance(25 * kHour);
  CertView bob = Get(bob_);
  EXPECT_EQ(server_->requests(), 2);
  EXPECT_EQ(bob.status, CertStatus::kRevoked) << bob.reason;
  EXPECT_NE(bob.revocation.find("(CRL number 1) is older than the one of its "
                                "issuer on file: refused"),
            std::string::npos)
      << bob.revocation;
  EXPECT_EQ(CrlNumberOnFile(), "2");
}

// The same CRL again (the CA has not issued a new one) is no replay: it
// is kept, dated by this fetch, and spares a fetch for another day.
TEST_F(FetchedCrlTest, TheSameCrlAgainSparesAnotherDay) {
  server_->Serve(NextCrl());
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);
  Advance(25 * kHour);
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);
  EXPECT_EQ(server_->requests(), 2);
  auto crls = certs_.Crls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 1u);
  EXPECT_EQ(crls->front().fetched_at, clock_.NowUnix());
  Advance(23 * kHour);
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);
  EXPECT_EQ(server_->requests(), 2);
}

// An admin's import is used until its nextUpdate without a fetch, though
// the certificates name a distribution point.
TEST_F(FetchedCrlTest, AnImportedCrlIsNotFetchedBeforeItsNextUpdate) {
  ASSERT_TRUE(certs_.CrlImport(NextCrl("bob")).ok());
  server_->Serve(NextCrl());
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  Advance(25 * kHour);
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  Advance(28 * kDay);
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  EXPECT_EQ(server_->requests(), 0);
  auto crls = certs_.Crls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 1u);
  EXPECT_EQ(crls->front().fetched_at, 0);
}

// `cert crl import` of a CRL older than the one on file is refused, not
// taken silently as done: the newer one stays.
TEST_F(FetchedCrlTest, ImportingAnOlderCrlIsRefused) {
  const std::string older = NextCrl();
  ASSERT_TRUE(certs_.CrlImport(NextCrl("bob")).ok());
  auto refused = certs_.CrlImport(older);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("a newer CRL of \"CN=Test CA\" "
                                            "is on file"),
            std::string::npos)
      << refused.status().message();
  EXPECT_EQ(CrlNumberOnFile(), "2");
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  // The same CRL again is fine.
  EXPECT_TRUE(certs_.CrlImport(pki_.Read("next.der")).ok());
  // Removed first, the older one may go on file: the admin's choice.
  ASSERT_TRUE(certs_.CrlRemove("CN=Test CA").ok());
  EXPECT_EQ(certs_.CrlRemove("CN=Test CA").status().code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(certs_.CrlImport(older).ok());
  EXPECT_EQ(CrlNumberOnFile(), "1");
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);
}

// A delta CRL (RFC 5280 §5.2.4) lists only what was revoked since its base
// CRL: served at the full CRL's URL by anyone on the plain-HTTP path, with
// its higher CRL Number, it is refused, and the full CRL on file, which
// revokes bob, is kept and decides. `cert crl import` refuses it too.
TEST_F(FetchedCrlTest, ADeltaCrlIsRefusedAndTheFullOneKept) {
  pki_.Write("ca.cnf", pki_.Read("ca.cnf") +
                           "[delta]\n2.5.29.27=critical,DER:02:01:01\n");
  const std::string delta = CrlWith("10", "delta");  // revokes no one
  pki_.Write("crlnumber", "01\n");
  server_->Serve(NextCrl("bob"));
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
  EXPECT_EQ(CrlNumberOnFile(), "1");

  server_->Serve(delta);
  Advance(25 * kHour);
  CertView bob = Get(bob_);
  EXPECT_EQ(server_->requests(), 2);
  EXPECT_EQ(bob.status, CertStatus::kRevoked) << bob.reason;
  EXPECT_NE(bob.revocation.find("a delta CRL (Delta CRL Indicator, RFC 5280 "
                                "§5.2.4) is not supported: import the full "
                                "CRL"),
            std::string::npos)
      << bob.revocation;
  EXPECT_EQ(CrlNumberOnFile(), "1");

  auto imported = certs_.CrlImport(delta);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(imported.status().message().find("is not supported: import the "
                                             "full CRL"),
            std::string::npos)
      << imported.status().message();
  EXPECT_EQ(CrlNumberOnFile(), "1");
  EXPECT_EQ(Get(bob_).status, CertStatus::kRevoked);
}

// A CRL dated ahead (signed in advance, a higher CRL Number) would make
// every genuine CRL read as older until its day: refused, fetched or
// imported.
TEST_F(FetchedCrlTest, ACrlDatedAheadIsRefused) {
  const std::string ahead = CrlWith("10", "", "-crl_lastupdate " + UtcIn(kDay));
  server_->Serve(ahead);
  CertView bob = Get(bob_);
  EXPECT_EQ(server_->requests(), 1);
  EXPECT_NE(bob.revocation.find("is refused: the CRL is dated ahead"),
            std::string::npos)
      << bob.revocation;
  auto crls = certs_.Crls();
  ASSERT_TRUE(crls.ok());
  EXPECT_TRUE(crls->empty());

  auto imported = certs_.CrlImport(ahead);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(imported.status().message().find("the CRL is dated ahead"),
            std::string::npos)
      << imported.status().message();
  // A few seconds ahead is clock skew.
  EXPECT_TRUE(
      certs_.CrlImport(CrlWith("11", "", "-crl_lastupdate " + UtcIn(60))).ok());
}

// Two CRLs of one issuer with the same CRL Number but other content: the
// one on file decides (a fetch does not make the verdict flip between the
// two), and an import of the other is refused rather than dropped.
TEST_F(FetchedCrlTest, TheSameNumberWithOtherContentKeepsTheOneOnFile) {
  const std::string first = CrlWith("05", "");
  const std::string other = [&] {
    pki_.Run(
        "openssl ca -config ca.cnf -name crl -keyfile ca.key -cert "
        "ca.pem -revoke bob.pem");
    return CrlWith("05", "");  // revokes bob
  }();
  ASSERT_NE(first, other);
  server_->Serve(first);
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);

  server_->Serve(other);
  Advance(25 * kHour);
  CertView bob = Get(bob_);
  EXPECT_EQ(server_->requests(), 2);
  EXPECT_EQ(bob.status, CertStatus::kValid) << bob.reason;
  EXPECT_NE(bob.revocation.find("(CRL number 5) differs from the one of its "
                                "issuer on file with the same CRL number: "
                                "refused, the one on file kept"),
            std::string::npos)
      << bob.revocation;
  Advance(kHour);
  EXPECT_EQ(Get(bob_).status, CertStatus::kValid);
  auto crls = certs_.Crls();
  ASSERT_TRUE(crls.ok());
  ASSERT_EQ(crls->size(), 1u);
  EXPECT_EQ(crls->front().der, first);

  auto imported = certs_.CrlImport(other);
  ASSERT_FALSE(imported.ok());
  EXPECT_EQ(imported.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(imported.status().message().find(
                "a CRL with the same CRL Number but different content is on "
                "file"),
            std::string::npos)
      << imported.status().message();
  crls = certs_.Crls();
  ASSERT_TRUE(crls.ok());
  EXPECT_EQ(crls->front().der, first);
}

}  // namespace
}  // namespace sealpost::smime
