// Dev mode (`sealpost server -dev`): a data directory with a self-signed CA,
// generated admin token and users, and DIR/dev.json describing how to reach
// everything. Started again on the same directory it keeps its state.
//
// Thread-safety: used once at start-up, on one thread.
#ifndef SEALPOST_SERVER_DEV_H_
#define SEALPOST_SERVER_DEV_H_

#include <string>
#include <vector>

#include "base/config.h"
#include "base/status.h"
#include "license/directory.h"
#include "license/key_service.h"
#include "store/store.h"

namespace sealpost::server {

struct DevUser {
  std::string email;
  std::string password;
};

struct DevState {
  std::string data_dir;
  std::string ca_cert;
  std::string admin_token;
  std::vector<DevUser> users;
};

// Fills in dev defaults in `config` (data dir, certificates), refuses
// non-loopback listeners, and creates the CA and admin token when missing.
Result<DevState> PrepareDev(Config& config);
// Creates the dev users that do not exist yet (keeping earlier passwords).
Status SeedDevUsers(DevState& state, store::Store& store);
// Activates rights management and licenses the dev users (idempotent).
Status SetUpDevRights(const DevState& state, license::KeyService& keys,
                      license::Directory& directory);
// Writes DIR/dev.json (0600) with the real addresses.
// `url` is the portal's, `api_url` the admin API's (the same URL unless
// server.admin_listen is set).
Status WriteDevJson(const DevState& state, const std::string& smtp,
                    const std::string& submission, const std::string& url,
                    const std::string& api_url);
std::string DevBanner(const DevState& state, const std::string& smtp,
                      const std::string& submission, const std::string& url,
                      const std::string& api_url);

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_DEV_H_
