// Test-only: what the sealed/ tests seal with, a key hierarchy under a fixed
// master key and a license from alice to bob. Include from *_test.cc files
// only.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_SEALED_TEST_SEAL_FOR_TESTING_H_
#define SEALPOST_SEALED_TEST_SEAL_FOR_TESTING_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "crypto/key_hierarchy.h"
#include "sealed/license.h"

namespace sealpost::testing {

// Keys under a master key of 32 `fill` bytes: the same keys on every run,
// other keys for another fill.
inline std::unique_ptr<crypto::KeyHierarchy> FixedKeys(char fill = 'M') {
  return std::move(
             crypto::KeyHierarchy::Create(
                 *crypto::MasterKey::FromFileContents(std::string(32, fill))))
      .value();
}

// alice@example.com's message `message_id` protected with Encrypt, giving
// bob@example.org `rights`.
inline sealed::PublishingLicense AliceToBob(std::string message_id,
                                            std::vector<std::string> rights) {
  sealed::PublishingLicense l;
  l.issuer = "sealpost.example.com";
  l.message_id = std::move(message_id);
  l.owner = "alice@example.com";
  l.template_name = "Encrypt";
  l.grants = {{"bob@example.org", std::move(rights)}};
  l.issued_at = 1767225600;
  return l;
}

}  // namespace sealpost::testing

#endif  // SEALPOST_SEALED_TEST_SEAL_FOR_TESTING_H_
