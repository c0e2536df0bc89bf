// A second factor outside the inbox for the portal's readers (docs/
// portal.md): an authenticator app (TOTP, RFC 6238: HMAC-SHA-1, 6 digits,
// 30-second steps, one step of drift either way). The shared secret is 160
// bits from the CSPRNG, kept in the store sealed by the key service
// (LicenseService::SealForStore, purpose "totp", bound to the address),
// never in clear and never logged. A code is accepted once: the newest
// step used is kept, and a code of that step or an older one is refused,
// on every node (Store::TakeTotpStep is one statement).
//
// Thread-safety: thread-safe; state lives in the store.
#ifndef SEALPOST_PORTAL_SECOND_FACTOR_H_
#define SEALPOST_PORTAL_SECOND_FACTOR_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "license/license_service.h"
#include "store/store.h"

namespace sealpost::portal {

class SecondFactors {
 public:
  SecondFactors(store::Store& store, license::LicenseService& licenses,
                const Clock& clock)
      : store_(store), licenses_(licenses), clock_(clock) {}

  // Whether `email` has a confirmed authenticator.
  Result<bool> Enrolled(std::string_view email);
  // Which confirmed authenticator `email` has (nullopt: none), as an
  // opaque value that tells one enrolment from another: its sealed key, new
  // for each (a reset and a new enrolment give another).
  Result<std::optional<std::string>> Enrolment(std::string_view email);
  // The unconfirmed secret of `email` that `session` (a hash of its token)
  // began (the one its page shows, so a reload or a wrong code shows the
  // same), made from the CSPRNG when there is none, in place of another
  // session's: no session sees or confirms another's.
  // FAILED_PRECONDITION when one is confirmed already.
  Result<SecretBytes> Begin(std::string_view email, std::string_view session);
  // Confirms the secret `session` began with a code from the app (which is
  // then used); false for a wrong code or when it has none to confirm.
  Result<bool> Confirm(std::string_view email, std::string_view session,
                       std::string_view code);
  // A confirmed reader's code: right now (±1 step) and newer than the
  // last one accepted. False otherwise.
  Result<bool> Check(std::string_view email, std::string_view code);
  // An admin's reset: the reader enrols again. False when there was none.
  Result<bool> Reset(std::string_view email) {
    return store_.DeleteSecondFactor(email);
  }

 private:
  // The confirmed secret of `email`, opened; nullopt when there is none.
  Result<std::optional<std::pair<store::SecondFactorRecord, SecretBytes>>> Load(
      std::string_view email);
  // The unconfirmed secret `session` began, opened; nullopt when there is
  // none, it is confirmed, or another session began it.
  Result<std::optional<std::pair<store::SecondFactorRecord, SecretBytes>>>
  LoadSetup(std::string_view email, std::string_view session);

  // Not owned (references below): must outlive this object.
  store::Store& store_;
  license::LicenseService& licenses_;
  const Clock& clock_;
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_SECOND_FACTOR_H_
