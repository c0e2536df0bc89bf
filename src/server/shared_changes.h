// Keeps this node's caches true to what other nodes change in a shared
// store (PostgreSQL; docs/scaling.md): a revocation, a new expiry, IRM
// settings, branding, templates, users, groups, licenses or an ended
// session drop the cached decisions and portal pages; new org keys (a
// rotation) are loaded; changed mail flow rules are compiled again; S/MIME
// certificates, CRLs or settings drop the cached certificate verdicts. After
// the store lost its connection, everything is dropped.
//
// Thread-safety: the callbacks run on the store's listener thread and only
// call thread-safe methods.
#ifndef SEALPOST_SERVER_SHARED_CHANGES_H_
#define SEALPOST_SERVER_SHARED_CHANGES_H_

#include <memory>
#include <string_view>

#include "base/status.h"
#include "license/key_service.h"
#include "license/license_service.h"
#include "policy/rule_store.h"
#include "smime/certificate_directory.h"
#include "store/store.h"

namespace sealpost::server {

struct SharedCaches {
  // Not owned (references and pointers below): must outlive the watch.
  license::LicenseService* licenses = nullptr;
  license::KeyService* keys = nullptr;
  policy::RuleStore* rules = nullptr;
  smime::CertificateDirectory* certificates = nullptr;  // may be null
};

// Applies one change report (store::Store::WatchChanges) to `caches`.
void ApplySharedChange(const SharedCaches& caches, std::string_view what);

// Starts watching; nullptr when the store has no other writers (SQLite).
Result<std::unique_ptr<store::ChangeWatch>> WatchSharedChanges(
    store::Store& store, SharedCaches caches);

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_SHARED_CHANGES_H_
