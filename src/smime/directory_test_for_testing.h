// Tests only: the fixture of the smime/ tests built on certificates on file:
// a certificate directory for example.com on a fresh organisation
// (license::testing::TestOrg), beside a PKI made by the openssl command line
// (crypto::testing::TestPki) whose CA each test trusts or not.
//
// Thread-safety: one object per test.
#ifndef SEALPOST_SMIME_DIRECTORY_TEST_FOR_TESTING_H_
#define SEALPOST_SMIME_DIRECTORY_TEST_FOR_TESTING_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/test_pki_for_testing.h"
#include "license/test_org_for_testing.h"
#include "smime/certificate_directory.h"

namespace sealpost::smime::testing {

// The test PKI's certificates put on file in `certs`, made now (each says
// how its import went): the set-up the S/MIME tests of smime/ and protect/
// share.
//
// The PKI's CA ("ca.pem"), trusted.
inline Status TrustTestCa(CertificateDirectory& certs,
                          crypto::testing::TestPki& pki) {
  return certs.TrustImport(pki.Read("ca.pem")).status();
}
// A partner's certificate `who`.pem for `email` (`days` < 0: expired),
// the certificate alone.
inline Status ImportPartner(CertificateDirectory& certs,
                            crypto::testing::TestPki& pki,
                            const std::string& who, const std::string& email,
                            int days = 365) {
  pki.MakeLeaf(who, email, days);
  return certs.Import(pki.Read(who + ".pem"), {}).status();
}
// One of our users, `who`, for `email`: certificate and key, imported as
// `who`.p12 under the password "pw".
inline Status ImportOwnKey(CertificateDirectory& certs,
                           crypto::testing::TestPki& pki,
                           const std::string& who, const std::string& email) {
  pki.MakeLeaf(who, email);
  pki.MakePkcs12(who, "pw");
  return certs
      .Import(pki.Read(who + ".p12"), SecretBytes::FromStringInsecure("pw"))
      .status();
}

// The cast most tests start from: the CA trusted, bob@partner.test a
// partner ("bob") and alice@example.com our user with her key ("alice").
inline Status ImportTestCast(CertificateDirectory& certs,
                             crypto::testing::TestPki& pki) {
  SP_RETURN_IF_ERROR(TrustTestCa(certs, pki));
  SP_RETURN_IF_ERROR(ImportPartner(certs, pki, "bob", "bob@partner.test"));
  return ImportOwnKey(certs, pki, "alice", "alice@example.com");
}

class DirectoryTest : public ::testing::Test {
 protected:
  // The organisation's temporary directory is named after the test suite.
  DirectoryTest()
      : org_(clock_, ::testing::UnitTest::GetInstance()
                         ->current_test_info()
                         ->test_suite_name()) {}

  SystemClock clock_;
  crypto::testing::TestPki pki_;
  license::testing::TestOrg org_;
  std::unique_ptr<CertificateDirectory> certs_ =
      std::make_unique<CertificateDirectory>(
          org_.store, org_.keys, clock_,
          std::vector<std::string>{"example.com"});
};

// Alice and Zoe of example.com with their keys on file and Bob of
// partner.test with his certificate, all under the test CA.
class PeopleTest : public DirectoryTest {
 protected:
  void SetUp() override {
    ASSERT_TRUE(TrustTestCa(*certs_, pki_).ok());
    for (std::string who : {"alice", "zoe"}) {
      ASSERT_TRUE(ImportOwnKey(*certs_, pki_, who, who + "@example.com").ok());
    }
    ASSERT_TRUE(ImportPartner(*certs_, pki_, "bob", "bob@partner.test").ok());
  }
};

}  // namespace sealpost::smime::testing

#endif  // SEALPOST_SMIME_DIRECTORY_TEST_FOR_TESTING_H_
