// Where the commands that work on the server's files directly (init,
// backup, restore, rms export-key/import-key) find them: the same
// configuration the server reads (--config or SEALPOST_CONFIG, then the
// SEALPOST_* environment), with --data-dir on top. They never go through
// the network: the master key stays on the machine.
//
// Thread-safety: free functions.
#ifndef SEALPOST_CLI_LOCAL_CONFIG_H_
#define SEALPOST_CLI_LOCAL_CONFIG_H_

#include <string>

#include "base/config.h"
#include "base/status.h"
#include "cli/client.h"

namespace CLI {
class App;
}

namespace sealpost::cli {

struct LocalOptions {
  std::string config_file;  // --config / SEALPOST_CONFIG
  std::string data_dir;     // --data-dir
};

struct LocalPaths {
  Config config;
  std::string data_dir;
  std::string database;         // DATA_DIR/sealpost.db
  std::string master_key_file;  // keys.master_key_file or DATA_DIR/master.key
  std::string admin_token_file;
};

// Adds --config and --data-dir to `cmd`.
void AddLocalOptions(CLI::App* cmd, LocalOptions& options);
// The configuration and the paths derived from it; the data directory is
// required (INVALID_ARGUMENT saying how to give it). A PostgreSQL store is
// UNIMPLEMENTED unless `postgres_ok` (the commands that handle one).
Result<LocalPaths> ResolveLocalPaths(const LocalOptions& options,
                                     bool postgres_ok = false);
// The paths of an already loaded configuration.
LocalPaths PathsOf(const Config& config);

// A passphrase: the first line of `file` when given, else
// SEALPOST_PASSPHRASE, else a prompt (twice on a terminal when `confirm`).
Result<std::string> ReadPassphrase(const std::string& file, bool confirm);

// Where the CLI reaches the admin API: https:// + server.admin_listen, else
// + server.https_listen; a wildcard host (0.0.0.0, [::]) on loopback.
std::string AdminUrl(const Config& config);

// `client` completed from the server's configuration when SEALPOST_CONFIG
// names one and SEALPOST_ADDR / --addr is not given: the admin API's
// address, and the CA of `sealpost init`'s self-signed certificate when that
// is the certificate in use and no --ca-cert is given. Never a token: the
// admin token stays an explicit SEALPOST_TOKEN.
ClientOptions WithLocalDefaults(ClientOptions client);

// Prints "sealpost <what>: <message>" on stderr and returns kExitLocal.
int LocalFailure(const std::string& what, const Status& status);

}  // namespace sealpost::cli

#endif  // SEALPOST_CLI_LOCAL_CONFIG_H_
