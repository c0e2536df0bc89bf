// The queue's judgement of delivery results (delivered, deferred with
// exponential backoff, bounced with an RFC 3464 DSN) and its housekeeping
// pass: both run outside the locks, on the transports' and the scheduler's
// threads.
#include <algorithm>

#include "base/log.h"
#include "queue/body_cipher.h"
#include "queue/dsn.h"
#include "queue/queue.h"
#include "queue/records.h"

namespace sealpost::queue {

bool Queue::Prune() {
  // Pages given back to the file system per pass: a few MiB, so that a
  // pass stays short next to the group commits it shares the store with.
  constexpr int64_t kReclaimPages = 2048;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now().time_since_epoch())
                             .count();
  bool more = false;
  auto history = store_.PruneQueueHistory(now_ms - options_.history.count(),
                                          options_.prune_batch);
  if (!history.ok()) {
    log::Warn("queue: pruning history failed: {}", history.status().message());
  } else if (*history > 0) {
    pruned_->Add(static_cast<uint64_t>(*history));
    more = *history >= options_.prune_batch;
  }
  const int64_t now = now_ms / 1000;
  const int64_t retention = options_.portal_retention.count();
  auto copies = store_.PrunePortalCopies(
      now, retention > 0 ? now - retention : 0, options_.prune_batch);
  if (!copies.ok()) {
    log::Warn("queue: pruning portal copies failed: {}",
              copies.status().message());
  } else if (*copies > 0) {
    portal_pruned_->Add(static_cast<uint64_t>(*copies));
    more = more || *copies >= options_.prune_batch;
  }
  auto reclaimed = store_.ReclaimSpace(kReclaimPages);
  if (!reclaimed.ok()) {
    log::Warn("queue: reclaiming free space failed: {}",
              reclaimed.status().message());
  } else if (*reclaimed >= kReclaimPages) {
    more = true;
  }
  if ((history.ok() && *history > 0) || (copies.ok() && *copies > 0)) {
    log::Debug("queue: pruned {} done messages, {} portal copies",
               history.ok() ? *history : 0, copies.ok() ? *copies : 0);
  }
  return more;
}

Queue::ResultRecord Queue::Conclude(const Job& job,
                                    const std::vector<Outcome>& outcomes) {
  ResultRecord out;
  out.release_id = job.id;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now().time_since_epoch())
                             .count();
  std::vector<DsnRecipient> failed;
  bool any_final = false;
  for (const Outcome& o : outcomes) {
    if (o.cancelled) continue;  // still queued; retried at the next start
    const store::QueuedRecipient& r = o.recipient;
    const int attempt = r.attempts + 1;
    std::string via = "attempt " + std::to_string(attempt) + " via " + o.hop +
                      " (tls=" + o.tls + "): " + o.result.reply;
    store::DeliveryUpdate u;
    u.delivery_id = r.id;
    u.attempts = attempt;
    u.last_reply = o.result.reply;
    const int code = o.result.code;
    const bool expired =
        now_ms - job.received_ms >= options_.retry_window.count();
    if (code >= 200 && code < 300) {
      u.state = "delivered";
      delivered_->Add();
      transit_seconds_->Observe(static_cast<double>(now_ms - job.received_ms) /
                                1000.0);
      out.batch.events.push_back(
          {0, job.id, now_ms, r.address, "delivered", via});
    } else if (code >= 500 || expired) {
      u.state = "bounced";
      bounced_->Add();
      std::string status = StatusCodeOf(o.result.reply, code);
      std::string reason = o.result.reply;
      if (code < 500) {
        status = "4.4.7";  // RFC 3463: delivery time expired
        reason = "retry window exceeded; last reply: " + o.result.reply;
      }
      out.batch.events.push_back({0, job.id, now_ms, r.address, "bounced",
                                  via + (code < 500 ? " (expired)" : "")});
      if (!job.mail_from.empty() && WantsFailureDsn(r.notify)) {
        failed.push_back({r.address, r.orcpt, status, o.remote_host, reason});
      }
    } else {
      u.state = "queued";
      deferred_->Add();
      int64_t delay = options_.retry_base.count();
      for (int i = 1; i < attempt && delay < options_.retry_max.count(); ++i) {
        delay *= 2;
      }
      delay = std::min<int64_t>(delay, options_.retry_max.count());
      u.next_attempt_ms = now_ms + delay;
      out.batch.events.push_back(
          {0, job.id, now_ms, r.address, "deferred",
           via + "; next attempt in " + std::to_string(delay / 1000) + " s"});
    }
    if (u.state != "queued") {
      any_final = true;
      ++out.finished;
    }
    out.batch.updates.push_back(std::move(u));
  }
  if (any_final) out.batch.maybe_done.push_back(job.id);
  if (!failed.empty()) {
    IncomingMessage dsn;
    dsn.id = NewQueueId();
    dsn.mail_from = "";  // RFC 5321 §4.5.5: DSNs use the null reverse-path
    dsn.recipients.push_back({job.mail_from, 0, ""});
    dsn.params.body_8bit = job.params.body_8bit;
    dsn.params.smtputf8 = job.params.smtputf8;
    dsn.helo = options_.hostname;
    dsn.client = "local";
    DsnInput in;
    in.reporting_mta = options_.hostname;
    in.original_id = job.id;
    in.envid = job.params.envid;
    in.arrival_unix = job.received_ms / 1000;
    in.sender = job.mail_from;
    in.recipients = failed;
    // A large message goes back as its header section only: the first
    // slice of a body in its file holds it.
    constexpr size_t kFullReturnLimit = 1u << 20;
    in.headers_only =
        job.params.ret == "HDRS" || job.size > int64_t{kFullReturnLimit};
    std::string head;  // a body in its file: its first slices
    if (job.content != nullptr) {
      in.original = *job.content;
    } else if (auto reader = OpenStoredBody(store_, key_, job.id);
               reader.ok()) {
      while (head.size() <= kFullReturnLimit) {
        auto more = (*reader)->Next(&head);
        if (!more.ok()) in.headers_only = true;  // never a cut-off body
        if (!more.ok() || !*more) break;
      }
      in.original = head;
    }
    in.now_unix = now_ms / 1000;
    in.boundary = dsn.id + "/" + options_.hostname;
    in.message_id = dsn.id + "@" + options_.hostname;
    dsn.content = BuildDsn(in);
    out.batch.events.push_back({0, job.id, now_ms, job.mail_from, "dsn",
                                "failure DSN queued as " + dsn.id});
    out.dsns.push_back(std::move(dsn));
  }
  return out;
}

}  // namespace sealpost::queue
