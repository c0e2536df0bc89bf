// `sealpost store migrate --to URL`: a SQLite data directory's store into
// PostgreSQL (docs/scaling.md "Moving from SQLite"). Local, like backup:
// the server using the data directory is stopped first.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "cli/cli.h"
#include "cli/local_config.h"
#include "server/server.h"
#include "store/store_copy.h"

namespace sealpost::cli {
namespace {

struct MigrateArgs {
  LocalOptions local;
  std::string to;
  std::string password_file;
};

int Migrate(const MigrateArgs& a) {
  const std::string what = "store migrate";
  auto paths = ResolveLocalPaths(a.local);
  if (!paths.ok()) return LocalFailure(what, paths.status());
  Config config = paths->config;
  config.store_url = a.to;
  auto target = server::PostgresOptionsOf(config, a.password_file);
  if (!target.ok()) return LocalFailure(what, target.status());
  target->pool_size = 1;
  std::cout << "Copying " << paths->database << " into PostgreSQL...\n"
            << std::flush;
  auto report = store::CopySqliteToPostgres(
      paths->database, *target, SystemClock::Get(),
      [](const std::string& line) { std::cout << "  " << line << "\n"; });
  if (!report.ok()) return LocalFailure(what, report.status());
  int64_t rows = 0;
  for (const store::TableCount& t : report->tables) rows += t.rows;
  if (report->already_copied) {
    std::cout << "PostgreSQL already holds this store (the same row count "
                 "in each of its "
              << report->tables.size() << " tables): nothing copied.\n";
  } else {
    std::cout << "Copied " << rows << " rows in " << report->tables.size()
              << " tables (schema version " << report->schema_version
              << "); row counts verified in each.\n";
  }
  std::cout << "Start the nodes with store.engine = \"postgres\", this "
               "store.url, and the master key "
            << paths->master_key_file
            << " (keys.master_key_file): the keys are copied wrapped under "
               "it.\n";
  return kExitOk;
}

}  // namespace

void RegisterStore(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand("store", "The store's engine");
  cmd->require_subcommand(1);
  auto* migrate = cmd->add_subcommand(
      "migrate",
      "Copy this data directory's SQLite store into an empty PostgreSQL "
      "database (server stopped); run again, it copies nothing");
  auto& a = RunWithArgs<MigrateArgs>(migrate, g, Migrate);
  migrate
      ->add_option("--to", a.to,
                   "PostgreSQL URL or conninfo (postgresql://user@host/db)")
      ->required();
  migrate->add_option("--password-file", a.password_file,
                      "PostgreSQL password file (else store.password_file "
                      "or SEALPOST_STORE_PASSWORD)");
  AddLocalOptions(migrate, a.local);
}

}  // namespace sealpost::cli
