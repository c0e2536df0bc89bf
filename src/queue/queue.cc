// The committer and scheduler threads, which share the state and locks.
// The records they write are made in records.cc; delivery results are
// judged and the history pruned in queue_results.cc; leases in leases.cc.
#include "queue/queue.h"

#include <algorithm>
#include <utility>

#include "base/byte_spool.h"
#include "base/log.h"
#include "base/strings.h"
#include "mime/header_section.h"
#include "queue/body_cipher.h"
#include "queue/maildir.h"
#include "queue/records.h"

namespace sealpost::queue {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr int kScanLimit = 1000;
constexpr auto kResultLinger = std::chrono::milliseconds(50);
constexpr size_t kMaxLingerResults = 256;

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

}  // namespace

// One job's deliveries, one group per next hop; the groups finish on the
// transports' threads.
struct Queue::Aggregate {
  Job job;                          // set before the groups start, then read
  SteadyClock::time_point started;  // likewise
  Mutex mu;
  int outstanding SP_GUARDED_BY(mu) = 0;  // groups not finished
  std::vector<Outcome> outcomes SP_GUARDED_BY(mu);
};

Queue::Queue(store::Store& store, const Clock& clock, MetricsRegistry& metrics,
             crypto::Aead content_key, QueueOptions options, Transport* smtp)
    : store_(store),
      clock_(clock),
      key_(std::move(content_key)),
      options_(std::move(options)),
      smtp_(smtp),
      maildir_(std::make_unique<MaildirTransport>(2)),
      leases_(store, clock, metrics,
              {options_.node_id, options_.lease, options_.hostname,
               options_.version}),
      tls_policies_(store) {
  accepted_ = metrics.GetCounter("sealpost_queue_accepted_total",
                                 "Messages accepted (committed before 250)");
  delivered_ = metrics.GetCounter("sealpost_queue_delivered_total",
                                  "Recipient deliveries completed");
  deferred_ = metrics.GetCounter("sealpost_queue_deferred_total",
                                 "Recipient delivery attempts deferred");
  bounced_ = metrics.GetCounter("sealpost_queue_bounced_total",
                                "Recipients bounced (DSN to the sender)");
  commit_failures_ = metrics.GetCounter("sealpost_queue_commit_failures_total",
                                        "Queue commits that failed");
  commits_ = metrics.GetCounter("sealpost_queue_commits_total",
                                "Queue group commits (one fsync each)");
  depth_ = metrics.GetGauge("sealpost_queue_depth",
                            "Recipient deliveries waiting in the queue");
  commit_seconds_ =
      metrics.GetHistogram("sealpost_queue_stage_seconds{stage=\"accept\"}",
                           "Queue latency per stage");
  attempt_seconds_ =
      metrics.GetHistogram("sealpost_queue_stage_seconds{stage=\"attempt\"}",
                           "Queue latency per stage");
  transit_seconds_ =
      metrics.GetHistogram("sealpost_queue_stage_seconds{stage=\"transit\"}",
                           "Queue latency per stage");
  pruned_ =
      metrics.GetCounter("sealpost_queue_pruned_total",
                         "Done messages removed after queue.history_days");
  portal_pruned_ = metrics.GetCounter(
      "sealpost_portal_copies_pruned_total",
      "Portal copies removed at expiry or portal.retention_days");
}

Queue::~Queue() { Stop(); }

Status Queue::Start() {
  SP_ASSIGN_OR_RETURN(int64_t depth, store_.CountQueuedDeliveries());
  depth_->Set(depth);
  leases_.Start();
  started_ = true;
  committer_ = std::thread([this] { CommitLoop(); });
  scheduler_ = std::thread([this] { ScheduleLoop(); });
  if (depth > 0) log::Info("queue: resuming {} queued deliveries", depth);
  return Status::Ok();
}

void Queue::Accept(IncomingMessage message, std::function<void(Status)> done) {
  std::vector<IncomingMessage> one;
  one.push_back(std::move(message));
  AcceptAll(std::move(one), std::move(done));
}

