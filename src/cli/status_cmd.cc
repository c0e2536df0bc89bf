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

std::string Str(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

// This node, the nodes seen in the last minute and the queue per node
// (several nodes on one store: docs/scaling.md).
void AddNodes(const json::object& o,
              std::vector<std::pair<std::string, std::string>>& props) {
  props.emplace_back("NodeId", Str(o, "node_id"));
  std::string seen;
  if (const json::value* v = o.if_contains("nodes"); v && v->is_array()) {
    for (const json::value& n : v->as_array()) {
      if (!n.is_object()) continue;
      const json::object& node = n.as_object();
      if (!seen.empty()) seen += ", ";
      seen += Str(node, "node_id") + " (" + Str(node, "hostname") + ", " +
              Str(node, "version") + ")";
    }
  }
  props.emplace_back("NodesSeen", seen.empty() ? "-" : seen);
  std::string depth;
  if (const json::value* v = o.if_contains("queue_by_node");
      v && v->is_array()) {
    for (const json::value& n : v->as_array()) {
      if (!n.is_object()) continue;
      const json::object& d = n.as_object();
      const std::string node = Str(d, "node_id");
      if (!depth.empty()) depth += ", ";
      depth += (node.empty() ? "unleased" : node) + "=" +
               std::to_string(d.at("deliveries").to_number<int64_t>());
    }
  }
  props.emplace_back("QueueByNode", depth.empty() ? "-" : depth);
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
  AddNodes(o, props);
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
  // The data directory's file system and the floor new mail leaves free.
  if (const json::value* d = o.if_contains("disk");
      d != nullptr && d->is_object()) {
    for (auto [name, key] : {std::pair{"DiskFreeBytes", "available_bytes"},
                             std::pair{"MinFreeBytes", "min_free_bytes"}}) {
      if (const json::value* x = d->as_object().if_contains(key)) {
        props.emplace_back(name, std::to_string(x->to_number<int64_t>()));
      }
    }
  }
  // The redirect URI to register with each OpenID Connect provider
  // (docs/portal.md).
  if (const json::value* v = o.if_contains("oidc_providers");
      v != nullptr && v->is_array()) {
    std::string uris;
    for (const json::value& p : v->as_array()) {
      if (!p.is_object()) continue;
      if (!uris.empty()) uris += ", ";
      uris +=
          Str(p.as_object(), "name") + "=" + Str(p.as_object(), "redirect_uri");
    }
    props.emplace_back("OidcRedirectUris", uris.empty() ? "-" : uris);
  }
  PrintProperties(props);
}

}  // namespace

void RegisterStatus(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand(
      "status",
      "Show the server's version, uptime, store engine, schema, what the "
      "store holds, this node's id, the nodes seen in the last minute, "
      "the queued deliveries per node and the redirect URI of each OpenID "
      "Connect provider");
  cmd->callback(
      [&g] { CallAndPrint(g, "GET", "/api/v1/sys/status", "", PrintStatus); });
}

}  // namespace sealpost::cli
