// `sealpost smime test --recipient ADDRESS`: can mail to this recipient go
// as S/MIME, step by step, as `irm test` does for rights management (there
// is no Test-SmimeConfig in Exchange; the steps are what an admin checks by
// hand): the certificate on file, its chain and revocation, a probe
// encrypted to it with the configured cipher, and the probe decrypted when
// the recipient's private key is on file (one of our users) to show the
// key opens what the certificate encrypts.
//
// Thread-safety: a pure function of its inputs and the directory.
#ifndef SEALPOST_SMIME_RECIPIENT_CHECK_H_
#define SEALPOST_SMIME_RECIPIENT_CHECK_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "smime/certificate_directory.h"
#include "smime/smime_config.h"

namespace sealpost::smime {

struct TestStep {
  std::string step;
  bool pass = false;
  bool skipped = false;  // not applicable (counts as passed)
  std::string detail;
};

// The steps in order; the first failure ends the run (its later steps are
// not listed). Store errors are errors, not failed steps.
Result<std::vector<TestStep>> TestRecipient(CertificateDirectory& certs,
                                            std::string_view address,
                                            const SmimeOptions& options);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_RECIPIENT_CHECK_H_
