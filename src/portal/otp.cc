#include "portal/otp.h"

#include "crypto/digest.h"
#include "crypto/password.h"
#include "crypto/random.h"

namespace sealpost::portal {
namespace {

// Four characters people read out without confusing them (no 0/O, 1/I).
std::string NewReference() {
  static constexpr std::string_view kAlphabet =
      "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  std::string digits = crypto::RandomDigits(8);
  std::string out;
  for (size_t i = 0; i < 4; ++i) {
    int v = (digits[2 * i] - '0') * 10 + (digits[2 * i + 1] - '0');
    out += kAlphabet[static_cast<size_t>(v) % kAlphabet.size()];
  }
  return out;
}

bool IsCodeShape(std::string_view code) {
  if (code.size() != kOtpDigits) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsLive(const store::OtpRecord& otp, int64_t now) {
  return !otp.used && otp.failures < kOtpMaxTries && otp.expires_at > now;
}

// One code (its message, address, time and reference: a new code for the
// same address is another key) from one client network. Hashed: the key
// holds an address, and may be kept in the shared store.
std::string NetworkKey(const store::OtpRecord& otp, std::string_view client) {
  return crypto::Sha256Hex(otp.message_id + '\n' + otp.email + '\n' +
                           std::to_string(otp.created_at) + '\n' +
                           otp.reference + '\n' + std::string(client));
}

}  // namespace

Status OtpService::CheckResend(std::string_view message_id,
                               std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto existing, store_.GetOtp(message_id, email));
  if (existing.has_value() &&
      clock_.NowUnix() - existing->created_at < kOtpResendInterval) {
    return ResourceExhaustedError(
        "a passcode was sent less than a minute ago; check your mailbox or "
        "wait a minute before asking for a new one");
  }
  return Status::Ok();
}

Result<IssuedOtp> OtpService::Issue(std::string_view message_id,
                                    std::string_view email) {
  SP_RETURN_IF_ERROR(CheckResend(message_id, email));
  int64_t now = clock_.NowUnix();
  IssuedOtp out;
  out.code = crypto::RandomDigits(kOtpDigits);
  out.reference = NewReference();
  out.expires_at = now + kOtpLifetime;
  // A stranger's code is hashed too: the same work, the same time.
  SP_ASSIGN_OR_RETURN(std::string hash, crypto::HashPassword(out.code));
  store::OtpRecord otp{.message_id = std::string(message_id),
                       .email = std::string(email),
                       .code_hash = std::move(hash),
                       .reference = out.reference,
                       .created_at = now,
                       .expires_at = out.expires_at};
  // A stranger's in the store as well, so that every node sharing it
  // answers for it alike (a decoy in one node's memory answered "expired"
  // on the others, where a recipient's code did not).
  SP_RETURN_IF_ERROR(store_.PutOtp(otp));
  return out;
}

Result<std::string> OtpService::LiveReference(std::string_view message_id,
                                              std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto otp, store_.GetOtp(message_id, email));
  if (!otp.has_value() || !IsLive(*otp, clock_.NowUnix())) {
    return NotFoundError("no live passcode");
  }
  return otp->reference;
}

Result<OtpCheck> OtpService::Verify(std::string_view message_id,
                                    std::string_view email,
                                    std::string_view code,
                                    std::string_view client, OtpHolder holder) {
  int64_t now = clock_.NowUnix();
  // The network's share first: a network past it takes none of the
  // code's tries in all, so it cannot use them up for everybody. (A dead
  // code is answered as dead, below.)
  SP_ASSIGN_OR_RETURN(auto live, store_.GetOtp(message_id, email));
  if (live.has_value() && IsLive(*live, now) &&
      !tries_per_network_.Allow(NetworkKey(*live, client), now)) {
    return OtpCheck::kExhaustedHere;
  }
  // The try is counted before the code is checked, in one statement, so
  // that parallel guesses check at most kOtpMaxTries codes in all and
  // nothing written here can revive a used or dead code.
  SP_ASSIGN_OR_RETURN(auto otp,
                      store_.TakeOtpTry(message_id, email, kOtpMaxTries, now));
  if (!otp.has_value()) {
    SP_ASSIGN_OR_RETURN(auto dead, store_.GetOtp(message_id, email));
    bool exhausted =
        dead.has_value() && !dead->used && dead->failures >= kOtpMaxTries;
    return exhausted ? OtpCheck::kExhausted : OtpCheck::kExpired;
  }
  // Argon2id verification compares in constant time; a stranger's code
  // is checked too (the same time), and never opens.
  bool right =
      IsCodeShape(code) && crypto::VerifyPassword(code, otp->code_hash);
  if (right && holder == OtpHolder::kRecipient) {
    SP_ASSIGN_OR_RETURN(bool consumed,
                        store_.ConsumeOtp(message_id, email, otp->code_hash));
    return consumed ? OtpCheck::kOk : OtpCheck::kExpired;
  }
  if (otp->failures >= kOtpMaxTries) return OtpCheck::kExhausted;
  return OtpCheck::kWrong;
}

}  // namespace sealpost::portal
