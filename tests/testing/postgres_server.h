// A PostgreSQL 15 server of the tests' own (Debian's `postgresql` package:
// initdb and pg_ctl from /usr/lib/postgresql/15/bin): a cluster in a new
// temporary directory, a free port on 127.0.0.1, its unix socket in that
// directory, trust authentication for the role `sealpost`; no system
// service. Stopped and removed when the object goes. When run as root (CI
// containers) the server runs as the `postgres` user, as initdb requires.
//
// Thread-safety: for use from one test thread.
#ifndef SEALPOST_TESTS_TESTING_POSTGRES_SERVER_H_
#define SEALPOST_TESTS_TESTING_POSTGRES_SERVER_H_

#include <string>

namespace sealpost::test {

class PostgresServer {
 public:
  PostgresServer() = default;
  ~PostgresServer() { Stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // Creates and starts the cluster; false (with error() saying why) when
  // it could not. Tests fail on false: they never skip quietly.
  bool Start();
  void Stop();

  // A new empty database; its conninfo, or "" (see error()).
  std::string CreateDatabase(const std::string& name);
  // key=value conninfo of database `db` over the unix socket.
  std::string ConnInfo(const std::string& db) const;
  // postgresql:// URI of database `db` over TCP on 127.0.0.1.
  std::string Url(const std::string& db) const;
  // Runs `sql` with psql on database `db`; its output, or "" on failure.
  std::string Psql(const std::string& db, const std::string& sql);

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  const std::string& error() const { return error_; }

 private:
  std::string dir_, error_;
  int port_ = 0;
  bool running_ = false;
};

// One server for the whole test program, started on first use and
// stopped at exit by a GoogleTest environment (postgres_server.cc).
PostgresServer& SharedPostgres();

}  // namespace sealpost::test

#endif  // SEALPOST_TESTS_TESTING_POSTGRES_SERVER_H_
