// Server configuration: sealpost.toml, then SEALPOST_* environment variables,
// then command-line flags, each overriding the one before. Every key has the
// form "section.key" in the file, SEALPOST_SECTION_KEY in the environment
// (e.g. server.https_listen <-> SEALPOST_SERVER_HTTPS_LISTEN).
// Unknown keys in the file are an error naming the key and its line.
//
// Thread-safety: Config is a plain value; load it once at start.
#ifndef SEALPOST_BASE_CONFIG_H_
#define SEALPOST_BASE_CONFIG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.h"
#include "base/status.h"

namespace sealpost {

struct Config {
  // [server]
  std::string data_dir;  // required outside dev mode
  // Free space kept on data_dir's file system (base/disk_space.h): MAIL
  // FROM (with its SIZE) and DATA get 452 4.3.1, a large API upload 503,
  // when taking them would leave less. 0: not checked.
  int64_t min_free_bytes = 64LL * 1024 * 1024;
  // This node among several on one store (server/node_id.h); empty: the
  // id kept in DATA_DIR/node_id, made on first start.
  std::string node_id;
  std::string https_listen = "127.0.0.1:8443";
  std::string smtp_listen = "127.0.0.1:2525";
  // The submission listener (RFC 6409, port 587 by convention): AUTH after
  // STARTTLS, then mail from the login. Empty: none (dev: 127.0.0.1:0).
  std::string submission_listen;
  // The admin API (/api/...) and /metrics on a listener of their own, and
  // off the public one. Empty: both on https_listen.
  std::string admin_listen;
  std::string public_url;               // default: https://<https_listen>
  std::string admin_token_file;         // default: DATA_DIR/admin.token
  std::string metrics_token_file;       // set: /metrics needs its token;
                                        // empty: loopback clients only
  int64_t threads = 0;                  // 0: one per core
  int64_t max_request_bytes = 1 << 20;  // HTTP request body limit
  // Open HTTPS connections, in all and per client address (IPv6: per /64).
  int64_t https_max_connections = 1000;
  int64_t https_max_connections_per_client = 100;
  // Request bodies read into memory at once (HttpServerOptions).
  int64_t https_max_memory_bytes = 512LL * 1024 * 1024;
  // [tls]
  std::string tls_cert_file;  // default: DATA_DIR/server.pem
  std::string tls_key_file;   // default: DATA_DIR/server.key
  // [keys]
  std::string master_key_file;  // default: DATA_DIR/master.key
  // [store]
  std::string store_engine = "sqlite";  // sqlite | postgres
  std::string store_url;                // PostgreSQL URI or conninfo
  // The PostgreSQL password, read from this file (default: none, or
  // SEALPOST_STORE_PASSWORD; never in the config file itself).
  std::string store_password_file;
  int64_t store_pool_size = 8;  // PostgreSQL connections per node
  // [smtp] the gateway (docs/gateway.md)
  std::string smtp_hostname;  // greeting, Received, HELO; default: host name
  // Default next hop "HOST:PORT" or "maildir:DIR"; dev:
  // maildir:DATA_DIR/mailbox.
  std::string smtp_next_hop;
  std::string smtp_routes;  // "domain=HOST:PORT,..." per recipient domain
  std::string smtp_accepted_domains;  // "example.com,..." mail accepted for
  std::string smtp_client_networks = "127.0.0.0/8,::1/128";  // may relay
  // Proxies in front that may send XFORWARD (addresses or CIDRs).
  std::string smtp_xforward_hosts = "127.0.0.1,::1";
  int64_t smtp_max_message_bytes = 35 * 1024 * 1024;
  // The header section a client may send, the empty line that ends it
  // included; over it, 552 5.3.4 (Exchange's MaxHeaderSize and its
  // default). 4 KiB to kStreamedHeadBytes (base/limits.h).
  int64_t smtp_max_header_bytes = 256 * 1024;
  int64_t smtp_max_recipients = 100;
  int64_t smtp_max_connections = 1000;
  int64_t smtp_max_connections_per_client = 50;
  bool smtp_require_tls = false;  // 530 to MAIL before STARTTLS
  // MAIL FROM in an accepted domain from a client outside client_networks,
  // unauthenticated: "reject" (550 5.7.1) or "external" (taken as mail from
  // outside).
  std::string smtp_forged_internal_sender = "reject";
  // A bare CR or LF: "reject" (5.5.2) or "normalize" (rewritten to CRLF).
  std::string smtp_bare_newline = "reject";
  // Bytes of messages held in memory by SMTP sessions, from DATA until
  // committed; past it, DATA gets 452 4.3.1.
  int64_t smtp_max_memory_bytes = 512LL * 1024 * 1024;
  // [queue]
  int64_t queue_retry_base_seconds = 60;  // first retry; doubles each time
  int64_t queue_retry_max_seconds = 3600;
  int64_t queue_retry_window_seconds = 2 * 24 * 3600;  // then bounce
  int64_t queue_delivery_concurrency = 64;
  // How long a node's hold on a message lasts without renewal: another node
  // takes over the work of a node that died after this long.
  int64_t queue_lease_seconds = 30;
  // Delivered and bounced messages (their bodies already deleted) stay for
  // `message trace` this many days, then are pruned.
  int64_t queue_history_days = 30;
  // [portal] (docs/portal.md)
  std::string portal_otp_sender;  // default: noreply@<first accepted domain>
  std::string portal_oidc_providers_file;  // JSON array of providers
  // Mail written in the portal (reply, forward, compose): messages per
  // hour per signed-in address and per client address, recipients each.
  int64_t portal_send_limit_per_user = 20;
  int64_t portal_send_limit_per_client = 60;
  int64_t portal_max_recipients = 20;
  // [smime] (docs/smime.md)
  // External recipients with a usable certificate on file get S/MIME
  // instead of the portal wrapper when protection is asked for.
  bool smime_prefer_when_certificate = true;
  // The certificate of a verified signed message from outside is stored
  // for its sender.
  bool smime_harvest = true;
  // eDiscovery (docs/compliance.md): indexing costs about 1.3 ms of commit
  // per protected 4 KB message, so it is off unless asked for.
  bool search_index_at_protection = true;
  // S/MIME mail to one of our users whose private key is on file is
  // decrypted at the gateway, then treated as clear mail.
  bool smime_decrypt_inbound = false;
  // Revocation fetches (CRL distribution points, OCSP): per request, per
  // certificate with its chain, and the largest CRL read.
  int64_t smime_revocation_timeout_seconds = 5;
  int64_t smime_revocation_total_seconds = 10;
  int64_t smime_crl_max_bytes = 1 << 20;
  // Portal copies of messages without an expiry are deleted this many days
  // after they were made, and the messages expire then (0: kept).
  int64_t portal_retention_days = 0;
  // [log]
  std::string log_format = "text";  // text | json
  std::string log_level = "info";   // debug | info | warn | error
};

// The documented keys, in order, with a one-line description each.
struct ConfigKeyInfo {
  std::string_view name;  // "server.https_listen"
  std::string_view help;
};
const std::vector<ConfigKeyInfo>& ConfigKeys();

// "server.https_listen" -> "SEALPOST_SERVER_HTTPS_LISTEN".
std::string ConfigEnvName(std::string_view key);

struct ConfigSources {
  std::string file;  // empty: no file
  // Environment lookup; defaults to getenv.
  std::function<const char*(const char*)> getenv;
  std::map<std::string, std::string> flags;  // key -> value
};

// Loads defaults <- file <- environment <- flags, then validates.
Result<Config> LoadConfig(const ConfigSources& sources);

// Parses "HOST:PORT" or "[V6]:PORT"; port 0 allowed (picks a free one).
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
Result<HostPort> ParseHostPort(std::string_view s);
bool IsLoopbackHost(std::string_view host);

}  // namespace sealpost

#endif  // SEALPOST_BASE_CONFIG_H_