void Queue::AcceptAll(std::vector<IncomingMessage> messages,
                      std::function<void(Status)> done) {
  if (messages.empty()) {
    done(Status::Ok());
    return;
  }
  for (IncomingMessage& message : messages) {
    // A streamed message's bytes are to be read into its body file by
    // Stage, never here.
    Status s = message.content_source != nullptr
                   ? InternalError("a streamed message was not staged")
                   : LoadSpooled(message);
    if (!s.ok()) {
      log::Error("queue: {} cannot be accepted: {}", message.id, s.ToString());
      // None of them commits: the others are not queued either.
      DiscardStagedBodies(store_, messages);
      done(std::move(s));
      return;
    }
    if (!message.received.empty()) {
      message.content.insert(
          0, message.received +
                 std::string(mime::SeparatorAfterAddedFields(message.content)));
      std::string().swap(message.received);
    }
  }
  MutexLock lock(&commit_mu_);
  pending_.push_back(
      {std::move(messages), std::move(done), SteadyClock::now()});
  commit_cv_.Signal();
}

void Queue::Wake() {
  MutexLock lock(&mu_);
  wake_ = true;
  cv_.SignalAll();
}

Status Queue::Retry(std::string_view id, std::string_view by) {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now().time_since_epoch())
                             .count();
  SP_RETURN_IF_ERROR(store_.RetryQueuedMessage(id, now_ms));
  store::QueueBatch note;
  note.events.push_back({0, std::string(id), now_ms, "", "retry",
                         "retry requested by " + std::string(by)});
  // The retry holds without its trace line: a failed write is only logged.
  if (Status s = store_.CommitQueueBatch(note); !s.ok()) {
    log::Warn("queue: tracing the retry of {}: {}", id, s.ToString());
  }
  Wake();
  return Status::Ok();
}

void Queue::BeginShutdown() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    ready_.clear();
    ready_bytes_ = 0;
    cv_.SignalAll();
  }
  if (smtp_ != nullptr) smtp_->Shutdown();
  if (maildir_) maildir_->Shutdown();
}

void Queue::Stop() {
  BeginShutdown();
  if (scheduler_.joinable()) scheduler_.join();
  // Joins the Maildir threads: their last results still reach the committer.
  maildir_.reset();
  {
    MutexLock lock(&commit_mu_);
    commit_stop_ = true;
    commit_cv_.SignalAll();
  }
  if (committer_.joinable()) committer_.join();
  // Nothing runs now: what this node held waits for the next claim, here
  // or on another node.
  if (std::exchange(started_, false)) leases_.ReleaseAll();
}

