#include "cli/local_config.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string_view>

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

Result<LocalPaths> ResolveLocalPaths(const LocalOptions& options,
                                     bool postgres_ok) {
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
  if (config.store_engine != "sqlite" &&
      !(postgres_ok && config.store_engine == "postgres")) {
    return UnimplementedError("store.engine '" + config.store_engine +
                              "': only the SQLite store is handled here "
                              "(PostgreSQL: `sealpost backup`, "
                              "docs/operations.md)");
  }
  return PathsOf(config);
}

std::string AdminUrl(const Config& config) {
  std::string listen =
      config.admin_listen.empty() ? config.https_listen : config.admin_listen;
  for (std::string_view any : {"0.0.0.0:", "[::]:"}) {
    if (listen.starts_with(any)) {
      listen = "127.0.0.1:" + listen.substr(any.size());
    }
  }
  return "https://" + listen;
}

ClientOptions WithLocalDefaults(ClientOptions client) {
  const char* file = std::getenv("SEALPOST_CONFIG");
  if (!client.addr.empty() || file == nullptr || *file == '\0') {
    return client;
  }
  ConfigSources sources;
  sources.file = file;
  Result<Config> config = LoadConfig(sources);
  if (!config.ok()) return client;  // the call then says what is missing
  client.addr = AdminUrl(*config);
  const std::string own_ca = config->data_dir + "/tls/ca.pem";
  if (client.ca_cert.empty() &&
      config->tls_cert_file == config->data_dir + "/tls/server.pem" &&
      FileExists(own_ca)) {
    client.ca_cert = own_ca;
  }
  return client;
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
