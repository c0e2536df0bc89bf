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

// `Name : Value` lines of /api/v1/sys/status.
void PrintStatus(const json::value& v) {
  const auto& o = v.as_object();
  std::vector<std::pair<std::string, std::string>> props = {
      {"Version", std::string(o.at("version").as_string())},
      {"Uptime", Duration(o.at("uptime_seconds").to_number<int64_t>())},
      {"StartedAt", FormatRfc3339(o.at("started_at").to_number<int64_t>())},
      {"StoreEngine", std::string(o.at("store_engine").as_string())},
      {"SchemaVersion",
       std::to_string(o.at("schema_version").to_number<int64_t>())},
      {"DevMode", o.at("dev_mode").as_bool() ? "True" : "False"},
  };
  // What the store holds and what it costs on disk.
  if (const json::value* st = o.if_contains("store");
      st != nullptr && st->is_object()) {
    auto n = [&](const char* k) {
      const json::value* x = st->as_object().if_contains(k);
      return x != nullptr ? x->to_number<int64_t>() : int64_t{0};
    };
    for (auto [name, key] : {
             std::pair{"StoreFileBytes", "file_bytes"},
             std::pair{"StoreFreeBytes", "free_bytes"},
             std::pair{"QueuedMessages", "queued_messages"},
             std::pair{"DoneMessagesKept", "done_messages"},
             std::pair{"PortalCopies", "portal_copies"},
             std::pair{"ProtectedMessages", "protected_messages"},
         }) {
      props.emplace_back(name, std::to_string(n(key)));
    }
  }
  PrintProperties(props);
}

}  // namespace

void RegisterStatus(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand(
      "status",
      "Show the server's version, uptime, store engine, schema and what the "
      "store holds");
  cmd->callback(
      [&g] { CallAndPrint(g, "GET", "/api/v1/sys/status", "", PrintStatus); });
}

}  // namespace sealpost::cli