void Queue::CommitLoop() {
  for (;;) {
    std::vector<Pending> pending;
    std::vector<ResultRecord> results;
    {
      MutexLock lock(&commit_mu_);
      // Delivery results alone linger (kResultLinger from the first of
      // them) so that they share the next acceptance's fsync. A commit of
      // results alone, started just before a message arrives, holds that
      // message's 250 for a whole fsync; with one session sending, 5 ms was
      // too short to reach the next message whenever the machine was busy.
      // Until they commit, a crash means delivering them again
      // (at-least-once). A result does not wake this thread (OnGroupDone):
      // with one session, that was a wake-up per message only to linger
      // again; an idle committer looks every kResultLinger instead.
      for (;;) {
        if (commit_stop_ || !pending_.empty() ||
            results_.size() >= kMaxLingerResults) {
          break;
        }
        const auto now = SteadyClock::now();
        if (!results_.empty() && now >= results_since_ + kResultLinger) break;
        commit_cv_.WaitUntil(&commit_mu_, results_.empty()
                                              ? now + kResultLinger
                                              : results_since_ + kResultLinger);
      }
      if (pending_.empty() && results_.empty()) return;  // stopping
      pending.swap(pending_);
      results.swap(results_);
    }
    const int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            clock_.Now().time_since_epoch())
            .count();
    store::QueueBatch batch;
    // Whether each acceptance is in the batch: all its messages, or none
    // when one could not be prepared (its caller gets the error, the batch
    // goes on without it).
    std::vector<bool> prepared(pending.size(), false);
    std::vector<IncomingMessage*> sources;  // their contents move to the jobs
    for (size_t i = 0; i < pending.size(); ++i) {
      prepared[i] = AddToBatch(pending[i], now_ms, batch, sources);
    }
    int64_t finished = 0;
    batch.lease_node = leases_.node();
    for (ResultRecord& r : results) {
      if (!r.release_id.empty()) batch.release_leases.push_back(r.release_id);
      for (auto& u : r.batch.updates) batch.updates.push_back(std::move(u));
      for (auto& e : r.batch.events) batch.events.push_back(std::move(e));
      for (auto& d : r.batch.maybe_done) {
        batch.maybe_done.push_back(std::move(d));
      }
      for (IncomingMessage& dsn : r.dsns) {
        auto stored = ToStored(dsn, now_ms);
        if (!stored.ok()) continue;
        batch.events.push_back({0, dsn.id, now_ms, "", "received",
                                "delivery status notification, size=" +
                                    std::to_string(stored->size)});
        batch.new_messages.push_back(std::move(*stored));
        sources.push_back(&dsn);
      }
      finished += r.finished;
    }
    Status s = store_.CommitQueueBatch(batch);
    if (!s.ok()) {
      commit_failures_->Add();
      log::Error("queue: commit of {} messages and {} results failed: {}",
                 batch.new_messages.size(), batch.updates.size(), s.ToString());
      for (size_t i = 0; i < pending.size(); ++i) {
        if (prepared[i]) pending[i].done(s);
      }
      // Unrecorded results: the deliveries are still queued in the store
      // and will be tried again (at-least-once).
      for (const ResultRecord& r : results) Release(r.release_id);
      continue;
    }
    commits_->Add();
    leases_.Count(batch);
    // The ciphertexts and portal copies are on disk now: give their memory
    // back before delivery starts making its own copies.
    for (store::QueuedMessage& m : batch.new_messages) {
      std::string().swap(m.content);
    }
    batch.protected_messages.clear();
    batch.protected_messages.shrink_to_fit();
    // Acknowledge first (the SMTP client is waiting for its 250), then
    // hand the messages to delivery.
    for (size_t i = 0; i < pending.size(); ++i) {
      if (!prepared[i]) continue;
      accepted_->Add(pending[i].messages.size());
      commit_seconds_->Observe(SecondsSince(pending[i].started));
      pending[i].done(Status::Ok());
    }
    int64_t added = 0;
    for (size_t i = 0; i < batch.new_messages.size(); ++i) {
      store::QueuedMessage& stored = batch.new_messages[i];
      added += static_cast<int64_t>(stored.recipients.size());
      Job job;
      job.id = stored.id;
      job.loaded = true;
      job.mail_from = stored.mail_from;
      job.params = sources[i]->params;
      job.received_ms = stored.received_ms;
      job.size = stored.size;
      // A staged body left memory before the commit: delivery reads it
      // from its file a slice at a time.
      if (!stored.content_staged) {
        job.content =
            std::make_shared<const std::string>(std::move(sources[i]->content));
      }
      job.due = std::move(stored.recipients);
      AddReady(std::move(job));
    }
    depth_->Add(added - finished);
    for (const ResultRecord& r : results) Release(r.release_id);
  }
}

bool Queue::AddToBatch(Pending& acceptance, int64_t now_ms,
                       store::QueueBatch& batch,
                       std::vector<IncomingMessage*>& sources) {
  std::vector<IncomingMessage>& group = acceptance.messages;
  std::vector<store::QueuedMessage> stored;
  for (IncomingMessage& m : group) {
    auto q = ToStored(m, now_ms);
    if (!q.ok()) {
      log::Error("queue: cannot prepare {}: {}", m.id, q.status().message());
      DiscardStagedBodies(store_, group, stored);
      // A full disk is the client's 452, anything else a 451.
      acceptance.done(q.status().code() == StatusCode::kResourceExhausted
                          ? q.status()
                          : InternalError("cannot prepare message"));
      return false;
    }
    stored.push_back(std::move(*q));
  }
  for (size_t k = 0; k < group.size(); ++k) {
    IncomingMessage& m = group[k];
    batch.events.push_back(
        {0, m.id, now_ms, "", "received",
         "from " + m.helo + " [" + m.client + "]" +
             (m.proxy.empty() ? "" : " via [" + m.proxy + "]") +
             " tls=" + (m.tls.empty() ? "none" : m.tls) +
             " size=" + std::to_string(stored[k].size) +
             " rcpts=" + std::to_string(m.recipients.size()) +
             (m.treatment.empty() ? "" : " treatment=" + m.treatment)});
    batch.new_messages.push_back(std::move(stored[k]));
    sources.push_back(&m);
    for (auto& r : m.protected_records) {
      batch.protected_messages.push_back(std::move(r));
    }
    for (auto& r : m.audit) batch.audit.push_back(std::move(r));
  }
  return true;
}

