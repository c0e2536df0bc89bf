#include "base/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "base/temp_dir_for_testing.h"

namespace sealpost {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& text) {
    std::string path = dir_ + "/sealpost.toml";
    std::ofstream(path) << text;
    return path;
  }
  ConfigSources Sources(std::string file) {
    ConfigSources s;
    s.file = std::move(file);
    s.getenv = [this](const char* name) -> const char* {
      auto it = env_.find(name);
      return it == env_.end() ? nullptr : it->second.c_str();
    };
    return s;
  }
  sealpost::testing::TempDir tmp_{"config"};
  const std::string& dir_ = tmp_.path();
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigTest, Defaults) {
  auto c = LoadConfig(Sources(""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->https_listen, "127.0.0.1:8443");
  EXPECT_EQ(c->store_engine, "sqlite");
  EXPECT_EQ(c->log_format, "text");
}

TEST_F(ConfigTest, PrecedenceFileThenEnvThenFlags) {
  std::string file = Write(
      "[server]\nhttps_listen = \"127.0.0.1:1000\"\n"
      "smtp_listen = \"127.0.0.1:1001\"\ndata_dir = \"/file\"\n"
      "threads = 3\n[log]\nlevel = \"debug\"\n");
  env_["SEALPOST_SERVER_SMTP_LISTEN"] = "127.0.0.1:2001";
  env_["SEALPOST_SERVER_DATA_DIR"] = "/env";
  auto sources = Sources(file);
  sources.flags["server.data_dir"] = "/flag";
  auto c = LoadConfig(sources);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->https_listen, "127.0.0.1:1000");  // file only
  EXPECT_EQ(c->smtp_listen, "127.0.0.1:2001");   // env beats file
  EXPECT_EQ(c->data_dir, "/flag");               // flag beats env and file
  EXPECT_EQ(c->threads, 3);
  EXPECT_EQ(c->log_level, "debug");
}

TEST_F(ConfigTest, ListSettingsTakeATomlArrayToo) {
  auto c = LoadConfig(Sources(
      Write("[smtp]\naccepted_domains = [\"example.com\", \"example.org\"]\n"
            "client_networks = \"10.0.0.0/8,192.168.0.0/16\"\n")));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->smtp_accepted_domains, "example.com,example.org");
  EXPECT_EQ(c->smtp_client_networks, "10.0.0.0/8,192.168.0.0/16");
  // Not a list setting, or not a list of plain strings: a clear error.
  auto not_list = LoadConfig(Sources(Write("[log]\nlevel = [\"info\"]\n")));
  ASSERT_FALSE(not_list.ok());
  EXPECT_NE(not_list.status().message().find("must be a string or a number"),
            std::string::npos);
  auto bad = LoadConfig(
      Sources(Write("[smtp]\naccepted_domains = [\"a.test,b.test\", 3]\n")));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find(":2: 'smtp.accepted_domains' must be "
                                        "a list of strings"),
            std::string::npos)
      << bad.status().message();
}

TEST_F(ConfigTest, UnknownKeyNamesKeyAndLine) {
  std::string file = Write("[server]\ndata_dir = \"/x\"\n\nhttp_listen = 1\n");
  auto c = LoadConfig(Sources(file));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(),
            file + ":4: unknown key 'server.http_listen'");
}

TEST_F(ConfigTest, UnknownSectionIsAnError) {
  auto c = LoadConfig(Sources(Write("[nope]\na = 1\n")));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find(":2: unknown key 'nope.a'"),
            std::string::npos);
}

TEST_F(ConfigTest, SyntaxErrorNamesLine) {
  auto c = LoadConfig(Sources(Write("[server]\ndata_dir = \n")));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sealpost.toml:2:"), std::string::npos);
}

TEST_F(ConfigTest, BadValuesAreRefused) {
  env_["SEALPOST_LOG_FORMAT"] = "xml";
  auto c = LoadConfig(Sources(""));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("SEALPOST_LOG_FORMAT"),
            std::string::npos);
  env_.clear();
  env_["SEALPOST_SERVER_HTTPS_LISTEN"] = "nohostport";
  EXPECT_FALSE(LoadConfig(Sources("")).ok());
  env_.clear();
  env_["SEALPOST_SERVER_THREADS"] = "-1";
  EXPECT_FALSE(LoadConfig(Sources("")).ok());
}

TEST_F(ConfigTest, MaxHeaderBytesFromFourKiBToTheStreamedHead) {
  auto c = LoadConfig(Sources(""));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->smtp_max_header_bytes, 256 * 1024);  // Exchange's default
  for (int64_t ok : {int64_t{4096}, kStreamedHeadBytes}) {
    auto in = LoadConfig(
        Sources(Write("[smtp]\nmax_header_bytes = " + std::to_string(ok))));
    ASSERT_TRUE(in.ok()) << ok << ": " << in.status().ToString();
    EXPECT_EQ(in->smtp_max_header_bytes, ok);
  }
  for (int64_t bad : {int64_t{0}, int64_t{4095}, kStreamedHeadBytes + 1}) {
    env_["SEALPOST_SMTP_MAX_HEADER_BYTES"] = std::to_string(bad);
    auto out = LoadConfig(Sources(""));
    ASSERT_FALSE(out.ok()) << bad;
    EXPECT_EQ(out.status().message(),
              "smtp.max_header_bytes: expected 4096 to 4194304 (the header "
              "section the protection stage holds in memory)");
  }
}

TEST_F(ConfigTest, StoreOnPostgres) {
  std::string file = Write(
      "[store]\nengine = \"postgres\"\n"
      "url = \"postgresql://sealpost@db.example.com/sealpost?sslmode=verify-"
      "full\"\npassword_file = \"/etc/sealpost/db.password\"\n"
      "pool_size = 16\n");
  auto c = LoadConfig(Sources(file));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->store_engine, "postgres");
  EXPECT_EQ(
      c->store_url,
      "postgresql://sealpost@db.example.com/sealpost?sslmode=verify-full");
  EXPECT_EQ(c->store_password_file, "/etc/sealpost/db.password");
  EXPECT_EQ(c->store_pool_size, 16);
  env_["SEALPOST_STORE_POOL_SIZE"] = "0";
  EXPECT_FALSE(LoadConfig(Sources(file)).ok());
  env_.clear();
  env_["SEALPOST_STORE_ENGINE"] = "postgres";
  auto no_url = LoadConfig(Sources(""));
  ASSERT_FALSE(no_url.ok());
  EXPECT_NE(no_url.status().message().find("store.url"), std::string::npos);
}

TEST(HostPortTest, Parses) {
  auto a = ParseHostPort("127.0.0.1:0");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  auto b = ParseHostPort("[::1]:8443");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 8443);
  EXPECT_FALSE(ParseHostPort("host:99999").ok());
  EXPECT_FALSE(ParseHostPort(":80").ok());
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("0.0.0.0"));
}

TEST(ConfigKeysTest, EnvNames) {
  EXPECT_EQ(ConfigEnvName("server.https_listen"),
            "SEALPOST_SERVER_HTTPS_LISTEN");
}

}  // namespace
}  // namespace sealpost
