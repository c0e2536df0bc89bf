#include "protect/protecting_acceptor.h"

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

void ProtectingAcceptor::AcceptAll(std::vector<queue::IncomingMessage> messages,
                                   std::function<void(Status)> done) {
  if (messages.empty()) {
    done(Status::Ok());
    return;
  }
  if (messages.size() > 1) {
    done(InternalError("not one incoming message"));
    return;
  }
  Accept(std::move(messages.front()), std::move(done));
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
  // One acceptance for all of them (the copies, DSNs and the journal
  // report): committed together or not at all, so that the client's retry
  // after a 4xx queues none of them twice.
  next_.AcceptAll(std::move(outcome->messages), std::move(done));
}

}  // namespace sealpost::protect