void Queue::AddReady(Job job) {
  MutexLock lock(&mu_);
  if (stopping_ || !owned_.insert(job.id).second) return;
  size_t bytes = job.content ? job.content->size() : 0;
  if (ready_bytes_ + bytes > options_.max_ready_bytes) {
    // Too much plaintext waiting: read it back from the store later.
    job.content.reset();
    job.loaded = false;
    bytes = 0;
  }
  ready_bytes_ += bytes;
  ready_.push_back(std::move(job));
  cv_.SignalAll();
}

void Queue::Release(const std::string& id) {
  if (id.empty()) return;
  MutexLock lock(&mu_);
  owned_.erase(id);
}

void Queue::ScheduleLoop() {
  auto next_scan = SteadyClock::now();
  auto next_prune = SteadyClock::now();
  MutexLock lock(&mu_);
  for (;;) {
    while (!stopping_ && !wake_ && !RunningLow() &&
           (ready_.empty() || inflight_ >= options_.delivery_concurrency)) {
      if (!cv_.WaitUntil(&mu_, next_scan)) break;  // time to scan
    }
    if (stopping_) return;
    if (wake_ || RunningLow() || SteadyClock::now() >= next_scan) {
      wake_ = false;
      claim_more_ = false;
      mu_.Unlock();
      Scan();
      if (leases_.RenewDue()) RenewLeases();
      bool more = false;
      if (SteadyClock::now() >= next_prune) {
        more = Prune();
        next_prune = SteadyClock::now() +
                     (more ? options_.scan_interval : options_.prune_interval);
      }
      mu_.Lock();
      next_scan = SteadyClock::now() + options_.scan_interval;
    }
    while (!stopping_ && !ready_.empty() &&
           inflight_ < options_.delivery_concurrency) {
      Job job = std::move(ready_.front());
      ready_.pop_front();
      if (job.content) ready_bytes_ -= job.content->size();
      mu_.Unlock();
      Dispatch(std::move(job));
      mu_.Lock();
    }
  }
}

bool Queue::RunningLow() const {
  return claim_more_ &&
         ready_.size() < static_cast<size_t>(options_.delivery_concurrency);
}

void Queue::Scan() {
  int want;
  {
    MutexLock lock(&mu_);
    want = kScanLimit - static_cast<int>(ready_.size());
  }
  if (want <= 0) return;
  auto due = leases_.Claim(want);
  if (!due.ok()) {
    log::Warn("queue: scan failed: {}", due.status().message());
    return;
  }
  MutexLock lock(&mu_);
  claim_more_ = static_cast<int>(due->size()) == want;
  for (std::string& id : *due) {
    if (stopping_) return;
    // Already ours (in ready_ or in flight): the claim renewed its lease.
    if (!owned_.insert(id).second) continue;
    Job job;
    job.id = std::move(id);
    ready_.push_back(std::move(job));
  }
  if (!ready_.empty()) cv_.SignalAll();
}

void Queue::RenewLeases() {
  std::vector<std::string> ids;
  {
    MutexLock lock(&mu_);
    ids.assign(owned_.begin(), owned_.end());
  }
  std::vector<std::string> gone = leases_.Renew(ids);
  // Other nodes change the queue too: the gauge follows the store.
  if (auto depth = store_.CountQueuedDeliveries(); depth.ok()) {
    depth_->Set(*depth);
  }
  if (gone.empty()) return;
  std::set<std::string> taken(gone.begin(), gone.end());
  MutexLock lock(&mu_);
  // A job still waiting is the other node's now; one in flight finishes,
  // and its commit counts what it repeated (Leases::Count).
  for (auto it = ready_.begin(); it != ready_.end();) {
    if (!taken.contains(it->id)) {
      ++it;
      continue;
    }
    if (it->content) ready_bytes_ -= it->content->size();
    owned_.erase(it->id);
    it = ready_.erase(it);
  }
}

