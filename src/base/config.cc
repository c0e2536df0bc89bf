#include "base/config.h"

#include <toml++/toml.h>

#include <charconv>
#include <cstdlib>
#include <sstream>

namespace sealpost {
namespace {

struct KeyDef {
  ConfigKeyInfo info;
  std::function<Status(Config&, std::string_view)> set;
};

std::function<Status(Config&, std::string_view)> Str(
    std::string Config::*field) {
  return [field](Config& c, std::string_view v) {
    c.*field = std::string(v);
    return Status::Ok();
  };
}

std::function<Status(Config&, std::string_view)> Int(int64_t Config::*field) {
  return [field](Config& c, std::string_view v) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (ec != std::errc() || p != v.data() + v.size() || n < 0) {
      return InvalidArgumentError("expected a non-negative integer, got '" +
                                  std::string(v) + "'");
    }
    c.*field = n;
    return Status::Ok();
  };
}

std::function<Status(Config&, std::string_view)> OneOf(
    std::string Config::*field, std::vector<std::string> allowed) {
  return [field, allowed](Config& c, std::string_view v) {
    for (const auto& a : allowed) {
      if (v == a) {
        c.*field = std::string(v);
        return Status::Ok();
      }
    }
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return InvalidArgumentError("'" + std::string(v) + "' is not one of " +
                                list);
  };
}

std::function<Status(Config&, std::string_view)> Bool(bool Config::*field) {
  return [field](Config& c, std::string_view v) {
    if (v == "true" || v == "1" || v == "yes") {
      c.*field = true;
    } else if (v == "false" || v == "0" || v == "no") {
      c.*field = false;
    } else {
      return InvalidArgumentError("expected true or false, got '" +
                                  std::string(v) + "'");
    }
    return Status::Ok();
  };
}

// One table of every key, its help and its field, in the order `config
// keys` lists them.
// Long: one entry a key, a table better read whole than split.
const std::vector<KeyDef>& Defs() {
  static const std::vector<KeyDef> defs = {
      {{"server.data_dir", "directory for the store, keys and certificates"},
       Str(&Config::data_dir)},
      {{"server.node_id",
        "this node's id among several on one store (default: made once and "
        "kept in DATA_DIR/node_id)"},
       Str(&Config::node_id)},
      {{"server.min_free_bytes",
        "free space kept on the data directory's file system: new mail gets "
        "452 4.3.1 and large API uploads 503 past it (0: not checked)"},
       Int(&Config::min_free_bytes)},
      {{"server.https_listen", "HOST:PORT of the portal and API (port 0: any)"},
       Str(&Config::https_listen)},
      {{"server.smtp_listen", "HOST:PORT of the SMTP gateway (port 0: any)"},
       Str(&Config::smtp_listen)},
      {{"server.submission_listen",
        "HOST:PORT of the SMTP submission listener, AUTH after STARTTLS "
        "(e.g. 0.0.0.0:587; empty: none; dev: a free loopback port)"},
       Str(&Config::submission_listen)},
      {{"server.admin_listen",
        "HOST:PORT of the admin API and /metrics, then absent from "
        "https_listen (e.g. 127.0.0.1:8444; empty: on https_listen)"},
       Str(&Config::admin_listen)},
      {{"server.public_url",
        "portal URL used in links (default from "
        "https_listen)"},
       Str(&Config::public_url)},
      {{"server.admin_token_file", "file holding the admin API token"},
       Str(&Config::admin_token_file)},
      {{"server.metrics_token_file",
        "file holding a bearer token /metrics then requires from any "
        "client (default: /metrics answers loopback clients only)"},
       Str(&Config::metrics_token_file)},
      {{"server.threads", "I/O threads (0: one per core)"},
       Int(&Config::threads)},
      {{"server.max_request_bytes", "largest HTTP request body accepted"},
       Int(&Config::max_request_bytes)},
      {{"server.https_max_connections",
        "open HTTPS connections at most (the longest idle one makes room)"},
       Int(&Config::https_max_connections)},
      {{"server.https_max_connections_per_client",
        "open HTTPS connections per client address (IPv6: per /64)"},
       Int(&Config::https_max_connections_per_client)},
      {{"server.https_max_memory_bytes",
        "bytes of HTTPS request bodies held in memory at once; past it a "
        "request with a body gets 503 (0: no limit)"},
       Int(&Config::https_max_memory_bytes)},
      {{"tls.cert_file", "PEM certificate chain of the HTTPS listener"},
       Str(&Config::tls_cert_file)},
      {{"tls.key_file", "PEM private key of the HTTPS listener"},
       Str(&Config::tls_key_file)},
      {{"keys.master_key_file", "32-byte master key file"},
       Str(&Config::master_key_file)},
      {{"store.engine", "sqlite or postgres"},
       OneOf(&Config::store_engine, {"sqlite", "postgres"})},
      {{"store.url",
        "PostgreSQL connection string: a libpq URI "
        "(postgresql://user@host/db?sslmode=verify-full) or key=value "
        "conninfo"},
       Str(&Config::store_url)},
      {{"store.password_file",
        "file holding the PostgreSQL password (else "
        "SEALPOST_STORE_PASSWORD, or ~/.pgpass)"},
       Str(&Config::store_password_file)},
      {{"store.pool_size", "PostgreSQL connections this node keeps open"},
       Int(&Config::store_pool_size)},
      {{"smtp.hostname", "name in the SMTP greeting, Received and EHLO"},
       Str(&Config::smtp_hostname)},
      {{"smtp.next_hop",
        "default next hop HOST:PORT, or maildir:DIR (dev default: "
        "maildir:DATA_DIR/mailbox)"},
       Str(&Config::smtp_next_hop)},
      {{"smtp.routes", "per-domain next hops: domain=HOST:PORT,..."},
       Str(&Config::smtp_routes)},
      {{"smtp.accepted_domains",
        "domains mail is accepted for from any client (comma list)"},
       Str(&Config::smtp_accepted_domains)},
      {{"smtp.client_networks",
        "networks that may relay to any domain (comma list of CIDRs)"},
       Str(&Config::smtp_client_networks)},
      {{"smtp.xforward_hosts",
        "proxies in front (Postfix) whose XFORWARD names the original client "
        "in Received and the trace (comma list of addresses or CIDRs)"},
       Str(&Config::smtp_xforward_hosts)},
      {{"smtp.max_message_bytes", "largest message accepted (SIZE)"},
       Int(&Config::smtp_max_message_bytes)},
      {{"smtp.max_header_bytes",
        "largest header section accepted, its empty line included; over it "
        "552 5.3.4 (4 KiB to 4 MiB, the head the protection stage holds)"},
       Int(&Config::smtp_max_header_bytes)},
      {{"smtp.max_recipients", "recipients per message"},
       Int(&Config::smtp_max_recipients)},
      {{"smtp.max_connections", "concurrent SMTP connections"},
       Int(&Config::smtp_max_connections)},
      {{"smtp.max_connections_per_client",
        "concurrent SMTP connections per client address outside "
        "smtp.client_networks and smtp.xforward_hosts (IPv6: per /64; 0: no "
        "limit)"},
       Int(&Config::smtp_max_connections_per_client)},
      {{"smtp.require_tls", "refuse MAIL before STARTTLS (true/false)"},
       Bool(&Config::smtp_require_tls)},
      {{"smtp.forged_internal_sender",
        "MAIL FROM in an accepted domain from outside client_networks "
        "without AUTH: reject (550 5.7.1) or external (taken as outside "
        "mail)"},
       OneOf(&Config::smtp_forged_internal_sender, {"reject", "external"})},
      {{"smtp.bare_newline",
        "a bare CR or LF in SMTP input: reject (5.5.2) or normalize "
        "(rewritten to CRLF; not byte-faithful)"},
       OneOf(&Config::smtp_bare_newline, {"reject", "normalize"})},
      {{"smtp.max_memory_bytes",
        "bytes of messages SMTP sessions hold in memory until committed; "
        "past it DATA gets 452 4.3.1"},
       Int(&Config::smtp_max_memory_bytes)},
      {{"queue.retry_base_seconds", "first retry delay; doubles per attempt"},
       Int(&Config::queue_retry_base_seconds)},
      {{"queue.retry_max_seconds", "longest retry delay"},
       Int(&Config::queue_retry_max_seconds)},
      {{"queue.retry_window_seconds",
        "give up and bounce after this long (default 2 days)"},
       Int(&Config::queue_retry_window_seconds)},
      {{"queue.delivery_concurrency", "deliveries in flight at once"},
       Int(&Config::queue_delivery_concurrency)},
      {{"queue.lease_seconds",
        "a node's hold on a message it delivers, renewed while it works; "
        "another node takes over after this long without renewal (3 to "
        "3600)"},
       Int(&Config::queue_lease_seconds)},
      {{"queue.history_days",
        "days delivered and bounced messages stay for message trace "
        "(their bodies are deleted at once)"},
       Int(&Config::queue_history_days)},
      {{"portal.otp_sender",
        "From address of one-time passcode mails (default: "
        "noreply@<first accepted domain>)"},
       Str(&Config::portal_otp_sender)},
      {{"portal.oidc_providers_file",
        "JSON file listing OpenID Connect providers for portal sign-in"},
       Str(&Config::portal_oidc_providers_file)},
      {{"portal.send_limit_per_user",
        "portal replies, forwards and new messages per hour per signed-in "
        "address"},
       Int(&Config::portal_send_limit_per_user)},
      {{"portal.send_limit_per_client",
        "portal replies, forwards and new messages per hour per client "
        "address (IPv6: per /64)"},
       Int(&Config::portal_send_limit_per_client)},
      {{"portal.max_recipients",
        "recipients of one message written in the portal"},
       Int(&Config::portal_max_recipients)},
      {{"smime.prefer_when_certificate",
        "protected mail to a recipient with a usable S/MIME certificate on "
        "file goes as S/MIME instead of the portal wrapper (true/false)"},
       Bool(&Config::smime_prefer_when_certificate)},
      {{"smime.harvest",
        "the certificate of a verified signed message from outside is kept "
        "for its sender (true/false)"},
       Bool(&Config::smime_harvest)},
      {{"smime.decrypt_inbound",
        "S/MIME mail to one of our users whose private key is on file is "
        "decrypted at the gateway (true/false)"},
       Bool(&Config::smime_decrypt_inbound)},
      {{"smime.revocation_timeout_seconds",
        "seconds one CRL or OCSP request may take (1 to 60)"},
       Int(&Config::smime_revocation_timeout_seconds)},
      {{"smime.revocation_total_seconds",
        "seconds the revocation checks of one certificate and its chain may "
        "take in all (1 to 120)"},
       Int(&Config::smime_revocation_total_seconds)},
      {{"smime.crl_max_bytes",
        "the largest CRL fetched from a distribution point, in bytes (1024 "
        "to 67108864)"},
       Int(&Config::smime_crl_max_bytes)},
      {{"search.index_at_protection",
        "every protected message is added to the eDiscovery index as it is "
        "protected (true/false; off: only `sealpost search reindex` builds "
        "it)"},
       Bool(&Config::search_index_at_protection)},
      {{"portal.retention_days",
        "days portal copies of messages without an expiry are kept, then "
        "deleted and the message expires (0: kept)"},
       Int(&Config::portal_retention_days)},
      {{"log.format", "text or json"},
       OneOf(&Config::log_format, {"text", "json"})},
      {{"log.level", "debug, info, warn or error"},
       OneOf(&Config::log_level, {"debug", "info", "warn", "error"})},
  };
  return defs;
}

const KeyDef* FindDef(std::string_view key) {
  for (const auto& d : Defs()) {
    if (d.info.name == key) return &d;
  }
  return nullptr;
}

// The settings that hold a list: a comma-separated string, or in the file
// also a TOML array of strings.
bool IsListKey(std::string_view key) {
  static constexpr std::string_view kListKeys[] = {
      "smtp.accepted_domains", "smtp.client_networks", "smtp.xforward_hosts",
      "smtp.routes"};
  for (std::string_view k : kListKeys) {
    if (k == key) return true;
  }
  return false;
}

Status ApplyFile(Config& config, const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << path << ":" << e.source().begin.line << ": " << e.description();
    return InvalidArgumentError(msg.str());
  }
  for (const auto& [section, node] : root) {
    auto where = [&](const toml::node& n) {
      return path + ":" + std::to_string(n.source().begin.line) + ": ";
    };
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      return InvalidArgumentError(where(node) + "unknown key '" +
                                  std::string(section.str()) +
                                  "' (settings live in sections such as "
                                  "[server])");
    }
    for (const auto& [key, value] : *table) {
      std::string full =
          std::string(section.str()) + "." + std::string(key.str());
      const KeyDef* def = FindDef(full);
      if (def == nullptr) {
        return InvalidArgumentError(where(value) + "unknown key '" + full +
                                    "'");
      }
      std::string text;
      if (auto s = value.value<std::string>(); s && value.is_string()) {
        text = *s;
      } else if (value.is_integer()) {
        text = std::to_string(*value.value<int64_t>());
      } else if (value.is_boolean()) {
        text = *value.value<bool>() ? "true" : "false";
      } else if (const toml::array* list = value.as_array();
                 list != nullptr && IsListKey(full)) {
        // accepted_domains = ["example.com", "example.org"]: the same as
        // the comma-separated string.
        for (const toml::node& item : *list) {
          const auto* item_text = item.as_string();
          if (item_text == nullptr ||
              item_text->get().find(',') != std::string::npos) {
            return InvalidArgumentError(where(item) + "'" + full +
                                        "' must be a list of strings");
          }
          if (!text.empty()) text += ',';
          text += item_text->get();
        }
      } else {
        return InvalidArgumentError(
            where(value) + "'" + full + "' must be a string or a number" +
            (IsListKey(full) ? std::string(" or a list of strings")
                             : std::string()));
      }
      Status s = def->set(config, text);
      if (!s.ok()) {
        return InvalidArgumentError(where(value) + full + ": " + s.message());
      }
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<ConfigKeyInfo>& ConfigKeys() {
  static const std::vector<ConfigKeyInfo> keys = [] {
    std::vector<ConfigKeyInfo> out;
    for (const auto& d : Defs()) out.push_back(d.info);
    return out;
  }();
  return keys;
}

std::string ConfigEnvName(std::string_view key) {
  std::string out = "SEALPOST_";
  for (char c : key) {
    out += (c == '.') ? '_' : static_cast<char>(std::toupper(c));
  }
  return out;
}

Result<Config> LoadConfig(const ConfigSources& sources) {
  Config config;
  if (!sources.file.empty()) {
    SP_RETURN_IF_ERROR(ApplyFile(config, sources.file));
  }
  auto getenv = sources.getenv ? sources.getenv
                               : [](const char* n) { return std::getenv(n); };
  for (const auto& d : Defs()) {
    std::string env = ConfigEnvName(d.info.name);
    if (const char* v = getenv(env.c_str()); v != nullptr) {
      Status s = d.set(config, v);
      if (!s.ok()) return s.WithContext(env);
    }
  }
  for (const auto& [key, value] : sources.flags) {
    const KeyDef* def = FindDef(key);
    if (def == nullptr)
      return InvalidArgumentError("unknown key '" + key + "'");
    Status s = def->set(config, value);
    if (!s.ok()) return s.WithContext(key);
  }
  SP_RETURN_IF_ERROR(ParseHostPort(config.https_listen)
                         .status()
                         .WithContext("server.https_listen"));
  SP_RETURN_IF_ERROR(ParseHostPort(config.smtp_listen)
                         .status()
                         .WithContext("server.smtp_listen"));
  if (!config.admin_listen.empty()) {
    SP_RETURN_IF_ERROR(ParseHostPort(config.admin_listen)
                           .status()
                           .WithContext("server.admin_listen"));
  }
  if (!config.submission_listen.empty()) {
    SP_RETURN_IF_ERROR(ParseHostPort(config.submission_listen)
                           .status()
                           .WithContext("server.submission_listen"));
  }
  if (config.queue_lease_seconds < 3 || config.queue_lease_seconds > 3600) {
    return InvalidArgumentError("queue.lease_seconds: expected 3 to 3600");
  }
  if (config.smime_revocation_timeout_seconds < 1 ||
      config.smime_revocation_timeout_seconds > 60) {
    return InvalidArgumentError(
        "smime.revocation_timeout_seconds: expected 1 to 60");
  }
  if (config.smime_revocation_total_seconds < 1 ||
      config.smime_revocation_total_seconds > 120) {
    return InvalidArgumentError(
        "smime.revocation_total_seconds: expected 1 to 120");
  }
  if (config.smime_crl_max_bytes < 1024 ||
      config.smime_crl_max_bytes > (int64_t{64} << 20)) {
    return InvalidArgumentError(
        "smime.crl_max_bytes: expected 1024 to 67108864");
  }
  if (config.smtp_max_header_bytes < 4096 ||
      config.smtp_max_header_bytes > kStreamedHeadBytes) {
    // Over the head, the protection stage would read a message whole.
    return InvalidArgumentError(
        "smtp.max_header_bytes: expected 4096 to " +
        std::to_string(kStreamedHeadBytes) +
        " (the header section the protection stage holds in memory)");
  }
  if (config.store_pool_size < 1 || config.store_pool_size > 1000) {
    return InvalidArgumentError("store.pool_size: expected 1 to 1000");
  }
  if (config.store_engine == "postgres" && config.store_url.empty()) {
    return InvalidArgumentError(
        "store.url is required when store.engine is "
        "postgres");
  }
  return config;
}

Result<HostPort> ParseHostPort(std::string_view s) {
  HostPort hp;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() ||
        s[close + 1] != ':') {
      return InvalidArgumentError("expected [IPV6]:PORT, got '" +
                                  std::string(s) + "'");
    }
    hp.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return InvalidArgumentError("expected HOST:PORT, got '" + std::string(s) +
                                  "'");
    }
    hp.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
  }
  unsigned value = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() ||
      value > 65535) {
    return InvalidArgumentError("bad port in '" + std::string(s) + "'");
  }
  hp.port = static_cast<uint16_t>(value);
  return hp;
}

bool IsLoopbackHost(std::string_view host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace sealpost
