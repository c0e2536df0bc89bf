#include "portal/second_factor.h"

#include <algorithm>
#include <string>

#include "crypto/random.h"
#include "crypto/totp.h"

namespace sealpost::portal {
namespace {

constexpr std::string_view kPurpose = "totp";
// An app being added is sealed for the session that began adding it (bound
// to the address and the session's hash): no other session sees its key or
// confirms it (was: any session of the address was shown the same key, so
// one begun before the app, by whoever read the mailbox, learnt it).
constexpr std::string_view kSetupPurpose = "totp setup";

std::string SetupId(std::string_view email, std::string_view session) {
  return std::string(email) + '\n' + std::string(session);
}

// Apps show "123 456"; people type it so.
std::string Digits(std::string_view code) {
  std::string out(code);
  out.erase(std::remove(out.begin(), out.end(), ' '), out.end());
  return out;
}

}  // namespace

Result<std::optional<std::pair<store::SecondFactorRecord, SecretBytes>>>
SecondFactors::Load(std::string_view email) {
  using Loaded =
      std::optional<std::pair<store::SecondFactorRecord, SecretBytes>>;
  SP_ASSIGN_OR_RETURN(auto record, store_.GetSecondFactor(email));
  if (!record.has_value() || record->enrolled_at == 0) return Loaded();
  SP_ASSIGN_OR_RETURN(
      SecretBytes secret,
      licenses_.OpenFromStore(record->secret_sealed, kPurpose, email));
  return Loaded(std::make_pair(std::move(*record), std::move(secret)));
}

Result<bool> SecondFactors::Enrolled(std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetSecondFactor(email));
  return record.has_value() && record->enrolled_at > 0;
}

Result<std::optional<std::string>> SecondFactors::Enrolment(
    std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetSecondFactor(email));
  if (!record.has_value() || record->enrolled_at == 0) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(std::move(record->secret_sealed));
}

Result<std::optional<std::pair<store::SecondFactorRecord, SecretBytes>>>
SecondFactors::LoadSetup(std::string_view email, std::string_view session) {
  using Loaded =
      std::optional<std::pair<store::SecondFactorRecord, SecretBytes>>;
  SP_ASSIGN_OR_RETURN(auto record, store_.GetSecondFactor(email));
  if (!record.has_value() || record->enrolled_at > 0) return Loaded();
  // Another session's key (or a damaged one) does not open as this one's.
  auto secret = licenses_.OpenFromStore(record->secret_sealed, kSetupPurpose,
                                        SetupId(email, session));
  if (!secret.ok()) return Loaded();
  return Loaded(std::make_pair(std::move(*record), std::move(*secret)));
}

Result<SecretBytes> SecondFactors::Begin(std::string_view email,
                                         std::string_view session) {
  SP_ASSIGN_OR_RETURN(bool enrolled, Enrolled(email));
  if (enrolled) {
    return FailedPreconditionError("an authenticator app is already set up");
  }
  SP_ASSIGN_OR_RETURN(auto loaded, LoadSetup(email, session));
  if (loaded.has_value()) return std::move(loaded->second);
  // A new key for this session, in place of any other session's.
  SecretBytes secret = crypto::RandomBytes(crypto::kTotpSecretBytes);
  SP_ASSIGN_OR_RETURN(
      std::string sealed,
      licenses_.SealForStore(secret, kSetupPurpose, SetupId(email, session)));
  SP_ASSIGN_OR_RETURN(
      bool written, store_.PutSecondFactor({std::string(email), sealed, 0, 0}));
  if (!written) {
    return FailedPreconditionError("an authenticator app is already set up");
  }
  return secret;
}

Result<bool> SecondFactors::Confirm(std::string_view email,
                                    std::string_view session,
                                    std::string_view code) {
  SP_ASSIGN_OR_RETURN(auto loaded, LoadSetup(email, session));
  if (!loaded.has_value()) return false;
  int64_t now = clock_.NowUnix();
  auto step = crypto::MatchTotp(loaded->second, Digits(code), now);
  if (!step.has_value()) return false;
  store::SecondFactorRecord confirmed = loaded->first;
  // Confirmed, the key is the address's: sealed for every sign-in of it.
  SP_ASSIGN_OR_RETURN(confirmed.secret_sealed,
                      licenses_.SealForStore(loaded->second, kPurpose, email));
  confirmed.enrolled_at = now;
  confirmed.last_step = *step;  // the code that confirmed it is used
  return store_.PutSecondFactor(confirmed);
}

Result<bool> SecondFactors::Check(std::string_view email,
                                  std::string_view code) {
  SP_ASSIGN_OR_RETURN(auto loaded, Load(email));
  if (!loaded.has_value()) return false;
  auto step = crypto::MatchTotp(loaded->second, Digits(code), clock_.NowUnix());
  if (!step.has_value()) return false;
  return store_.TakeTotpStep(email, *step);
}

}  // namespace sealpost::portal
