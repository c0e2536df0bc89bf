// `sealpost server`: builds the object graph (config, store, keys, API,
// listeners) and runs it until SIGINT/SIGTERM.
//
// Thread-safety: RunServer is called once per process.
#ifndef SEALPOST_SERVER_SERVER_H_
#define SEALPOST_SERVER_SERVER_H_

#include <map>
#include <string>

#include "base/config.h"
#include "base/status.h"
#include "store/store.h"

namespace sealpost::server {

struct ServerOptions {
  std::string config_file;                   // --config
  bool dev = false;                          // -dev
  std::map<std::string, std::string> flags;  // config key -> value
};

// Returns the process exit code: 0 after a clean shutdown, 1 when the
// configuration or start-up failed (the reason is printed).
int RunServer(const ServerOptions& options);

// The PostgreSQL connection `config` names (store.url, store.pool_size);
// the password from store.password_file (`password_file` instead when not
// empty), else SEALPOST_STORE_PASSWORD, else libpq's own sources (the URL,
// ~/.pgpass).
Result<store::PostgresOptions> PostgresOptionsOf(
    const Config& config, const std::string& password_file = "");

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_SERVER_H_
