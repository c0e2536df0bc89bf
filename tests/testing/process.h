// Test helpers: run commands (real clients: curl, openssl, the sealpost
// CLI) and start a dev server on free ports in a fresh data directory.
//
// Thread-safety: for use from one test thread.
#ifndef SEALPOST_TESTS_TESTING_PROCESS_H_
#define SEALPOST_TESTS_TESTING_PROCESS_H_

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace sealpost::test {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr, interleaved
};

// Runs `command` with /bin/sh -c; `env` adds variables.
CommandResult RunCommand(const std::string& command,
                         const std::map<std::string, std::string>& env = {});

std::string MakeTempDir(const std::string& prefix);
std::string SealpostBinary();

// A `sealpost server -dev` child process.
class DevServer {
 public:
  // Starts the server with `extra_args` and waits until dev.json shows it
  // listening. `data_dir` empty: a new temporary directory.
  explicit DevServer(std::string data_dir = "",
                     std::vector<std::string> extra_args = {});
  ~DevServer();

  bool started() const { return started_; }
  const std::string& log() const { return log_text_; }
  std::string ReadLog() const;
  // Sends `sig` and waits up to `timeout_s`; returns the exit status
  // (WEXITSTATUS) or -1 on timeout or signal death.
  int Stop(int sig, int timeout_s = 20);

  const std::string& data_dir() const { return data_dir_; }
  const std::string& url() const { return url_; }
  const std::string& smtp() const { return smtp_; }
  const std::string& admin_token() const { return admin_token_; }
  const std::string& ca_cert() const { return ca_cert_; }
  std::string UserPassword(const std::string& email) const;
  pid_t pid() const { return pid_; }
  // SEALPOST_ADDR/TOKEN/CACERT for the CLI.
  std::map<std::string, std::string> CliEnv() const;

 private:
  std::string data_dir_, log_file_, log_text_;
  std::string url_, smtp_, admin_token_, ca_cert_;
  std::map<std::string, std::string> passwords_;
  pid_t pid_ = -1;
  bool started_ = false;
};

}  // namespace sealpost::test

#endif  // SEALPOST_TESTS_TESTING_PROCESS_H_
