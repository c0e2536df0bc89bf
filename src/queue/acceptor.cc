// What every Acceptor shares: a spooled message read in, and AcceptAll
// for an acceptor that keeps what it accepts in memory (queue.h).
#include <atomic>
#include <memory>
#include <utility>

#include "base/byte_spool.h"
#include "base/thread_annotations.h"
#include "queue/queue.h"

namespace sealpost::queue {

Status LoadSpooled(IncomingMessage& message) {
  if (message.spool == nullptr) return Status::Ok();
  // Whatever went wrong is ours, not the message's: a temporary error.
  auto content = ReadSpoolWhole(*message.spool);
  if (!content.ok()) {
    if (content.status().message().starts_with("spool file: ")) {
      return content.status();  // its size: INTERNAL already
    }
    return InternalError("spool file: " + content.status().message());
  }
  message.content = std::move(*content);
  message.spool.reset();
  return Status::Ok();
}

void Acceptor::AcceptAll(std::vector<IncomingMessage> messages,
                         std::function<void(Status)> done) {
  if (messages.empty()) {
    done(Status::Ok());
    return;
  }
  // `done` once every message is answered, with the first error if any.
  struct Join {
    std::atomic<size_t> left;
    Mutex mu;
    Status first SP_GUARDED_BY(mu);
    std::function<void(Status)> done;  // called once, by the last answer
  };
  auto join = std::make_shared<Join>();
  join->left = messages.size();
  join->done = std::move(done);
  for (IncomingMessage& m : messages) {
    Accept(std::move(m), [join](Status s) {
      if (!s.ok()) {
        MutexLock lock(&join->mu);
        if (join->first.ok()) join->first = s;
      }
      if (join->left.fetch_sub(1) == 1) {
        Status first;
        {
          MutexLock lock(&join->mu);
          first = join->first;
        }
        // Not under the lock: the caller's `done` may take its own.
        join->done(std::move(first));
      }
    });
  }
}

}  // namespace sealpost::queue
