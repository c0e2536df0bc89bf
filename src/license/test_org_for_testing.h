// Tests only: an organisation on a fresh SQLite store in a temporary
// directory: an activated key service, the directory, the templates and
// the license service, for tests of what is built on them (protect/,
// smime/, the license service itself).
//
// Thread-safety: one object per test.
#ifndef SEALPOST_LICENSE_TEST_ORG_FOR_TESTING_H_
#define SEALPOST_LICENSE_TEST_ORG_FOR_TESTING_H_

#include <stdexcept>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "crypto/master_key.h"
#include "crypto/password.h"
#include "license/directory.h"
#include "license/key_service.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "store/temp_store_for_testing.h"

namespace sealpost::license::testing {

class TestOrg {
 public:
  // `clock` must outlive the organisation.
  explicit TestOrg(const Clock& clock, std::string_view name = "org")
      : temp(clock, name),
        store(*temp.store),
        keys(store, crypto::MasterKey::Generate()),
        directory(store, clock),
        templates(store),
        licenses(store, keys, directory, templates, clock,
                 "https://sealpost.test") {
    Check(keys.Activate());
  }

  // A user with the password "password1", given a license when `licensed`.
  void AddUser(const std::string& email, bool licensed = true) {
    Check(store.AddUser(
        {email, *crypto::HashPassword("password1"), email, 0, false}));
    if (licensed) Check(directory.AssignLicense("user", email));
  }

  store::testing::TempStore temp;
  store::Store& store;  // temp's
  KeyService keys;
  Directory directory;
  TemplateStore templates;
  LicenseService licenses;

 private:
  static void Check(const Status& s) {
    if (!s.ok()) throw std::runtime_error(s.ToString());
  }
};

}  // namespace sealpost::license::testing

#endif  // SEALPOST_LICENSE_TEST_ORG_FOR_TESTING_H_
