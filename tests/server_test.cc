// End-to-end tests of `sealpost server -dev` and the CLI, with clients we did
// not write: curl, openssl s_client, and signals from the outside.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "testing/process.h"

namespace sealpost {
namespace {

using test::DevServer;
using test::RunCommand;

std::string Curl(const DevServer& s, const std::string& args) {
  return "curl -sS --cacert " + s.ca_cert() + " " + args;
}

class ServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new DevServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }
  static DevServer* server_;
};
DevServer* ServerTest::server_ = nullptr;

TEST_F(ServerTest, StartsAndPrintsBanner) {
  ASSERT_TRUE(server_->started()) << server_->ReadLog();
  std::string log = server_->ReadLog();
  EXPECT_NE(log.find("Sealpost dev server is running"), std::string::npos);
  EXPECT_NE(log.find("alice@example.com"), std::string::npos);
  EXPECT_NE(log.find(server_->admin_token()), std::string::npos);
  EXPECT_FALSE(server_->UserPassword("bob@example.com").empty());
}

TEST_F(ServerTest, StatusCommandWithDevJsonValues) {
  auto r = RunCommand(test::SealpostBinary() + " status", server_->CliEnv());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  // Aligned on the longest name, "ProtectedMessages".
  EXPECT_NE(r.out.find("StoreEngine       : sqlite"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("SchemaVersion     : "), std::string::npos);
  EXPECT_NE(r.out.find("Version           : 0."), std::string::npos);
  // What the store holds: a fresh dev server has queued nothing yet.
  EXPECT_NE(r.out.find("StoreFileBytes    : "), std::string::npos);
  EXPECT_NE(r.out.find("QueuedMessages    : 0\n"), std::string::npos);
  EXPECT_NE(r.out.find("DoneMessagesKept  : 0\n"), std::string::npos);
  // The data directory's free space and the floor new mail leaves
  // (server.min_free_bytes, 64 MiB by default).
  EXPECT_NE(r.out.find("DiskFreeBytes     : "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("MinFreeBytes      : 67108864\n"), std::string::npos);
  auto j =
      RunCommand(test::SealpostBinary() + " --json status", server_->CliEnv());
  EXPECT_EQ(j.exit_code, 0);
  EXPECT_NE(j.out.find("\"store_engine\":\"sqlite\""), std::string::npos);
  EXPECT_NE(j.out.find("\"portal_copies\":0"), std::string::npos) << j.out;
}

TEST_F(ServerTest, AdminTokenRequired) {
  std::string url = server_->url() + "/api/v1/sys/status";
  auto without =
      RunCommand(Curl(*server_, "-o /dev/null -w '%{http_code}' " + url));
  EXPECT_EQ(without.out, "401");
  auto wrong = RunCommand(Curl(*server_,
                               "-o /dev/null -w '%{http_code}' -H "
                               "'Authorization: Bearer nope' " +
                                   url));
  EXPECT_EQ(wrong.out, "401");
  auto with = RunCommand(Curl(*server_,
                              "-o /dev/null -w '%{http_code}' -H "
                              "'Authorization: Bearer " +
                                  server_->admin_token() + "' " + url));
  EXPECT_EQ(with.out, "200");
  // The CLI with a wrong token: server refused -> exit 2.
  auto env = server_->CliEnv();
  env["SEALPOST_TOKEN"] = "wrong";
  auto cli = RunCommand(test::SealpostBinary() + " status", env);
  EXPECT_EQ(cli.exit_code, 2);
  EXPECT_NE(cli.out.find("admin token required"), std::string::npos);
}

TEST_F(ServerTest, BadJsonGetsJsonError) {
  auto r =
      RunCommand(Curl(*server_,
                      "-w ' %{http_code}' -H 'Content-Type: application/json' "
                      "-H 'Authorization: Bearer " +
                          server_->admin_token() + "' --data '{\"email\": ' " +
                          server_->url() + "/api/v1/users"));
  EXPECT_NE(r.out.find("\"code\":\"invalid_argument\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("invalid JSON body"), std::string::npos);
  EXPECT_NE(r.out.find(" 400"), std::string::npos);
}

TEST_F(ServerTest, OversizedBodyGets413) {
  std::string big = test::MakeTempDir("sealpost-big") + "/body";
  std::ofstream(big) << std::string(2 << 20, 'x');
  auto r =
      RunCommand(Curl(*server_,
                      "-w ' %{http_code}' -H 'Content-Type: application/json' "
                      "-H 'Authorization: Bearer " +
                          server_->admin_token() + "' --data-binary @" + big +
                          " " + server_->url() + "/api/v1/users"));
  EXPECT_NE(r.out.find("\"code\":\"payload_too_large\""), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(" 413"), std::string::npos);
}

TEST_F(ServerTest, UnknownEndpointIs404Json) {
  auto r = RunCommand(
      Curl(*server_, "-w ' %{http_code}' " + server_->url() + "/api/v1/nope"));
  EXPECT_NE(r.out.find("\"code\":\"not_found\""), std::string::npos);
  EXPECT_NE(r.out.find(" 404"), std::string::npos);
}

TEST_F(ServerTest, HealthReadyMetrics) {
  EXPECT_EQ(RunCommand(Curl(*server_, server_->url() + "/healthz")).out,
            "ok\n");
  EXPECT_EQ(RunCommand(Curl(*server_, server_->url() + "/readyz")).out,
            "ready\n");
  auto m = RunCommand(Curl(*server_, server_->url() + "/metrics"));
  EXPECT_NE(m.out.find("# TYPE sealpost_http_requests_total counter"),
            std::string::npos);
  EXPECT_NE(m.out.find("sealpost_uptime_seconds "), std::string::npos);
}

TEST_F(ServerTest, SecurityHeaders) {
  auto r = RunCommand(
      Curl(*server_, "-D - -o /dev/null " + server_->url() + "/healthz"));
  EXPECT_NE(r.out.find("Strict-Transport-Security: max-age="),
            std::string::npos);
  EXPECT_NE(r.out.find("X-Content-Type-Options: nosniff"), std::string::npos);
  EXPECT_NE(r.out.find("Cache-Control: no-store"), std::string::npos);
}

TEST_F(ServerTest, RefusesTlsBelow12) {
  std::string hostport = server_->url().substr(std::string("https://").size());
  // SECLEVEL=0 lets the client offer TLS 1.1 so that the server must refuse.
  auto old = RunCommand("echo | openssl s_client -connect " + hostport +
                        " -tls1_1 -cipher 'DEFAULT@SECLEVEL=0'");
  EXPECT_NE(old.exit_code, 0);
  EXPECT_NE(old.out.find("alert protocol version"), std::string::npos)
      << old.out;
  auto v12 = RunCommand("echo | openssl s_client -connect " + hostport +
                        " -tls1_2 -CAfile " + server_->ca_cert());
  EXPECT_EQ(v12.exit_code, 0) << v12.out;
  EXPECT_NE(v12.out.find("Verify return code: 0 (ok)"), std::string::npos);
  auto v13 = RunCommand("echo | openssl s_client -connect " + hostport +
                        " -CAfile " + server_->ca_cert());
  EXPECT_NE(v13.out.find("TLSv1.3"), std::string::npos) << v13.out;
}

TEST_F(ServerTest, UserCommands) {
  auto env = server_->CliEnv();
  auto add = RunCommand(test::SealpostBinary() +
                            " user add carol@example.com "
                            "--name Carol",
                        env);
  EXPECT_EQ(add.exit_code, 0) << add.out;
  EXPECT_NE(add.out.find("GeneratedPassword"), std::string::npos);
  auto again =
      RunCommand(test::SealpostBinary() + " user add carol@example.com", env);
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.out.find("already exists"), std::string::npos);
  auto bad =
      RunCommand(test::SealpostBinary() + " user add not-an-address", env);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.out.find("is not an e-mail address"), std::string::npos);
  auto list = RunCommand(test::SealpostBinary() + " user list", env);
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("carol@example.com"), std::string::npos);
  EXPECT_NE(list.out.find("alice@example.com"), std::string::npos);
  env["SEALPOST_NEW_PASSWORD"] = "short";
  auto pw = RunCommand(
      test::SealpostBinary() + " user passwd carol@example.com", env);
  EXPECT_EQ(pw.exit_code, 2);
  EXPECT_NE(pw.out.find("at least 8"), std::string::npos);
  auto rm = RunCommand(
      test::SealpostBinary() + " user remove carol@example.com", env);
  EXPECT_EQ(rm.exit_code, 0) << rm.out;
}

TEST(CliTest, ExitCodes) {
  auto usage = RunCommand(test::SealpostBinary() + " status --bogus");
  EXPECT_EQ(usage.exit_code, 1);
  auto no_addr =
      RunCommand("env -u SEALPOST_ADDR " + test::SealpostBinary() + " status");
  EXPECT_EQ(no_addr.exit_code, 1);
  EXPECT_NE(no_addr.out.find("SEALPOST_ADDR"), std::string::npos);
  auto down =
      RunCommand(test::SealpostBinary() + " --addr https://127.0.0.1:1 status");
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_NE(down.out.find("cannot reach"), std::string::npos);
  auto help = RunCommand(test::SealpostBinary() + " --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("server"), std::string::npos);
  EXPECT_NE(help.out.find("Exit codes"), std::string::npos);
}

TEST(ServerLifecycleTest, SigtermShutsDownCleanlyWithIdleConnection) {
  DevServer s;
  ASSERT_TRUE(s.started()) << s.ReadLog();
  // An idle keep-alive TLS connection must not hold up shutdown.
  std::string hostport = s.url().substr(std::string("https://").size());
  RunCommand("(sleep 30 | openssl s_client -quiet -connect " + hostport +
             ") >/dev/null 2>&1 & sleep 0.5");
  EXPECT_EQ(s.Stop(SIGTERM, 10), 0) << s.ReadLog();
  EXPECT_NE(s.ReadLog().find("stopped cleanly"), std::string::npos);
  RunCommand("pkill -f 'openssl s_client -quiet -connect " + hostport + "'");
}

TEST(ServerLifecycleTest, DevRestartKeepsState) {
  std::string dir = test::MakeTempDir("sealpost-restart");
  std::string token, alice;
  {
    DevServer first(dir);
    ASSERT_TRUE(first.started()) << first.ReadLog();
    token = first.admin_token();
    alice = first.UserPassword("alice@example.com");
    auto add = RunCommand(test::SealpostBinary() + " user add dave@example.com",
                          first.CliEnv());
    ASSERT_EQ(add.exit_code, 0) << add.out;
    EXPECT_EQ(first.Stop(SIGINT), 0);
  }
  DevServer second(dir);
  ASSERT_TRUE(second.started()) << second.ReadLog();
  EXPECT_EQ(second.admin_token(), token);
  EXPECT_EQ(second.UserPassword("alice@example.com"), alice);
  auto list =
      RunCommand(test::SealpostBinary() + " user list", second.CliEnv());
  EXPECT_NE(list.out.find("dave@example.com"), std::string::npos);
}

TEST(ServerLifecycleTest, DevRefusesNonLoopback) {
  auto r = RunCommand(test::SealpostBinary() +
                      " server -dev --https-listen 0.0.0.0:0");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("loopback"), std::string::npos) << r.out;
}

TEST(ServerLifecycleTest, ConfigErrorsNameKeyAndLine) {
  std::string dir = test::MakeTempDir("sealpost-cfg");
  std::ofstream(dir + "/sealpost.toml")
      << "[server]\ndata_dir = \"" << dir << "\"\nhttps_lisen = \"x\"\n";
  auto r = RunCommand(test::SealpostBinary() + " server --config " + dir +
                      "/sealpost.toml");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("sealpost.toml:3: unknown key 'server.https_lisen'"),
            std::string::npos)
      << r.out;
  auto no_dir = RunCommand("env -u SEALPOST_SERVER_DATA_DIR " +
                           test::SealpostBinary() + " server");
  EXPECT_EQ(no_dir.exit_code, 1);
  EXPECT_NE(no_dir.out.find("server.data_dir is required"), std::string::npos);
}

