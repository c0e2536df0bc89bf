#include "queue/leases.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/log.h"

namespace sealpost::queue {

Leases::Leases(store::Store& store, const Clock& clock,
               MetricsRegistry& metrics, LeaseOptions options)
    : store_(store),
      clock_(clock),
      options_(std::move(options)),
      started_ms_(NowMs()) {
  takeovers_ = metrics.GetCounter(
      "sealpost_queue_takeovers_total",
      "Queued messages taken over from a node whose lease expired (what "
      "that node had in flight may be delivered twice)");
  duplicates_ = metrics.GetCounter(
      "sealpost_queue_duplicate_deliveries_total",
      "Recipient deliveries another node had already concluded (delivered "
      "twice)");
  lost_ = metrics.GetCounter(
      "sealpost_queue_leases_lost_total",
      "Deliveries that ended after another node had taken their lease");
}

int64_t Leases::NowMs() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock_.Now().time_since_epoch())
      .count();
}

void Leases::Start() {
  auto released = store_.ReleaseQueueLeases(options_.node_id);
  if (!released.ok()) {
    log::Warn("queue: giving back the leases of an earlier run: {}",
              released.status().message());
  } else if (*released > 0) {
    log::Warn(
        "queue: node {} did not stop cleanly: taking back its {} leased "
        "messages (deliveries it had in flight may be repeated)",
        options_.node_id, *released);
    takeovers_->Add(static_cast<uint64_t>(*released));
  }
  (void)Renew({});
}

Result<std::vector<std::string>> Leases::Claim(int limit) {
  SP_ASSIGN_OR_RETURN(
      std::vector<store::QueueClaim> claims,
      store_.ClaimDueQueueMessages(NowMs(), limit, options_.node_id, Until()));
  std::vector<std::string> ids;
  ids.reserve(claims.size());
  uint64_t taken = 0;
  std::set<std::string> from;
  for (store::QueueClaim& c : claims) {
    if (!c.previous_node.empty()) {
      ++taken;
      from.insert(c.previous_node);
    }
    ids.push_back(std::move(c.id));
  }
  if (taken > 0) {
    takeovers_->Add(taken);
    std::string nodes;
    for (const std::string& n : from) nodes += (nodes.empty() ? "" : ", ") + n;
    log::Warn("queue: took over {} messages whose lease expired (from {})",
              taken, nodes);
  }
  return ids;
}

bool Leases::RenewDue() const {
  return std::chrono::steady_clock::now() >= next_renew_;
}

std::vector<std::string> Leases::Renew(const std::vector<std::string>& ids) {
  next_renew_ = std::chrono::steady_clock::now() +
                std::max<std::chrono::milliseconds>(options_.duration / 3,
                                                    std::chrono::seconds(1));
  const int64_t now_ms = NowMs();
  Status beat =
      store_.PutNodeHeartbeat({options_.node_id, options_.hostname,
                               options_.version, started_ms_, now_ms});
  if (!beat.ok()) {
    log::Warn("queue: heartbeat failed: {}", beat.message());
  }
  if (ids.empty()) return {};
  auto held = store_.RenewQueueLeases(options_.node_id, ids,
                                      now_ms + options_.duration.count());
  if (!held.ok()) {
    log::Warn("queue: renewing {} leases failed: {}", ids.size(),
              held.status().message());
    return {};
  }
  std::set<std::string> still(held->begin(), held->end());
  std::vector<std::string> gone;
  for (const std::string& id : ids) {
    if (!still.contains(id)) gone.push_back(id);
  }
  return gone;
}

void Leases::Count(const store::QueueBatch& batch) {
  if (!batch.stale_updates.empty()) {
    std::set<int64_t> stale(batch.stale_updates.begin(),
                            batch.stale_updates.end());
    uint64_t repeated = 0;
    for (const store::DeliveryUpdate& u : batch.updates) {
      if (stale.contains(u.delivery_id) && u.state != "queued") ++repeated;
    }
    if (repeated > 0) {
      duplicates_->Add(repeated);
      log::Warn(
          "queue: {} deliveries had already been concluded by another node",
          repeated);
    }
  }
  if (!batch.lost_leases.empty()) {
    lost_->Add(batch.lost_leases.size());
    log::Warn("queue: {} deliveries ended after another node took the lease",
              batch.lost_leases.size());
  }
}

void Leases::ReleaseAll() {
  auto released = store_.ReleaseQueueLeases(options_.node_id);
  if (!released.ok()) {
    log::Warn("queue: giving back leases at stop: {} (they expire in {} s)",
              released.status().message(), options_.duration.count() / 1000);
  }
}

}  // namespace sealpost::queue
