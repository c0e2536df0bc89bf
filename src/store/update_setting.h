// UpdateSetting: the one way to change a settings document that was read
// first (groups, license assignments, rules, templates, branding, the IRM
// and S/MIME settings). The change is made to the text as stored and
// written only if the text is still that (SettingsStore::PutSettingIf);
// when another node or request wrote first, it is made again to what that
// one wrote. So of two changes at once, both hold, whichever node made
// them (was: each read, changed and wrote back the whole document under a
// lock of its process only, and the later write undid the earlier).
//
// Thread-safety: a function; safe from any thread.
#ifndef SEALPOST_STORE_UPDATE_SETTING_H_
#define SEALPOST_STORE_UPDATE_SETTING_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "store/settings_store.h"

namespace sealpost::store {

// Gives the new text of a setting from the text stored (nullopt: none);
// an error stops the change, nothing written. It may run more than once,
// each time on the text stored then, so what it reports to its caller
// should be set by each run.
using SettingEdit = std::function<Result<std::string>(
    const std::optional<std::string>& current)>;

// Tries this many times before giving up.
inline constexpr int kSettingUpdateAttempts = 10;

// Changes setting `key` with `edit`, again and again until its write finds
// the text it was made from. UNAVAILABLE ("try again") when others changed
// the setting kSettingUpdateAttempts times while this change was being
// made; any error of `edit` or of the store as it is. Writes nothing when
// `edit` gives the text back unchanged.
Status UpdateSetting(SettingsStore& store, std::string_view key,
                     const SettingEdit& edit);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_UPDATE_SETTING_H_
