// One-time passcodes for the portal (SPEC §4 Portal): 8 digits, valid 15
// minutes, single use, a new code no sooner than a minute after the last.
// Wrong tries are counted per client network (net::ClientKey): 5 from each
// network and 10 in all, after which the code is dead. One outsider's
// network that asked for a reader's code and guessed at it no longer kills
// it for the reader (5 wrong tries from anywhere did). With the portal's
// codes per address (10 an hour, 60 a day) an address takes at most 600
// guesses a day, as many as before per-network counting (5 codes of 5
// tries an hour); 25 tries a code and 15 codes an hour were 15 times that.
// Codes are stored hashed (Argon2id: 10^8 codes are too few for a plain hash to
// protect them at rest); each has a short reference that the mail and the page
// both show, so a reader can tell which mail belongs to the page in front of
// them.
//
// Anyone may type any address on the page. A code asked for an address
// that is not a recipient is a decoy: made, hashed, kept and checked
// as a recipient's is, under the same limits, but never mailed and never
// right, so that the pages answer alike for both, in about the same time,
// and tell nobody who received the message.
//
// Thread-safety: thread-safe; state lives in the store, and each try is
// counted there atomically before the code is checked, as it is in the
// per-network counts (a RateLimiter, which guards itself): 50 guesses in
// parallel from one network check 5 codes, and one code opens one session.
#ifndef SEALPOST_PORTAL_OTP_H_
#define SEALPOST_PORTAL_OTP_H_

#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "portal/rate_limit.h"
#include "store/store.h"

namespace sealpost::portal {

inline constexpr int kOtpDigits = 8;
inline constexpr int64_t kOtpLifetime = 15 * 60;
// Tries at one code from one client network, and from all of them.
inline constexpr int kOtpTriesPerNetwork = 5;
inline constexpr int kOtpMaxTries = 10;
inline constexpr int64_t kOtpResendInterval = 60;

struct IssuedOtp {
  std::string code;  // to mail; never logged or stored
  std::string reference;
  int64_t expires_at = 0;
};

// No count of tries left: a network's share is counted where it cannot be
// read back (RateLimiter), and a count would say little either way.
enum class OtpCheck {
  kOk,
  kWrong,          // wrong code
  kExhaustedHere,  // this network has had its kOtpTriesPerNetwork tries
  kExhausted,      // the kOtpMaxTries-th try in all, or tried after it
  kExpired,        // no live code: expired, used, or never sent
};

// Whose address a code is asked for: a recipient's code is kept in the
// store and mailed; a stranger's is a decoy, kept in the store the same way
// (on every node), never mailed and never right.
enum class OtpHolder { kRecipient, kStranger };

class OtpService {
 public:
  OtpService(store::Store& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  // Counts each network's tries in `shared` (RateLimiter::Share), for
  // several nodes on one store. Called before the service is used.
  void Share(store::Store* shared) {
    tries_per_network_.Share(shared, "otp_tries_per_network");
  }

  // OK when (message, address) may be sent a new code now;
  // RESOURCE_EXHAUSTED (its message is the page's notice) when the last
  // one was sent less than a minute ago. Changes nothing: the portal asks
  // before it spends a passcode allowance, which only a code sent uses.
  Status CheckResend(std::string_view message_id, std::string_view email);
  // A fresh code for (message, address), replacing any earlier one (a
  // stranger's, the same way, is not to be mailed). RESOURCE_EXHAUSTED as
  // CheckResend (a request racing another).
  Result<IssuedOtp> Issue(std::string_view message_id, std::string_view email);
  // The reference of the live code for (message, address), if any.
  Result<std::string> LiveReference(std::string_view message_id,
                                    std::string_view email);
  // One try of `code`, from the client network `client` (net::ClientKey).
  // A stranger's code is never right (kWrong, as any wrong code).
  Result<OtpCheck> Verify(std::string_view message_id, std::string_view email,
                          std::string_view code, std::string_view client,
                          OtpHolder holder);

 private:
  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const Clock& clock_;
  // Tries per (code, client network), for a code's lifetime.
  RateLimiter tries_per_network_{kOtpTriesPerNetwork, kOtpLifetime};
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_OTP_H_
