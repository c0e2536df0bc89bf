// `sealpost init`: first-start setup for a production server. Writes a
// commented configuration, the data directory (0700), the master key and the
// admin token (0600 each) and, when the configured certificate files are
// missing, a self-signed certificate to start with; then prints the next
// steps. It never overwrites anything: every target is checked first, and
// one that exists stops it before anything is written.
#include <pwd.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

#include "base/files.h"
#include "cli/cli.h"
#include "cli/local_config.h"
#include "crypto/dev_ca.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "license/key_service.h"

namespace sealpost::cli {
namespace {

constexpr const char* kDefaultConfig = "/etc/sealpost/sealpost.toml";
constexpr const char* kDefaultDataDir = "/var/lib/sealpost";

struct InitArgs {
  std::string config_file;
  std::string data_dir;
  std::string domain;
  std::string public_url;
};

// A TOML basic string.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

std::string ConfigText(const InitArgs& a, const std::string& data_dir) {
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::string t;
  t += "# Sealpost configuration, written by `sealpost init` on ";
  t += date;
  t += ".\n"
       "# Every key is in docs/configuration.md; SEALPOST_SECTION_KEY in the\n"
       "# environment and the server's flags override this file.\n"
       "\n[server]\n"
       "# The store (SQLite), the master key and the admin token. 0700.\n"
       "data_dir = " +
       Quote(data_dir) +
       "\n"
       "# The portal (HTTPS). For recipients on the Internet:\n"
       "# \"0.0.0.0:443\" (the systemd unit allows port 443).\n"
       "https_listen = \"127.0.0.1:8443\"\n"
       "# The admin API (the CLI) and /metrics: on this host only, and\n"
       "# never on https_listen. Empty: both on https_listen.\n"
       "admin_listen = \"127.0.0.1:8444\"\n"
       "# The portal's address as recipients see it: every wrapper mail's\n"
       "# \"Read the message\" link starts with it.\n";
  t += a.public_url.empty()
           ? "# public_url = \"https://mail-portal.example.com\"\n"
           : "public_url = " + Quote(a.public_url) + "\n";
  t += "# The SMTP gateway: the MTA in front hands mail over here\n"
       "# (docs/postfix.md).\n"
       "smtp_listen = \"127.0.0.1:10025\"\n"
       "# admin_token_file = \"" +
       data_dir +
       "/admin.token\"\n"
       "\n[tls]\n"
       "# `sealpost init` made a self-signed certificate for localhost to\n"
       "# start with: replace both with your certificate chain and key\n"
       "# (certbot: fullchain.pem and privkey.pem).\n"
       "cert_file = " +
       Quote(data_dir + "/tls/server.pem") +
       "\n"
       "key_file = " +
       Quote(data_dir + "/tls/server.key") +
       "\n"
       "\n[keys]\n"
       "# 32 random bytes (base64), 0600. Without it no protected message\n"
       "# can ever be opened again: back it up with `sealpost rms\n"
       "# export-key` and keep the backup away from this machine.\n"
       "master_key_file = " +
       Quote(data_dir + "/master.key") +
       "\n"
       "\n[smtp]\n"
       "# Required: the organisation's mail domains. Senders and recipients\n"
       "# in them are internal; mail for them is accepted from anyone.\n";
  t += a.domain.empty() ? "# accepted_domains = \"example.com\"\n"
                        : "accepted_domains = " + Quote(a.domain) + "\n";
  t += "# The name in the SMTP greeting and Received fields (default: the\n"
       "# host name).\n"
       "# hostname = \"gw.example.com\"\n"
       "# Where mail goes next: Postfix's reinjection listener\n"
       "# (docs/postfix.md).\n"
       "next_hop = \"127.0.0.1:10026\"\n"
       "# Clients that may relay anywhere (the MTA in front).\n"
       "# client_networks = \"127.0.0.0/8,::1/128\"\n"
       "# Proxies whose XFORWARD names the original client in Received.\n"
       "# xforward_hosts = \"127.0.0.1,::1\"\n"
       "\n[log]\n"
       "# text or json (one object per line); debug, info, warn or error.\n"
       "format = \"text\"\n"
       "level = \"info\"\n";
  return t;
}

// CreateDevCa's file names, when the configured certificate and key are
// DIR/server.pem and DIR/server.key: then a self-signed pair can go there.
std::string SelfSignedDir(const Config& config) {
  const std::string& cert = config.tls_cert_file;
  const std::string& key = config.tls_key_file;
  constexpr std::string_view kCert = "/server.pem", kKey = "/server.key";
  if (cert.size() <= kCert.size() || !cert.ends_with(kCert)) return "";
  std::string dir = cert.substr(0, cert.size() - kCert.size());
  return key == dir + std::string(kKey) ? dir : "";
}

int Init(const InitArgs& a) {
  const std::string what = "init";
  const bool config_exists = FileExists(a.config_file);
  if (config_exists && (!a.domain.empty() || !a.public_url.empty())) {
    return LocalFailure(
        what, AlreadyExistsError(
                  a.config_file +
                  " exists; not overwritten (set smtp.accepted_domains and "
                  "server.public_url in it, or choose another --config)"));
  }
  // The configuration: the existing one as it is, or the one we write.
  std::string config_text;
  Config config;
  if (config_exists) {
    ConfigSources sources;
    sources.file = a.config_file;
    if (!a.data_dir.empty()) sources.flags["server.data_dir"] = a.data_dir;
    auto loaded = LoadConfig(sources);
    if (!loaded.ok()) return LocalFailure(what, loaded.status());
    config = *loaded;
    if (config.data_dir.empty()) {
      return LocalFailure(
          what,
          InvalidArgumentError(a.config_file + " sets no server.data_dir"));
    }
  } else {
    // Absolute: the server may start from any working directory.
    std::string dir = std::filesystem::absolute(
                          a.data_dir.empty() ? kDefaultDataDir : a.data_dir)
                          .lexically_normal()
                          .string();
    config_text = ConfigText(a, dir);
    config.data_dir = dir;
    config.tls_cert_file = dir + "/tls/server.pem";
    config.tls_key_file = dir + "/tls/server.key";
    config.master_key_file = dir + "/master.key";
    config.admin_listen = "127.0.0.1:8444";
  }
  LocalPaths paths = PathsOf(config);
  std::string tls_dir = SelfSignedDir(config);
  bool make_cert = !tls_dir.empty() && !FileExists(config.tls_cert_file) &&
                   !FileExists(config.tls_key_file);

  // Nothing is written while anything we would write exists.
  std::vector<std::string> targets = {paths.master_key_file,
                                      paths.admin_token_file};
  if (!config_exists) targets.push_back(a.config_file);
  if (make_cert) {
    for (const char* f : {"/ca.pem", "/ca.key"}) targets.push_back(tls_dir + f);
  }
  for (const auto& t : targets) {
    if (FileExists(t)) {
      return LocalFailure(what,
                          AlreadyExistsError(t + " exists; not overwritten"));
    }
  }

  if (!config_exists) {
    std::string parent = a.config_file.substr(
        0, a.config_file.find_last_of('/') == std::string::npos
               ? 0
               : a.config_file.find_last_of('/'));
    if (!parent.empty() && !FileExists(parent)) {
      if (Status s = MakeDirs(parent, 0755); !s.ok()) {
        return LocalFailure(what, s);
      }
    }
    // 0640: it names the key files; the secrets themselves live apart.
    if (Status s = WriteFileExclusive(a.config_file, config_text, 0640);
        !s.ok()) {
      return LocalFailure(what, s);
    }
  }
  if (Status s = MakeDirs(paths.data_dir, 0700); !s.ok()) {
    return LocalFailure(what, s);
  }
  crypto::MasterKey key = crypto::MasterKey::Generate();
  if (Status s = WriteFileExclusive(paths.master_key_file,
                                    key.EncodeInsecure() + "\n", 0600);
      !s.ok()) {
    return LocalFailure(what, s);
  }
  if (Status s = WriteFileExclusive(paths.admin_token_file,
                                    crypto::RandomToken(32) + "\n", 0600);
      !s.ok()) {
    return LocalFailure(what, s);
  }
  if (make_cert) {
    if (Status s = MakeDirs(tls_dir, 0700); !s.ok()) {
      return LocalFailure(what, s);
    }
    if (auto ca = crypto::CreateDevCa(tls_dir); !ca.ok()) {
      return LocalFailure(what, ca.status());
    }
  }

  const std::string fp = license::FingerprintText(key.fingerprint());
  std::cout << "Sealpost is set up.\n"
            << "  configuration   " << a.config_file
            << (config_exists ? " (existing, not modified)\n" : "\n")
            << "  data directory  " << paths.data_dir << " (0700)\n"
            << "  master key      " << paths.master_key_file
            << " (0600, fingerprint " << fp << ")\n"
            << "  admin token     " << paths.admin_token_file << " (0600)\n";
  if (make_cert) {
    std::cout << "  certificate     " << config.tls_cert_file
              << " (self-signed for localhost; CA " << tls_dir << "/ca.pem)\n";
  }
  std::cout << "\nNext steps:\n"
            << "  1. Back up the master key now, away from this machine:\n"
            << "       sealpost rms export-key --config " << a.config_file
            << " --out sealpost-keys.backup\n";
  int step = 2;
  if (config_exists ? config.smtp_accepted_domains.empty() : a.domain.empty()) {
    std::cout << "  " << step++ << ". Set smtp.accepted_domains in "
              << a.config_file
              << " (required: the server will not start without it).\n";
  }
  std::cout << "  " << step++ << ". Put your certificate in [tls] of "
            << a.config_file << " (docs/operations.md).\n";
  std::cout << "  " << step++ << ". Start it: systemctl enable --now sealpost\n"
            << "     (or: sealpost server --config " << a.config_file << ")\n";
  std::cout << "  " << step++ << ". Use the CLI:\n"
            << "       export SEALPOST_ADDR=" << AdminUrl(config) << "\n"
            << "       export SEALPOST_TOKEN=$(cat " << paths.admin_token_file
            << ")\n";
  if (make_cert) {
    std::cout << "       export SEALPOST_CACERT=" << tls_dir << "/ca.pem\n";
  }
  std::cout << "       sealpost rms activate\n";
  std::cout << "  " << step++ << ". Put Postfix in front: docs/postfix.md\n";
  if (geteuid() == 0 && getpwnam("sealpost") != nullptr) {
    std::cout << "\nThese files belong to root; the server runs as the "
                 "`sealpost` user: chown -R sealpost:sealpost "
              << paths.data_dir << " (or run init as that user).\n";
  }
  return kExitOk;
}

}  // namespace

void RegisterInit(CLI::App& app, Globals& g) {
  auto* cmd = app.add_subcommand(
      "init",
      "First start: write a commented configuration, the master key and the "
      "admin token; never overwrites anything");
  auto& a = RunWithArgs<InitArgs>(cmd, g, [](InitArgs& args) {
    if (args.config_file.empty()) args.config_file = kDefaultConfig;
    return Init(args);
  });
  cmd->add_option("--config", a.config_file,
                  std::string("Configuration file to write (default ") +
                      kDefaultConfig + "; an existing one is used as it is)")
      ->envname("SEALPOST_CONFIG");
  cmd->add_option(
      "--data-dir", a.data_dir,
      std::string("Data directory (default ") + kDefaultDataDir + ")");
  cmd->add_option("--domain", a.domain,
                  "The organisation's mail domain(s), comma-separated "
                  "(smtp.accepted_domains)");
  cmd->add_option("--public-url", a.public_url,
                  "The portal's public URL (server.public_url)");
}

}  // namespace sealpost::cli