TEST(ServerLifecycleTest, RunsFromConfigFileOutsideDevMode) {
  // A production-style start: certificate from files, state in data_dir.
  std::string dir = test::MakeTempDir("sealpost-prod");
  {
    DevServer dev(dir + "/certs");  // borrow a CA and server certificate
    ASSERT_TRUE(dev.started());
  }
  std::ofstream(dir + "/sealpost.toml")
      << "[server]\ndata_dir = \"" << dir << "/data\"\n"
      << "https_listen = \"127.0.0.1:0\"\nsmtp_listen = \"127.0.0.1:0\"\n"
      << "[tls]\ncert_file = \"" << dir << "/certs/server.pem\"\n"
      << "key_file = \"" << dir << "/certs/server.key\"\n"
      << "[smtp]\naccepted_domains = \"example.org\"\n"
      << "[log]\nformat = \"json\"\n";
  // --foreground: one SIGTERM to the server, as systemd sends its main
  // process; without it timeout signals its process group too, and a
  // second TERM that arrives after the clean stop has put back the
  // default action kills the exiting process (143).
  auto r = RunCommand("timeout --foreground --preserve-status -s TERM 3 " +
                      test::SealpostBinary() + " server --config " + dir +
                      "/sealpost.toml");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("\"level\":\"info\",\"msg\":\"sealpost "),
            std::string::npos)
      << r.out;
  std::ifstream token(dir + "/data/admin.token");
  EXPECT_TRUE(token.good());
}

}  // namespace
}  // namespace sealpost
