#include "portal/decoy_otps.h"

#include <algorithm>

namespace sealpost::portal {

std::optional<store::OtpRecord> DecoyOtps::Get(std::string_view message_id,
                                               std::string_view email) {
  MutexLock lock(&mu_);
  auto it = decoys_.find(Key(message_id, email));
  if (it == decoys_.end()) return std::nullopt;
  return it->second;
}

void DecoyOtps::Put(store::OtpRecord otp) {
  MutexLock lock(&mu_);
  Key key(otp.message_id, otp.email);
  if (!decoys_.contains(key) && decoys_.size() >= max_) {
    MakeRoom(otp.created_at);
  }
  decoys_.insert_or_assign(std::move(key), std::move(otp));
}

std::optional<store::OtpRecord> DecoyOtps::TakeTry(std::string_view message_id,
                                                   std::string_view email,
                                                   int max_tries, int64_t now) {
  MutexLock lock(&mu_);
  auto it = decoys_.find(Key(message_id, email));
  if (it == decoys_.end()) return std::nullopt;
  store::OtpRecord& otp = it->second;
  if (otp.used || otp.expires_at <= now || otp.failures >= max_tries) {
    return std::nullopt;
  }
  ++otp.failures;
  return otp;
}

size_t DecoyOtps::size() {
  MutexLock lock(&mu_);
  return decoys_.size();
}

void DecoyOtps::MakeRoom(int64_t now) {
  std::erase_if(decoys_,
                [now](const auto& kv) { return kv.second.expires_at <= now; });
  if (decoys_.size() < max_) return;
  auto oldest = std::min_element(
      decoys_.begin(), decoys_.end(), [](const auto& a, const auto& b) {
        return a.second.created_at < b.second.created_at;
      });
  decoys_.erase(oldest);
}

}  // namespace sealpost::portal
