#include "queue/tls_policies.h"

#include "base/log.h"

namespace sealpost::queue {

std::optional<TlsRequirement> TlsPolicies::For(std::string_view domain) {
  const auto now = std::chrono::steady_clock::now();
  // Until a load succeeds, every lookup asks the store again.
  if (!loaded_ || now - loaded_at_ > std::chrono::seconds(2)) {
    auto list = store_.ListTlsPolicies();
    if (list.ok()) {
      policies_.clear();
      for (const auto& p : *list) {
        TlsRequirement t;
        t.mode = p.policy == "verify"    ? TlsMode::kVerify
                 : p.policy == "encrypt" ? TlsMode::kEncrypt
                                         : TlsMode::kMay;
        t.ca_file = p.ca_file;
        policies_[p.domain] = t;
      }
      loaded_ = true;
      loaded_at_ = now;
      if (failing_) log::Info("queue: TLS policies loaded again");
      failing_ = false;
    } else if (!failing_) {
      failing_ = true;
      log::Warn("queue: cannot load the TLS policies: {}; {}",
                list.status().message(),
                loaded_ ? "the last ones loaded stay in force"
                        : "deliveries over SMTP are deferred until they load");
    }
  }
  if (!loaded_) return std::nullopt;
  auto it = policies_.find(domain);
  return it == policies_.end() ? TlsRequirement{} : it->second;
}

}  // namespace sealpost::queue
