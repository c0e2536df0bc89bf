// SmtpTransport: the queue's SMTP client (queue::Transport). Per delivery:
// connect, EHLO, STARTTLS when offered or required, MAIL/RCPT/DATA with
// dot-stuffing (RFC 5321 §4.5.2), PIPELINING when offered (RFC 2920),
// per-recipient results. TLS policy (queue::TlsRequirement): `may` uses TLS
// when the next hop offers it, without checking the certificate; `encrypt`
// requires it; `verify` also checks the chain (given CA file or the system
// store) and the next hop's host name. TLS 1.2 is the floor. A domain that
// requires TLS is never sent in clear: without STARTTLS the delivery is
// deferred (4.7.4). Connections are cached per next hop and TLS policy for
// a few seconds and reused for the next message.
//
// Thread-safety: Deliver() and Shutdown() may be called from any thread.
#ifndef SEALPOST_SMTP_CLIENT_H_
#define SEALPOST_SMTP_CLIENT_H_

#include <chrono>
#include <memory>
#include <string>

#include "base/metrics.h"
#include "queue/transport.h"
#include "smtp/data_payload.h"

namespace boost::asio {
class io_context;
}

namespace sealpost::smtp {

struct SmtpClientOptions {
  std::string helo_name = "localhost";
  std::chrono::seconds connect_timeout{30};
  // RFC 5321 §4.5.3.2: 5 minutes for the greeting, MAIL and RCPT, 3 for a
  // data block, 10 for the reply to the final dot.
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{180};
  std::chrono::seconds final_timeout{600};
  std::chrono::seconds idle_reuse{5};  // cached connections older are closed
};

class SmtpTransport final : public queue::Transport {
 public:
  SmtpTransport(boost::asio::io_context& io, SmtpClientOptions options,
                MetricsRegistry& metrics);
  ~SmtpTransport() override;
  void Deliver(queue::DeliveryRequest request,
               std::function<void(queue::DeliveryResult)> done) override;
  void Shutdown() override;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_CLIENT_H_
