#include "testing/process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace sealpost::test {

namespace json = boost::json;

CommandResult RunCommand(const std::string& command,
                         const std::map<std::string, std::string>& env) {
  std::string full;
  for (const auto& [k, v] : env) full += "export " + k + "='" + v + "'; ";
  full += "( " + command + " ) 2>&1";
  CommandResult r;
  FILE* p = popen(full.c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = "/tmp/" + prefix + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return mkdtemp(buf.data());
}

std::string SealpostBinary() { return SEALPOST_BINARY; }

DevServer::DevServer(std::string data_dir, std::vector<std::string> extra) {
  data_dir_ = data_dir.empty() ? MakeTempDir("sealpost-test") : data_dir;
  log_file_ = data_dir_ + ".log";
  std::string dev_json = data_dir_ + "/dev.json";
  std::vector<std::string> args = {
      SealpostBinary(), "server",      "-dev",          "--data-dir", data_dir_,
      "--https-listen", "127.0.0.1:0", "--smtp-listen", "127.0.0.1:0"};
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = fork();
  if (pid_ == 0) {
    int fd = open(log_file_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::ifstream in(dev_json);
    if (in) {
      std::stringstream ss;
      ss << in.rdbuf();
      boost::system::error_code ec;
      json::value v = json::parse(ss.str(), ec);
      // A restart rewrites dev.json; wait for the one our child wrote.
      if (!ec && v.is_object() && v.as_object().contains("pid") &&
          v.as_object().at("pid").to_number<int64_t>() == pid_) {
        const auto& o = v.as_object();
        url_ = std::string(o.at("url").as_string());
        if (const auto* s = o.if_contains("smtp")) {
          smtp_ = std::string(s->as_string());
        }
        admin_token_ = std::string(o.at("admin_token").as_string());
        ca_cert_ = std::string(o.at("ca_cert").as_string());
        for (const auto& u : o.at("users").as_array()) {
          passwords_[std::string(u.at("email").as_string())] =
              std::string(u.at("password").as_string());
        }
        started_ = true;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  log_text_ = ReadLog();
}

DevServer::~DevServer() {
  if (pid_ > 0) Stop(SIGKILL, 5);
}

std::string DevServer::ReadLog() const {
  std::ifstream in(log_file_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int DevServer::Stop(int sig, int timeout_s) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

std::string DevServer::UserPassword(const std::string& email) const {
  auto it = passwords_.find(email);
  return it == passwords_.end() ? "" : it->second;
}

std::map<std::string, std::string> DevServer::CliEnv() const {
  return {{"SEALPOST_ADDR", url_},
          {"SEALPOST_TOKEN", admin_token_},
          {"SEALPOST_CACERT", ca_cert_}};
}

}  // namespace sealpost::test
