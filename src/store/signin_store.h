// SignInStore: who may sign in and how (users, sessions, portal passcodes,
// second factors, PIN passes), and the portal's sign-in state shared by
// the nodes (rate limits, OpenID Connect sign-ins under way); one area of
// Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_SIGNIN_STORE_H_
#define SEALPOST_STORE_SIGNIN_STORE_H_

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/signin_records.h"

namespace sealpost::store {

class SignInStore {
 public:
  virtual ~SignInStore() = default;

  // A new user: ALREADY_EXISTS when the address has one (one statement,
  // so of two adds at once one fails; never a change of the one there).
  virtual Status AddUser(const UserRecord& user) = 0;
  // A new password hash for the user at `email`, and a new epoch
  // (UserRecord::epoch) in the same statement: NOT_FOUND when there is no
  // such user (removed meanwhile: a password never brings one back).
  virtual Status SetPassword(std::string_view email,
                             std::string_view password_hash) = 0;
  // Moves the user's epoch, so that no session opened before counts (an
  // admin's reset); nothing when there is no such user.
  virtual Status BumpUserEpoch(std::string_view email) = 0;
  virtual Result<std::optional<UserRecord>> GetUser(std::string_view email) = 0;
  virtual Result<std::vector<UserRecord>> ListUsers() = 0;
  virtual Status DeleteUser(std::string_view email) = 0;

  // One passcode per (message, address): a new one replaces the old.
  virtual Status PutOtp(const OtpRecord& otp) = 0;
  virtual Result<std::optional<OtpRecord>> GetOtp(std::string_view message_id,
                                                  std::string_view email) = 0;
  // Takes one try at the passcode of (message, address), atomically: only
  // a live code (unused, unexpired at `now`) with fewer than `max_tries`
  // tries taken; the record after the count, or nullopt when there is no
  // such code. Counting before checking the code means parallel guesses
  // cannot check more than `max_tries` codes between them.
  virtual Result<std::optional<OtpRecord>> TakeOtpTry(
      std::string_view message_id, std::string_view email, int max_tries,
      int64_t now) = 0;
  // Marks the passcode with `code_hash` used; false when it already was
  // (or was replaced), so one code opens one session.
  virtual Result<bool> ConsumeOtp(std::string_view message_id,
                                  std::string_view email,
                                  std::string_view code_hash) = 0;
  // Second factors (portal readers): one per address. Put writes the
  // record unless the address has a confirmed one (enrolled_at > 0: only
  // DeleteSecondFactor, an admin's reset, removes that); false then.
  virtual Result<bool> PutSecondFactor(const SecondFactorRecord& f) = 0;
  virtual Result<std::optional<SecondFactorRecord>> GetSecondFactor(
      std::string_view email) = 0;
  // True when there was one to remove.
  virtual Result<bool> DeleteSecondFactor(std::string_view email) = 0;
  // Records `step` as used, atomically, only when it is newer than the
  // last one used: false when it is not (a replayed code), or there is no
  // second factor for the address.
  virtual Result<bool> TakeTotpStep(std::string_view email, int64_t step) = 0;
  virtual Status PutSession(const SessionRecord& session) = 0;
  virtual Result<std::optional<SessionRecord>> GetSession(
      std::string_view token_hash) = 0;
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  // Every session of an address, of every kind (a removed user).
  // DeleteSession and DeleteSessionsOf also drop the sessions' PIN passes.
  virtual Status DeleteSessionsOf(std::string_view email) = 0;
  // PIN passes (a sender's PIN for one message, docs/portal.md): the
  // session with `session_hash` has entered the PIN of `message_id`; good
  // until `until` (the session's expiry), shared by the nodes. Passes that
  // have expired go as new ones arrive.
  virtual Status PutPinPass(std::string_view session_hash,
                            std::string_view message_id, int64_t until) = 0;
  // True when the session has a pass for the message at `now` and the
  // session itself still exists then (signed out, expired or removed: no).
  virtual Result<bool> HasPinPass(std::string_view session_hash,
                                  std::string_view message_id, int64_t now) = 0;

  // ---- Portal sign-in state shared by the nodes ----
  // (portal/rate_limit.h, portal/pending_sign_ins.h; used when several
  // nodes share the store, so that a load balancer needs no sticky
  // sessions.)
  // Records an event for `key` at `now` (unix seconds) unless `limit`
  // events of the key are later than now - window; false, nothing
  // recorded, when they are. Atomic across nodes: parallel calls never
  // record more than `limit`. Events older than kRateEventsKept (any key)
  // are dropped on the way, so windows are at most that long.
  static constexpr int64_t kRateEventsKept = 86'400;
  virtual Result<bool> TakeRateLimit(std::string_view key, int limit,
                                     int64_t window, int64_t now) = 0;
  // Takes back one event of `key` recorded at `at` (a try that turned out
  // right: the directory counts a password try as a failure before checking
  // it, so that parallel guesses cannot all pass, and forgives it on
  // success). No event there: nothing happens.
  virtual Status ForgetRateEvent(std::string_view key, int64_t at) = 0;
  // Keeps `sign_in` (replacing one with the same state), first dropping
  // those created at or before `expired_at`, then the browser's oldest so
  // that it keeps at most `per_browser`, then the oldest of all so that at
  // most `total` are kept.
  virtual Status PutPendingSignIn(const PendingSignInRecord& sign_in,
                                  int per_browser, int total,
                                  int64_t expired_at) = 0;
  // The sign-in with this state hash, removed: a state is used once.
  virtual Result<std::optional<PendingSignInRecord>> TakePendingSignIn(
      std::string_view state_hash) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SIGNIN_STORE_H_