void Queue::Dispatch(Job job) {
  if (!job.loaded && !LoadJob(job)) {
    Release(job.id);
    return;
  }
  // One delivery per (next hop, TLS policy) group.
  struct Group {
    NextHop hop;
    std::optional<TlsRequirement> tls;  // nullopt: the policies never loaded
    std::vector<size_t> members;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < job.due.size(); ++i) {
    std::string domain = DomainOf(job.due[i].address);
    const NextHop& hop = options_.routes.For(domain);
    std::optional<TlsRequirement> tls = tls_policies_.For(domain);
    // A rule's TLS requirement only ever tightens the domain's policy.
    if (tls && job.params.require_tls && tls->mode == TlsMode::kMay) {
      tls->mode = TlsMode::kEncrypt;
    }
    if (tls &&
        std::find(job.params.verified_tls_domains.begin(),
                  job.params.verified_tls_domains.end(), AsciiLower(domain)) !=
            job.params.verified_tls_domains.end()) {
      tls->mode = TlsMode::kVerify;
    }
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) {
      return g.hop == hop && g.tls == tls;
    });
    if (it == groups.end()) {
      groups.push_back({hop, tls, {}});
      it = groups.end() - 1;
    }
    it->members.push_back(i);
  }
  if (groups.empty()) {
    Release(job.id);
    return;
  }
  auto agg = std::make_shared<Aggregate>();
  agg->started = SteadyClock::now();
  {
    MutexLock lock(&agg->mu);
    agg->outstanding = static_cast<int>(groups.size());
    agg->outcomes.resize(job.due.size());
    for (size_t i = 0; i < job.due.size(); ++i) {
      agg->outcomes[i].recipient = job.due[i];
    }
  }
  agg->job = std::move(job);
  {
    MutexLock lock(&mu_);
    inflight_ += static_cast<int>(groups.size());
  }
  for (Group& g : groups) {
    DeliveryRequest req;
    req.message_id = agg->job.id;
    req.hop = g.hop;
    req.tls = g.tls.value_or(TlsRequirement{});  // Maildir: no TLS at all
    req.mail_from = agg->job.mail_from;
    req.params = agg->job.params;
    req.content = agg->job.content;
    req.size = agg->job.size;
    if (req.content == nullptr) {
      req.open_content = [this, id = agg->job.id] {
        return OpenStoredBody(store_, key_, id);
      };
    }
    for (size_t i : g.members) {
      const auto& r = agg->job.due[i];
      req.recipients.push_back({r.address, r.notify, r.orcpt});
    }
    std::string hop_text = g.hop.Text();
    std::string host = g.hop.kind == NextHop::Kind::kSmtp ? g.hop.host : "";
    auto done = [this, agg, members = g.members, hop_text,
                 host](DeliveryResult result) {
      {
        MutexLock lock(&agg->mu);
        for (size_t k = 0; k < members.size(); ++k) {
          Outcome& o = agg->outcomes[members[k]];
          o.result = k < result.recipients.size()
                         ? result.recipients[k]
                         : RecipientResult{451, "451 4.3.0 no result"};
          o.hop = hop_text;
          o.remote_host = host;
          o.tls = result.tls;
          o.cancelled = result.cancelled;
        }
        --agg->outstanding;
      }
      OnGroupDone(agg);
    };
    if (g.hop.kind == NextHop::Kind::kNone) {
      done(AllRecipients(req.recipients.size(), 451,
                         "451 4.4.0 no route: smtp.next_hop is not set"));
    } else if (g.hop.kind == NextHop::Kind::kSmtp && !g.tls) {
      // Unknown is not `may`: a `verify` domain's mail waits (RFC 3463
      // X.7.4: a security feature not available), never goes in clear.
      done(AllRecipients(req.recipients.size(), 451,
                         "451 4.7.4 TLS policies unavailable"));
    } else if (g.hop.kind == NextHop::Kind::kMaildir) {
      maildir_->Deliver(std::move(req), std::move(done));
    } else if (smtp_ != nullptr) {
      smtp_->Deliver(std::move(req), std::move(done));
    } else {
      done(AllRecipients(req.recipients.size(), 451,
                         "451 4.3.0 no SMTP transport"));
    }
  }
}

void Queue::OnGroupDone(const std::shared_ptr<Aggregate>& agg) {
  bool last;
  std::vector<Outcome> outcomes;
  {
    MutexLock lock(&agg->mu);
    last = agg->outstanding == 0;
    if (last) outcomes = std::move(agg->outcomes);
  }
  if (last) {
    attempt_seconds_->Observe(SecondsSince(agg->started));
    ResultRecord record = Conclude(agg->job, outcomes);
    MutexLock lock(&commit_mu_);
    if (results_.empty()) results_since_ = SteadyClock::now();
    results_.push_back(std::move(record));
    // The committer finds them when it next looks (CommitLoop), unless
    // there are enough for a commit of their own.
    if (results_.size() >= kMaxLingerResults) commit_cv_.Signal();
  }
  MutexLock lock(&mu_);
  --inflight_;
  cv_.SignalAll();
}

}  // namespace sealpost::queue
