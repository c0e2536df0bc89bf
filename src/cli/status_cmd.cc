#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <iostream>

#include "base/clock.h"
#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

namespace {

std::string Duration(int64_t s) {
  std::string out;
  if (s >= 86400) out += std::to_string(s / 86400) + "d";
  if (s >= 3600) out += std::to_string(s % 86400 / 3600) + "h";
  if (s >= 60) out += std::to_string(s % 3600 / 60) + "m";
  out += std::to_string(s % 60) + "s";
  return out;
}

}  // namespace

void RegisterStatus(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand(
      "status", "Show the server's version, uptime, store engine and schema");
  cmd->callback([&g] {
    std::string body;
    if (!CallApi(g, "GET", "/api/v1/sys/status", "", &body)) return;
    if (g.json) {
      std::cout << body << "\n";
      return;
    }
    json::value v = json::parse(body);
    const auto& o = v.as_object();
    PrintProperties({
        {"Version", std::string(o.at("version").as_string())},
        {"Uptime", Duration(o.at("uptime_seconds").to_number<int64_t>())},
        {"StartedAt", FormatRfc3339(o.at("started_at").to_number<int64_t>())},
        {"StoreEngine", std::string(o.at("store_engine").as_string())},
        {"SchemaVersion",
         std::to_string(o.at("schema_version").to_number<int64_t>())},
        {"DevMode", o.at("dev_mode").as_bool() ? "True" : "False"},
    });
  });
}

}  // namespace sealpost::cli
