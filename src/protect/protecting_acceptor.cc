#include "protect/protecting_acceptor.h"

#include <atomic>
#include <memory>

#include "base/log.h"

namespace sealpost::protect {

ProtectingAcceptor::ProtectingAcceptor(Protector& protector,
                                       queue::Acceptor& next, int threads)
    : protector_(protector), next_(next), jobs_(threads, [this](Job job) {
        Process(std::move(job.message), std::move(job.done));
      }) {}

ProtectingAcceptor::~ProtectingAcceptor() {
  std::deque<Job> left = jobs_.Stop();
  jobs_.Join();
  // Anything still waiting was never committed: the client gets a 4xx.
  for (Job& job : left) job.done(UnavailableError("shutting down"));
}

void ProtectingAcceptor::Accept(queue::IncomingMessage message,
                                std::function<void(Status)> done) {
  if (auto refused = jobs_.Push({std::move(message), std::move(done)})) {
    refused->done(UnavailableError("shutting down"));
  }
}

void ProtectingAcceptor::Process(queue::IncomingMessage message,
                                 std::function<void(Status)> done) {
  std::string id = message.id;
  // A spooled message stays in its spool file: the protection stage reads
  // it from there a slice at a time, or whole when a step needs it in
  // memory (Protector::Inspect, issue 14).
  // A staged copy is read back (a journal report attaches it) only from
  // an acceptor that stages: with any other, nothing is staged to read,
  // and a large message's report is made from it read whole.
  Protector::StagedReader read;
  if (next_.StagesBodies()) {
    read = [this](const queue::IncomingMessage& m) {
      return next_.OpenStaged(m);
    };
  }
  auto outcome = protector_.Apply(
      message, [this](queue::IncomingMessage& m) { return next_.Stage(m); },
      read);
  // The client's bytes are in the outgoing messages (or their body files)
  // now: not held beside them while the queue commits.
  std::string().swap(message.content);
  message.spool.reset();
  if (!outcome.ok()) {
    log::Warn("mail flow: {} refused: {}", id, outcome.status().ToString());
    done(outcome.status());
    return;
  }
  for (const auto& note : outcome->notes) {
    log::Info("mail flow: {}: {}", id, note);
  }
  if (outcome->messages.empty()) {
    done(InternalError("mail flow produced no message"));
    return;
  }
  // `done` once every part is committed, with the first error if any.
  struct Join {
    std::atomic<size_t> left;
    Mutex mu;
    Status first SP_GUARDED_BY(mu);
    std::function<void(Status)> done;  // called once, by the last part
  };
  auto join = std::make_shared<Join>();
  join->left = outcome->messages.size();
  join->done = std::move(done);
  for (auto& m : outcome->messages) {
    next_.Accept(std::move(m), [join](Status s) {
      if (!s.ok()) {
        MutexLock lock(&join->mu);
        if (join->first.ok()) join->first = s;
      }
      if (join->left.fetch_sub(1) == 1) {
        MutexLock lock(&join->mu);
        join->done(join->first);
      }
    });
  }
}

}  // namespace sealpost::protect
