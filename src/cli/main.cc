// sealpost: one binary, `sealpost <noun> <verb>`.
#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <vector>

#include "base/process.h"
#include "cli/cli.h"
#include "cli/settings_cmd.h"

int main(int argc, char** argv) {
  using namespace sealpost::cli;
  sealpost::TuneAllocatorForLargeBuffers();
  // `server -dev` is the documented spelling (as in Vault); CLI11 only
  // knows single-letter short options, so translate it.
  std::vector<char*> args(argv, argv + argc);
  static char kDev[] = "--dev";
  for (auto& a : args) {
    if (std::strcmp(a, "-dev") == 0) a = kDev;
  }

  Globals g;
  CLI::App app(
      "Sealpost: self-hosted message encryption (SMTP gateway, rights "
      "management, secure portal).",
      "sealpost");
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", SEALPOST_VERSION);
  app.add_option("--addr", g.client.addr,
                 "Server URL of the API, e.g. https://127.0.0.1:8444 "
                 "(default: from the server's config named by "
                 "SEALPOST_CONFIG: server.admin_listen, else https_listen)")
      ->envname("SEALPOST_ADDR");
  app.add_option("--token", g.client.token, "API token (admin or user)")
      ->envname("SEALPOST_TOKEN");
  app.add_option("--ca-cert", g.client.ca_cert,
                 "CA certificate (PEM) to verify the server")
      ->envname("SEALPOST_CACERT");
  app.add_flag("--json", g.json, "Print JSON instead of Name : Value lines");
  app.footer(
      "Exit codes: 0 success, 1 usage or local error, 2 the server refused "
      "or failed.\nRun `sealpost <command> --help` for a command's verbs.");

  RegisterServer(app, g);
  RegisterStatus(app, g);
  RegisterUser(app, g);
  RegisterTls(app, g);
  RegisterMessage(app, g);
  RegisterQueue(app, g);
  RegisterRms(app, g);
  RegisterIrm(app, g);
  RegisterTemplate(app, g);
  RegisterLicense(app, g);
  RegisterGroup(app, g);
  RegisterOpen(app, g);
  RegisterProtect(app, g);
  RegisterRule(app, g);
  RegisterBranding(app, g);
  RegisterCert(app, g);
  RegisterSmime(app, g);
  RegisterJournal(app, g);
  RegisterSearch(app, g);
  RegisterInit(app, g);
  RegisterBackup(app, g);
  RegisterStore(app, g);

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitLocal;
  }
  return g.exit_code;
}
