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
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "crypto/test_pki_for_testing.h"
#include "license/test_org_for_testing.h"
#include "smime/certificate_directory.h"

namespace sealpost::smime::testing {

class DirectoryTest : public ::testing::Test {
 protected:
  // `name` names the organisation's temporary directory.
  explicit DirectoryTest(std::string_view name) : org_(clock_, name) {}

  SystemClock clock_;
  crypto::testing::TestPki pki_;
  license::testing::TestOrg org_;
  std::unique_ptr<CertificateDirectory> certs_ =
      std::make_unique<CertificateDirectory>(
          org_.store, org_.keys, clock_,
          std::vector<std::string>{"example.com"});
};

}  // namespace sealpost::smime::testing

#endif  // SEALPOST_SMIME_DIRECTORY_TEST_FOR_TESTING_H_
