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
  // Writes `value` only if the setting is still `expected` (nullopt: there
  // is none yet), in one statement: true when it wrote, false when another
  // write came first. A change of a document read before goes through
  // this (UpdateSetting, update_setting.h), so that of two changes at
  // once, on one node or several, neither undoes the other.
  virtual Result<bool> PutSettingIf(std::string_view key,
                                    std::optional<std::string_view> expected,
                                    std::string_view value) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SETTINGS_STORE_H_
