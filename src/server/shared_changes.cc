#include "server/shared_changes.h"

#include "base/log.h"

namespace sealpost::server {

void ApplySharedChange(const SharedCaches& caches, std::string_view what) {
  const bool everything = what == store::kEverything;
  if (everything || what == "org_keys") {
    // A rotation on another node: open (and protect with) its new version.
    if (Status s = caches.keys->Load(); !s.ok()) {
      log::Error("store: org keys changed, not reloaded: {}", s.message());
    }
  }
  if (everything || what == "settings:rules") caches.rules->Invalidate();
  if (caches.certificates != nullptr &&
      (everything || what == "smime_certs" || what == "smime_crls" ||
       what == "settings:smime")) {
    caches.certificates->DropCaches();
  }
  // Anything reported may change a page or a use license cached here.
  caches.licenses->DropCachedDecisions();
}

Result<std::unique_ptr<store::ChangeWatch>> WatchSharedChanges(
    store::Store& store, SharedCaches caches) {
  return store.WatchChanges(
      [caches](std::string_view what) { ApplySharedChange(caches, what); });
}

}  // namespace sealpost::server
