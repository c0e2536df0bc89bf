#include <CLI/CLI.hpp>

#include "base/config.h"
#include "cli/cli.h"
#include "server/server.h"

namespace sealpost::cli {

void RegisterServer(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand(
      "server",
      "Run the Sealpost server (SMTP gateway, portal, API). "
      "`sealpost server -dev` starts a throw-away dev server on loopback. "
      "SIGTERM stops it gracefully; SIGHUP reloads the TLS certificate and "
      "key and the log settings, keeping open connections.");
  auto opts = std::make_shared<server::ServerOptions>();
  auto values = std::make_shared<std::map<std::string, std::string>>();
  cmd->add_option("--config", opts->config_file,
                  "TOML config file (sealpost.toml)")
      ->envname("SEALPOST_CONFIG");
  cmd->add_flag("--dev", opts->dev,
                "Dev mode: everything on loopback, self-signed CA, generated "
                "users and admin token, state in --data-dir (default: a new "
                "temporary directory). Also spelled -dev.");
  static constexpr KeyedOption kFlags[] = {
      {"--data-dir", "server.data_dir", "Data directory"},
      {"--https-listen", "server.https_listen",
       "Portal/API listener HOST:PORT (port 0 picks a free one)"},
      {"--admin-listen", "server.admin_listen",
       "Admin API and /metrics listener HOST:PORT, then absent from "
       "--https-listen (port 0 picks a free one)"},
      {"--smtp-listen", "server.smtp_listen",
       "SMTP listener HOST:PORT (port 0 picks a free one)"},
      {"--submission-listen", "server.submission_listen",
       "SMTP submission listener HOST:PORT, AUTH after STARTTLS (dev "
       "default: a free loopback port)"},
      {"--next-hop", "smtp.next_hop",
       "Deliver outbound mail to this SMTP server HOST:PORT (dev default: "
       "the Maildir DATA_DIR/mailbox)"},
      {"--public-url", "server.public_url", "Portal URL used in links"},
      {"--master-key-file", "keys.master_key_file",
       "Master key file (a second node of one organisation uses the "
       "first one's)"},
      {"--log-format", "log.format", "text or json"},
      {"--log-level", "log.level", "debug, info, warn or error"},
  };
  AddKeyedOptions(cmd, kFlags, *values);
  // The store on PostgreSQL: the URL and the engine together.
  cmd->add_option_function<std::string>(
      "--store-url",
      [values](const std::string& v) {
        (*values)["store.url"] = v;
        (*values)["store.engine"] = "postgres";
      },
      "Put the store on the PostgreSQL at this URL (libpq URI or conninfo; "
      "sets store.engine = postgres)");
  cmd->footer(
      "Every setting can also come from the config file or the environment: "
      "key server.https_listen is SEALPOST_SERVER_HTTPS_LISTEN. Precedence: "
      "flag > environment > file > default.");
  cmd->callback([opts, values, &g] {
    opts->flags = *values;
    g.exit_code = server::RunServer(*opts);
  });
}

}  // namespace sealpost::cli
