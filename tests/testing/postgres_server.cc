#include "testing/postgres_server.h"

#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sealpost::test {
namespace {

constexpr const char* kBin = "/usr/lib/postgresql/15/bin/";

// Runs `command` with /bin/sh; its exit code, output in *out.
int Run(const std::string& command, std::string* out) {
  FILE* p = popen(("( " + command + " ) 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out->append(buf, n);
  int status = pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  close(fd);
  return port;
}

std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// initdb refuses to run as root: run the server's programs as `postgres`.
std::string AsServerUser(const std::string& command) {
  if (geteuid() != 0) return command;
  return "runuser -u postgres -- sh -c " + Quote(command);
}

}  // namespace

bool PostgresServer::Start() {
  if (running_) return true;
  if (!error_.empty()) return false;  // tried and failed: say so again
  if (!std::filesystem::exists(std::string(kBin) + "initdb")) {
    error_ = std::string(kBin) +
             "initdb is missing: install Debian's postgresql package "
             "(scripts/install-deps)";
    return false;
  }
  char tmpl[] = "/tmp/sealpost-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) {
    error_ = "mkdtemp failed";
    return false;
  }
  dir_ = tmpl;
  if (geteuid() == 0) {
    passwd* pw = getpwnam("postgres");
    if (pw == nullptr || chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
      error_ = "no postgres user to run the server as";
      return false;
    }
  }
  port_ = FreePort();
  std::string out;
  // initdb takes seconds, and ctest runs every test in a process of its
  // own: the first run keeps a fresh cluster as a template (renamed into
  // place, so parallel runs never see half of one) and later runs copy it.
  const std::string tmpl_dir =
      "/tmp/sealpost-pg15-template-" + std::to_string(geteuid());
  if (Run("cp -a " + tmpl_dir + " " + dir_ + "/data", &out) != 0) {
    out.clear();
    // --no-sync: a throwaway cluster; the server itself runs with fsync on.
    if (Run(AsServerUser(std::string(kBin) + "initdb -D " + dir_ +
                         "/data -U sealpost -A trust -E UTF8 --locale=C "
                         "--no-sync"),
            &out) != 0) {
      error_ = "initdb failed: " + out;
      return false;
    }
    const std::string part = tmpl_dir + ".part" + std::to_string(getpid());
    std::string ignored;
    if (Run("cp -a " + dir_ + "/data " + part, &ignored) != 0 ||
        rename(part.c_str(), tmpl_dir.c_str()) != 0) {
      std::error_code ec;
      std::filesystem::remove_all(part, ec);
    }
  }
  out.clear();
  const std::string opts = "-k " + dir_ + " -p " + std::to_string(port_) +
                           " -c listen_addresses=127.0.0.1 "
                           "-c max_connections=200 -c shared_buffers=32MB";
  if (Run(AsServerUser(std::string(kBin) + "pg_ctl -D " + dir_ + "/data -l " +
                       dir_ + "/server.log -w -t 60 -o " + Quote(opts) +
                       " start"),
          &out) != 0) {
    std::ifstream log(dir_ + "/server.log");
    std::stringstream text;
    text << log.rdbuf();
    error_ = "pg_ctl start failed: " + out + text.str();
    return false;
  }
  running_ = true;
  return true;
}

void PostgresServer::Stop() {
  if (dir_.empty()) return;
  if (running_) {
    std::string out;
    (void)Run(AsServerUser(std::string(kBin) + "pg_ctl -D " + dir_ +
                           "/data -m fast -w -t 30 stop"),
              &out);
    running_ = false;
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
  dir_.clear();
}

std::string PostgresServer::ConnInfo(const std::string& db) const {
  return "host=" + dir_ + " port=" + std::to_string(port_) +
         " user=sealpost dbname=" + db;
}

std::string PostgresServer::Url(const std::string& db) const {
  return "postgresql://sealpost@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PostgresServer::Psql(const std::string& db,
                                 const std::string& sql) {
  std::string out;
  if (Run(std::string(kBin) + "psql -X -A -t -v ON_ERROR_STOP=1 " +
              Quote(ConnInfo(db)) + " -c " + Quote(sql),
          &out) != 0) {
    error_ = "psql: " + out;
    return "";
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string PostgresServer::CreateDatabase(const std::string& name) {
  if (!Start()) return "";
  std::string out;
  if (Run(std::string(kBin) + "psql -X -q -v ON_ERROR_STOP=1 " +
              Quote(ConnInfo("postgres")) + " -c " +
              Quote("CREATE DATABASE " + name),
          &out) != 0) {
    error_ = "CREATE DATABASE " + name + ": " + out;
    return "";
  }
  return ConnInfo(name);
}

PostgresServer& SharedPostgres() {
  // Destroyed (stopped) when the test program exits.
  static PostgresServer server;
  return server;
}

}  // namespace sealpost::test
