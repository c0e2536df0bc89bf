// One-time passcodes for the portal (SPEC §4 Portal): 8 digits, valid 15
// minutes, single use, 5 wrong tries and the code is dead, a new code no
// sooner than a minute after the last. Codes are stored hashed (Argon2id:
// 10^8 codes are too few for a plain hash to protect them at rest); each
// has a short reference that the mail and the page both show, so a reader
// can tell which mail belongs to the page in front of them.
//
// Thread-safety: thread-safe; state lives in the store, and each try is
// counted there atomically before the code is checked: 50 guesses in
// parallel check 5 codes, and one code opens one session.
#ifndef SEALPOST_PORTAL_OTP_H_
#define SEALPOST_PORTAL_OTP_H_

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "store/store.h"

namespace sealpost::portal {

inline constexpr int kOtpDigits = 8;
inline constexpr int64_t kOtpLifetime = 15 * 60;
inline constexpr int kOtpMaxFailures = 5;
inline constexpr int64_t kOtpResendInterval = 60;

struct IssuedOtp {
  std::string code;  // to mail; never logged or stored
  std::string reference;
  int64_t expires_at = 0;
};

enum class OtpCheck {
  kOk,
  kWrong,      // wrong code; tries left
  kExhausted,  // the fifth wrong try, or tried again after it
  kExpired,    // no live code: expired, used, or never sent
};

struct OtpVerdict {
  OtpCheck check = OtpCheck::kExpired;
  int tries_left = 0;
};

class OtpService {
 public:
  OtpService(store::Store& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  // A fresh code for (message, address), replacing any earlier one.
  // RESOURCE_EXHAUSTED when the last one was sent less than a minute ago.
  Result<IssuedOtp> Issue(std::string_view message_id, std::string_view email);
  // The reference of the live code for (message, address), if any.
  Result<std::string> LiveReference(std::string_view message_id,
                                    std::string_view email);
  Result<OtpVerdict> Verify(std::string_view message_id, std::string_view email,
                            std::string_view code);

 private:
  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const Clock& clock_;
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_OTP_H_
