// SettingsStore: small named JSON documents (IRM configuration, rules,
// branding, ...), one area of Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_SETTINGS_STORE_H_
#define SEALPOST_STORE_SETTINGS_STORE_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::store {

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;

  virtual Result<std::optional<std::string>> GetSetting(
      std::string_view key) = 0;
  virtual Status PutSetting(std::string_view key, std::string_view value) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SETTINGS_STORE_H_
