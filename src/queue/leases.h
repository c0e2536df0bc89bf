// Leases: which node of several sharing one queue works on which message
// (docs/scaling.md "The shared queue"). A node leases the messages it
// accepts in the commit that accepts them, claims due messages nobody
// holds (or whose holder's lease expired: the holder died or lost the
// store), renews its leases while their deliveries run, and gives each back
// in the commit that records the delivery's result. On SQLite one node holds
// every lease; the code path is the same.
//
// Delivery stays at-least-once: a node that dies after a delivery and
// before its commit leaves a lease that expires, and another node delivers
// again. Such repeats are bounded by the messages the dead node held and
// counted: takeovers (claims of an expired lease), deliveries whose
// recipient another node had concluded first (known duplicates), and
// deliveries that finished after their lease was taken.
//
// The node also writes its heartbeat (the `nodes` table) when it renews.
//
// Thread-safety: Claim, RenewDue and Renew on one thread (the queue's
// scheduler); Count from any thread; Start and ReleaseAll while neither
// runs.
#ifndef SEALPOST_QUEUE_LEASES_H_
#define SEALPOST_QUEUE_LEASES_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "store/store.h"

namespace sealpost::queue {

struct LeaseOptions {
  std::string node_id = "local";
  std::chrono::milliseconds duration{30'000};
  // For the heartbeat.
  std::string hostname;
  std::string version;
};

class Leases {
 public:
  Leases(store::Store& store, const Clock& clock, MetricsRegistry& metrics,
         LeaseOptions options);

  const std::string& node() const { return options_.node_id; }
  int64_t NowMs() const;
  // Until when a lease taken now holds.
  int64_t Until() const { return NowMs() + options_.duration.count(); }

  // At start: gives back the leases an earlier run of this node left (it
  // did not stop cleanly, so what it had in flight may be delivered again:
  // counted as takeovers), and writes the first heartbeat.
  void Start();
  // Claims at most `limit` due messages for this node; their ids.
  Result<std::vector<std::string>> Claim(int limit);
  // True when the leases and the heartbeat are due for renewal (a third of
  // the lease duration after the last).
  bool RenewDue() const;
  // Renews this node's leases on `ids` and writes the heartbeat; returns
  // those another node holds now (nothing when the store failed: the
  // leases are kept and renewed at the next try, if still in time).
  std::vector<std::string> Renew(const std::vector<std::string>& ids);
  // After a commit of delivery results (`batch`, with what the store filled
  // in): counts known duplicates and leases lost.
  void Count(const store::QueueBatch& batch);
  // At stop: gives back every lease this node holds.
  void ReleaseAll();

 private:
  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const Clock& clock_;
  const LeaseOptions options_;
  const int64_t started_ms_;
  std::chrono::steady_clock::time_point next_renew_{};  // scheduler only
  Counter* takeovers_;
  Counter* duplicates_;
  Counter* lost_;
};

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_LEASES_H_
