// Gateway: the SMTP side of the server, wired from the configuration: the
// queue (with its content key under the master key), the delivery
// transports (SMTP client, Maildir sink), the SMTP listener and, when
// server.submission_listen is set, the submission listener (AUTH against
// the directory's users). RunServer
// starts it once and calls Shutdown() from the runtime's shutdown hook.
//
// Thread-safety: Start() on the main thread; Shutdown() and ReloadTls()
// from any thread;
// destroy after the I/O threads have stopped.
#ifndef SEALPOST_SERVER_GATEWAY_H_
#define SEALPOST_SERVER_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/config.h"
#include "base/memory_budget.h"
#include "base/metrics.h"
#include "base/status.h"
#include "crypto/aead.h"
#include "store/store.h"

namespace boost::asio {
class io_context;
}

namespace sealpost::queue {
class Acceptor;
class Queue;
}  // namespace sealpost::queue
namespace sealpost::protect {
class Protector;
}
namespace sealpost::license {
class Directory;
}
namespace sealpost::smtp {
class Authenticator;
class SmtpServer;
struct SmtpServerOptions;
class SmtpTransport;
}  // namespace sealpost::smtp

namespace sealpost::server {

// smtp.accepted_domains as a lower-case list.
std::vector<std::string> AcceptedDomains(const Config& config);
// smtp.hostname, or the machine's host name.
std::string SmtpHostname(const Config& config);

class Gateway {
 public:
  // `content_key` encrypts queued mail at rest (queue::
  // LoadOrCreateContentKey). `protector`, when set, applies the mail flow
  // policy between acceptance and the queue. `directory` checks submission
  // logins; it must outlive the Gateway.
  static Result<std::unique_ptr<Gateway>> Start(
      boost::asio::io_context& io, const Config& config, store::Store& store,
      MetricsRegistry& metrics, const Clock& clock, crypto::Aead content_key,
      protect::Protector* protector, license::Directory* directory);
  ~Gateway();

  // "127.0.0.1:2525": the real listening address (port 0 resolved).
  const std::string& smtp_address() const { return smtp_address_; }
  // The submission listener's address, or "" when there is none.
  const std::string& submission_address() const { return submission_address_; }
  // The queue itself (no protection stage in front): for mail the server
  // writes, such as portal passcodes and portal replies already sealed.
  queue::Queue* queue() const;
  // Stops accepting connections and cancels deliveries in flight.
  void Shutdown();
  // The SMTP and submission listeners read their certificate and key again
  // (SIGHUP); the first error, with the old pair kept where it failed.
  Status ReloadTls();

 private:
  Gateway() = default;
  Status StartSubmission(boost::asio::io_context& io, const Config& config,
                         smtp::SmtpServerOptions options,
                         queue::Acceptor& front, MetricsRegistry& metrics,
                         license::Directory& directory);
  // Destroyed in reverse order: listener, queue (joins), transport.
  // smtp.max_memory_bytes, shared by both listeners' sessions; destroyed
  // after them.
  std::unique_ptr<MemoryBudget> memory_;
  std::unique_ptr<smtp::SmtpTransport> transport_;
  std::unique_ptr<queue::Queue> queue_;
  std::unique_ptr<queue::Acceptor> front_;  // the protector, if any
  std::unique_ptr<smtp::Authenticator> authenticator_;
  std::unique_ptr<smtp::SmtpServer> server_;
  std::unique_ptr<smtp::SmtpServer> submission_;
  std::string smtp_address_;
  std::string submission_address_;
};

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_GATEWAY_H_
