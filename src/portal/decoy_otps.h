// DecoyOtps: the made-up passcodes of addresses that are not recipients of
// the message they were asked for (OtpService, OtpHolder::kStranger). The
// passcode pages answer for such an address as for a recipient (a
// reference, the resend notice, wrong tries counted, the same time taken)
// so that whoever holds a message link cannot learn who received it; a
// decoy is never mailed and never right. Kept in memory, not in the store,
// so that no row is written for every address anyone types: at most
// kMaxDecoys at once; past that the expired go first, then the oldest
// (forgotten early, it answers "expired", as a used code does). On several
// nodes each node has its own: a decoy asked for on one node is unknown to
// another (docs/portal.md).
//
// Thread-safety: thread-safe (one mutex).
#ifndef SEALPOST_PORTAL_DECOY_OTPS_H_
#define SEALPOST_PORTAL_DECOY_OTPS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "base/thread_annotations.h"
#include "store/signin_records.h"

namespace sealpost::portal {

class DecoyOtps {
 public:
  static constexpr size_t kMaxDecoys = 10000;

  explicit DecoyOtps(size_t max_decoys = kMaxDecoys) : max_(max_decoys) {}

  // As the store's GetOtp, PutOtp and TakeOtpTry (store/signin_store.h),
  // with the same rules: one code per (message, address), a new one
  // replacing the old; a try taken only at a live code with fewer than
  // `max_tries` taken, the record after the count returned.
  std::optional<store::OtpRecord> Get(std::string_view message_id,
                                      std::string_view email);
  void Put(store::OtpRecord otp);
  std::optional<store::OtpRecord> TakeTry(std::string_view message_id,
                                          std::string_view email, int max_tries,
                                          int64_t now);

  size_t size();

 private:
  using Key = std::pair<std::string, std::string>;  // message, address
  // Makes room for one more (Put), `now` being the new one's creation.
  void MakeRoom(int64_t now) SP_REQUIRES(mu_);

  const size_t max_;
  Mutex mu_;
  std::map<Key, store::OtpRecord> decoys_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_DECOY_OTPS_H_
