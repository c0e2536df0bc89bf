#include "cli/local_config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "base/files.h"
#include "cli/cli.h"

namespace sealpost::cli {

void AddLocalOptions(CLI::App* cmd, LocalOptions& options) {
  cmd->add_option("--config", options.config_file,
                  "The server's TOML config file (for its data directory "
                  "and key file)")
      ->envname("SEALPOST_CONFIG");
  cmd->add_option("--data-dir", options.data_dir,
                  "Data directory (overrides the config file)");
}

LocalPaths PathsOf(const Config& config) {
  LocalPaths p;
  p.config = config;
  p.data_dir = config.data_dir;
  p.database = config.data_dir + "/sealpost.db";
  p.master_key_file = config.master_key_file.empty()
                          ? config.data_dir + "/master.key"
                          : config.master_key_file;
  p.admin_token_file = config.admin_token_file.empty()
                           ? config.data_dir + "/admin.token"
                           : config.admin_token_file;
  return p;
}

Result<LocalPaths> ResolveLocalPaths(const LocalOptions& options) {
  ConfigSources sources;
  sources.file = options.config_file;
  if (!options.data_dir.empty()) {
    sources.flags["server.data_dir"] = options.data_dir;
  }
  SP_ASSIGN_OR_RETURN(Config config, LoadConfig(sources));
  if (config.data_dir.empty()) {
    return InvalidArgumentError(
        "no data directory: give --data-dir or --config (the server's "
        "sealpost.toml), or set SEALPOST_SERVER_DATA_DIR");
  }
  if (config.store_engine != "sqlite") {
    return UnimplementedError("store.engine '" + config.store_engine +
                              "': only the SQLite store is handled here "
                              "(PostgreSQL: pg_dump, docs/operations.md)");
  }
  return PathsOf(config);
}

Result<std::string> ReadPassphrase(const std::string& file, bool confirm) {
  std::string p;
  if (!file.empty()) {
    SP_ASSIGN_OR_RETURN(p, ReadFile(file));
    if (auto nl = p.find_first_of("\r\n"); nl != std::string::npos) {
      p.resize(nl);
    }
  } else {
    p = ReadPassword("Passphrase: ", "SEALPOST_PASSPHRASE");
    if (confirm && isatty(STDIN_FILENO) &&
        ReadPassword("Passphrase again: ", "SEALPOST_PASSPHRASE") != p) {
      return InvalidArgumentError("the passphrases differ");
    }
  }
  if (p.empty()) return InvalidArgumentError("empty passphrase");
  return p;
}

int LocalFailure(const std::string& what, const Status& status) {
  std::cerr << "sealpost " << what << ": " << status.message() << "\n";
  return kExitLocal;
}

}  // namespace sealpost::cli
