#include "store/update_setting.h"

#include <chrono>
#include <random>
#include <thread>

namespace sealpost::store {

Status UpdateSetting(SettingsStore& store, std::string_view key,
                     const SettingEdit& edit) {
  for (int attempt = 1; attempt <= kSettingUpdateAttempts; ++attempt) {
    SP_ASSIGN_OR_RETURN(std::optional<std::string> current,
                        store.GetSetting(key));
    SP_ASSIGN_OR_RETURN(std::string next, edit(current));
    if (current == next) return Status::Ok();
    SP_ASSIGN_OR_RETURN(
        bool written,
        store.PutSettingIf(key,
                           current.has_value()
                               ? std::optional<std::string_view>(*current)
                               : std::nullopt,
                           next));
    if (written) return Status::Ok();
    // Another change came first: a moment (longer each time, and not the
    // same on two nodes that keep meeting), then again on what it wrote.
    thread_local std::minstd_rand jitter(std::random_device{}());
    std::this_thread::sleep_for(std::chrono::microseconds(
        attempt * 1000 + static_cast<int>(jitter() % 1000)));
  }
  return UnavailableError("the setting '" + std::string(key) +
                          "' kept changing while this change was made; try "
                          "again");
}

}  // namespace sealpost::store
