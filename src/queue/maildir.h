// MaildirTransport: the dev-mode next hop. Each recipient gets one file in
// DIR/new, written the Maildir way (tmp/, fsync, rename into new/, fsync of
// the directory), so a reader never sees half a message and a delivery
// reported as done survives a crash. The file is the message as queued with
// "Return-Path:" and "Delivered-To:" prepended, as a local delivery agent
// does; the rest is byte for byte what was received.
//
// Thread-safety: thread-safe; deliveries run on the transport's own threads.
#ifndef SEALPOST_QUEUE_MAILDIR_H_
#define SEALPOST_QUEUE_MAILDIR_H_

#include <string>

#include "base/status.h"
#include "base/work_queue.h"
#include "queue/transport.h"

namespace sealpost::queue {

// Creates DIR/{tmp,new,cur} when missing.
Status PrepareMaildir(const std::string& dir);

// Writes one message into the Maildir `dir`; returns the file name in new/.
Result<std::string> WriteMaildirMessage(const std::string& dir,
                                        std::string_view bytes);

class MaildirTransport final : public Transport {
 public:
  explicit MaildirTransport(int threads = 2);
  ~MaildirTransport() override;
  void Deliver(DeliveryRequest request,
               std::function<void(DeliveryResult)> done) override;
  void Shutdown() override;

 private:
  struct Task {
    DeliveryRequest request;
    std::function<void(DeliveryResult)> done;
  };
  static void Run(Task task);

  WorkQueue<Task> tasks_;
};

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_MAILDIR_H_
