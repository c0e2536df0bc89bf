// ProtectingAcceptor: the Protector in front of the queue. The SMTP server
// hands it each accepted message; on a worker thread (sealing and the store
// are blocking work, kept off the I/O threads) it applies the mail flow
// policy and queues the resulting messages in one acceptance
// (queue::Acceptor::AcceptAll): all committed, then OK — so 250 still means
// "durably queued" — or none, then the error.
//
// Thread-safety: thread-safe; Accept may be called from any thread.
#ifndef SEALPOST_PROTECT_PROTECTING_ACCEPTOR_H_
#define SEALPOST_PROTECT_PROTECTING_ACCEPTOR_H_

#include <functional>
#include <vector>

#include "base/work_queue.h"
#include "protect/protector.h"
#include "queue/queue.h"

namespace sealpost::protect {

class ProtectingAcceptor final : public queue::Acceptor {
 public:
  ProtectingAcceptor(Protector& protector, queue::Acceptor& next, int threads);
  ~ProtectingAcceptor() override;

  void Accept(queue::IncomingMessage message,
              std::function<void(Status)> done) override;
  // One incoming message (as Accept; none: OK). More cannot be one
  // acceptance here (each is applied and committed on its own), so they
  // are refused, none accepted: INTERNAL "not one incoming message".
  void AcceptAll(std::vector<queue::IncomingMessage> messages,
                 std::function<void(Status)> done) override;

 private:
  struct Job {
    queue::IncomingMessage message;
    std::function<void(Status)> done;
  };

  void Process(queue::IncomingMessage message,
               std::function<void(Status)> done);

  // Not owned (references and pointers below): must outlive this object.
  Protector& protector_;
  queue::Acceptor& next_;
  WorkQueue<Job> jobs_;  // last: its threads use the members above
};

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_PROTECTING_ACCEPTOR_H_
