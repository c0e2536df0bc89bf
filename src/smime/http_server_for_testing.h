// A small HTTP server on 127.0.0.1 for the revocation tests (CRL
// distribution points, OCSP responders): each connection's request (its
// header section, and the body its Content-Length gives) goes to a handler
// whose return value is sent back as the whole answer, then the connection
// is closed. A request whose Content-Length is no number gets 400, not the
// handler. One request at a time; serves until destroyed.
//
// Thread-safety: port() and requests() may be called from any thread; the
// handler runs on the server's own thread.
#ifndef SEALPOST_SMIME_HTTP_SERVER_FOR_TESTING_H_
#define SEALPOST_SMIME_HTTP_SERVER_FOR_TESTING_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

namespace sealpost::smime::testing {

class LocalHttpServer {
 public:
  // The request as read (header section and body) → the answer's bytes.
  using Handler = std::function<std::string(const std::string& request)>;

  explicit LocalHttpServer(Handler handler) : handler_(std::move(handler)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0 ||
        listen(fd_, 4) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Run(); });
  }
  ~LocalHttpServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }
  LocalHttpServer(const LocalHttpServer&) = delete;
  LocalHttpServer& operator=(const LocalHttpServer&) = delete;

  // 0 when the socket could not be set up.
  int port() const { return port_; }
  int requests() const { return requests_; }

  // An HTTP/1.0 200 answer carrying `body` as `content_type`.
  static std::string Ok(std::string_view content_type, std::string_view body) {
    return "HTTP/1.0 200 OK\r\nContent-Type: " + std::string(content_type) +
           "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
           std::string(body);
  }

  // Where the body of `request` starts (past its empty line), or its size
  // when it has none.
  static size_t BodyAt(const std::string& request) {
    const size_t end = request.find("\r\n\r\n");
    return end == std::string::npos ? request.size() : end + 4;
  }

 private:
  void Run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) != 1) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      timeval tv{10, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      const std::optional<std::string> request = ReadRequest(c);
      ++requests_;
      const std::string answer =
          request
              ? handler_(*request)
              : std::string(
                    "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
      send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
      close(c);
    }
  }

  // The header section, then as many bytes as its Content-Length says
  // (none without one), or what came before the peer stopped or timed out;
  // nullopt when the Content-Length is no number (or does not fit).
  static std::optional<std::string> ReadRequest(int c) {
    std::string request;
    char buf[4096];
    size_t body_at = std::string::npos, length = 0;
    while (body_at == std::string::npos || request.size() < body_at + length) {
      ssize_t n = read(c, buf, sizeof buf);
      if (n <= 0) break;
      request.append(buf, static_cast<size_t>(n));
      if (body_at == std::string::npos) {
        size_t end = request.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        body_at = end + 4;
        size_t at = request.find("Content-Length: ");
        if (at != std::string::npos && at < end) {
          const char* digits = request.data() + at + 16;
          const char* line_end = request.data() + request.find("\r\n", at);
          const auto [stop, error] = std::from_chars(digits, line_end, length);
          if (error != std::errc() || stop != line_end) return std::nullopt;
        }
      }
    }
    return request;
  }

  Handler handler_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace sealpost::smime::testing

#endif  // SEALPOST_SMIME_HTTP_SERVER_FOR_TESTING_H_
