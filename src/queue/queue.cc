// One file: the committer and scheduler threads share the state and locks.
#include "queue/queue.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <utility>

#include "base/encoding.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/master_key.h"
#include "crypto/random.h"
#include "queue/dsn.h"
#include "queue/maildir.h"

namespace sealpost::queue {
namespace {

namespace json = boost::json;
using SteadyClock = std::chrono::steady_clock;

constexpr std::string_view kContentKeySetting = "queue.content_key";
constexpr std::string_view kContentKeyAd = "sealpost queue content key v1";
constexpr int kScanLimit = 1000;
constexpr auto kResultLinger = std::chrono::milliseconds(5);
constexpr size_t kMaxLingerResults = 256;

double SecondsSince(SteadyClock::time_point t) {
  return std::chrono::duration<double>(SteadyClock::now() - t).count();
}

std::string EnvelopeJson(const IncomingMessage& m) {
  json::object o;
  o["helo"] = m.helo;
  o["client"] = m.client;
  o["tls"] = m.tls;
  o["body"] = m.params.body_8bit ? "8BITMIME" : "";
  o["smtputf8"] = m.params.smtputf8;
  o["ret"] = m.params.ret;
  o["envid"] = m.params.envid;
  if (m.params.require_tls) o["require_tls"] = true;
  return json::serialize(o);
}

EnvelopeParams ParamsFromJson(std::string_view text) {
  EnvelopeParams p;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return p;
  const json::object& o = v.as_object();
  auto str = [&](const char* k) -> std::string {
    const json::value* x = o.if_contains(k);
    return x && x->is_string() ? std::string(x->as_string()) : "";
  };
  p.body_8bit = str("body") == "8BITMIME";
  if (const json::value* x = o.if_contains("smtputf8"); x && x->is_bool()) {
    p.smtputf8 = x->as_bool();
  }
  p.ret = str("ret");
  p.envid = str("envid");
  if (const json::value* x = o.if_contains("require_tls"); x && x->is_bool()) {
    p.require_tls = x->as_bool();
  }
  return p;
}

// The Message-ID header field of the header section, for the trace.
std::string HeaderMessageId(std::string_view content) {
  size_t end = content.find("\r\n\r\n");
  std::string_view headers =
      end == std::string_view::npos ? content : content.substr(0, end + 2);
  size_t pos = 0;
  while (pos < headers.size()) {
    size_t eol = headers.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = headers.size();
    std::string_view line = headers.substr(pos, eol - pos);
    if (line.size() > 11) {
      std::string name(line.substr(0, 11));
      for (char& c : name) c = static_cast<char>(std::tolower(c));
      if (name == "message-id:") {
        std::string_view v = line.substr(11);
        while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) {
          v.remove_prefix(1);
        }
        return std::string(v.substr(0, 250));
      }
    }
    pos = eol + 2;
  }
  return "";
}

// RFC 3461 §4.1: a failure DSN unless NOTIFY excludes FAILURE.
bool WantsFailureDsn(int notify) {
  if (notify == 0) return true;
  if (notify & 1) return false;  // NEVER
  return (notify & 4) != 0;      // FAILURE
}

}  // namespace

std::string NewQueueId() {
  // Time-ordered prefix (sorts like arrival) plus 64 random bits.
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch())
                .count();
  SecretBytes r = crypto::RandomBytes(8);
  char prefix[16];
  snprintf(prefix, sizeof prefix, "%011llX",
           static_cast<unsigned long long>(ms));
  std::string id = std::string(prefix) + HexEncode(r.InsecureBytes());
  for (char& c : id) c = static_cast<char>(std::toupper(c));
  return id;
}

Result<crypto::Aead> LoadOrCreateContentKey(store::Store& store,
                                            const crypto::MasterKey& master) {
  SP_ASSIGN_OR_RETURN(auto existing, store.GetSetting(kContentKeySetting));
  if (existing.has_value()) {
    SP_ASSIGN_OR_RETURN(std::string wrapped, Base64Decode(*existing));
    auto key = master.Unwrap(wrapped, kContentKeyAd);
    if (!key.ok()) {
      return FailedPreconditionError(
          "the queue content key does not unwrap under this master key "
          "(keys.master_key_file changed?)");
    }
    return crypto::Aead::FromKey(1, std::move(*key));
  }
  crypto::Aead fresh = crypto::Aead::Generate(1);
  SP_ASSIGN_OR_RETURN(std::string wrapped,
                      master.Wrap(fresh.KeyInsecure(), kContentKeyAd));
  SP_RETURN_IF_ERROR(
      store.PutSetting(kContentKeySetting, Base64Encode(AsBytes(wrapped))));
  return fresh;
}

Result<std::optional<std::string>> StoredContentKey(store::Store& store) {
  SP_ASSIGN_OR_RETURN(auto existing, store.GetSetting(kContentKeySetting));
  if (!existing.has_value()) return std::optional<std::string>();
  SP_ASSIGN_OR_RETURN(std::string wrapped, Base64Decode(*existing));
  return std::optional<std::string>(std::move(wrapped));
}

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
      maildir_(std::make_unique<MaildirTransport>(2)) {
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
  committer_ = std::thread([this] { CommitLoop(); });
  scheduler_ = std::thread([this] { ScheduleLoop(); });
  if (depth > 0) log::Info("queue: resuming {} queued deliveries", depth);
  return Status::Ok();
}

void Queue::Accept(IncomingMessage message, std::function<void(Status)> done) {
  if (!message.received.empty()) {
    message.content.insert(0, message.received);
    std::string().swap(message.received);
  }
  MutexLock lock(&commit_mu_);
  pending_.push_back({std::move(message), std::move(done), SteadyClock::now()});
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
}

Result<store::QueuedMessage> Queue::ToStored(const IncomingMessage& m,
                                             int64_t now_ms) {
  store::QueuedMessage q;
  q.id = m.id;
  q.received_ms = now_ms;
  q.mail_from = m.mail_from;
  q.envelope_json = EnvelopeJson(m);
  q.header_message_id = HeaderMessageId(m.content);
  q.size = static_cast<int64_t>(m.content.size());
  SP_ASSIGN_OR_RETURN(q.content, key_.Encrypt(m.content, m.id));
  for (const DeliveryRecipient& r : m.recipients) {
    store::QueuedRecipient qr;
    qr.address = r.address;
    qr.notify = r.notify;
    qr.orcpt = r.orcpt;
    qr.next_attempt_ms = now_ms;
    q.recipients.push_back(std::move(qr));
  }
  return q;
}

void Queue::CommitLoop() {
  for (;;) {
    std::vector<Pending> pending;
    std::vector<ResultRecord> results;
    {
      MutexLock lock(&commit_mu_);
      while (!commit_stop_ && pending_.empty() && results_.empty()) {
        commit_cv_.Wait(&commit_mu_);
      }
      if (pending_.empty() && results_.empty()) return;  // stopping
      if (pending_.empty() && !commit_stop_) {
        // Only delivery results: linger briefly so that they share the
        // next acceptance's fsync instead of delaying it with their own.
        const auto until = SteadyClock::now() + kResultLinger;
        while (!commit_stop_ && pending_.empty() &&
               results_.size() < kMaxLingerResults) {
          if (!commit_cv_.WaitUntil(&commit_mu_, until)) break;
        }
      }
      pending.swap(pending_);
      results.swap(results_);
    }
    const int64_t now_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(
            clock_.Now().time_since_epoch())
            .count();
    store::QueueBatch batch;
    // Index in batch.new_messages of each accepted message, or -1 when it
    // could not be prepared (its caller gets the error, the batch goes on).
    std::vector<int> index(pending.size(), -1);
    std::vector<IncomingMessage*> sources;  // their contents move to the jobs
    for (size_t i = 0; i < pending.size(); ++i) {
      auto stored = ToStored(pending[i].message, now_ms);
      if (!stored.ok()) {
        log::Error("queue: cannot prepare {}: {}", pending[i].message.id,
                   stored.status().message());
        pending[i].done(InternalError("cannot prepare message"));
        continue;
      }
      index[i] = static_cast<int>(batch.new_messages.size());
      IncomingMessage& m = pending[i].message;
      batch.events.push_back(
          {0, m.id, now_ms, "", "received",
           "from " + m.helo + " [" + m.client + "]" +
               (m.proxy.empty() ? "" : " via [" + m.proxy + "]") +
               " tls=" + (m.tls.empty() ? "none" : m.tls) +
               " size=" + std::to_string(m.content.size()) +
               " rcpts=" + std::to_string(m.recipients.size()) +
               (m.treatment.empty() ? "" : " treatment=" + m.treatment)});
      batch.new_messages.push_back(std::move(*stored));
      sources.push_back(&m);
      for (auto& r : m.protected_records) {
        batch.protected_messages.push_back(std::move(r));
      }
    }
    int64_t finished = 0;
    for (ResultRecord& r : results) {
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
                                    std::to_string(dsn.content.size())});
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
        if (index[i] >= 0) pending[i].done(s);
      }
      // Unrecorded results: the deliveries are still queued in the store
      // and will be tried again (at-least-once).
      for (const ResultRecord& r : results) Release(r.release_id);
      continue;
    }
    commits_->Add();
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
      if (index[i] < 0) continue;
      accepted_->Add();
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
      job.content =
          std::make_shared<const std::string>(std::move(sources[i]->content));
      job.due = std::move(stored.recipients);
      AddReady(std::move(job));
    }
    depth_->Add(added - finished);
    for (const ResultRecord& r : results) Release(r.release_id);
  }
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
    while (!stopping_ && !wake_ &&
           (ready_.empty() || inflight_ >= options_.delivery_concurrency)) {
      if (!cv_.WaitUntil(&mu_, next_scan)) break;  // time to scan
    }
    if (stopping_) return;
    if (wake_ || SteadyClock::now() >= next_scan) {
      wake_ = false;
      mu_.Unlock();
      Scan();
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

void Queue::Scan() {
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now().time_since_epoch())
                             .count();
  auto due = store_.ListDueQueueMessages(now_ms, kScanLimit);
  if (!due.ok()) {
    log::Warn("queue: scan failed: {}", due.status().message());
    return;
  }
  MutexLock lock(&mu_);
  for (const std::string& id : *due) {
    if (stopping_) return;
    if (!owned_.insert(id).second) continue;
    Job job;
    job.id = id;
    ready_.push_back(std::move(job));
  }
  if (!ready_.empty()) cv_.SignalAll();
}

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

bool Queue::LoadJob(Job& job) {
  auto loaded = store_.GetQueuedMessage(job.id, /*with_content=*/true);
  if (!loaded.ok() || !loaded->has_value()) {
    if (!loaded.ok()) {
      log::Warn("queue: cannot read {}: {}", job.id, loaded.status().message());
    }
    return false;
  }
  store::QueuedMessage& m = **loaded;
  auto plain = key_.Decrypt(m.content, m.id);
  if (!plain.ok()) {
    log::Error("queue: message {} does not decrypt; left queued", m.id);
    return false;
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now().time_since_epoch())
                             .count();
  job.loaded = true;
  job.mail_from = m.mail_from;
  job.params = ParamsFromJson(m.envelope_json);
  job.received_ms = m.received_ms;
  job.content = std::make_shared<const std::string>(std::move(*plain));
  for (store::QueuedRecipient& r : m.recipients) {
    if (r.state == "queued" && r.next_attempt_ms <= now_ms) {
      job.due.push_back(std::move(r));
    }
  }
  return !job.due.empty();
}

TlsRequirement Queue::PolicyFor(const std::string& domain) {
  auto now = SteadyClock::now();
  if (now - policies_loaded_ > std::chrono::seconds(2)) {
    auto list = store_.ListTlsPolicies();
    if (list.ok()) {
      policies_.clear();
      for (const auto& p : *list) {
        TlsRequirement t;
        t.mode = p.policy == "verify"    ? TlsMode::kVerify
                 : p.policy == "encrypt" ? TlsMode::kEncrypt
                                         : TlsMode::kMay;
        t.ca_file = p.ca_file;
        policies_[p.domain] = t;
      }
      policies_loaded_ = now;
    }
  }
  auto it = policies_.find(domain);
  return it == policies_.end() ? TlsRequirement{} : it->second;
}

void Queue::Dispatch(Job job) {
  if (!job.loaded && !LoadJob(job)) {
    Release(job.id);
    return;
  }
  // One delivery per (next hop, TLS policy) group.
  struct Group {
    NextHop hop;
    TlsRequirement tls;
    std::vector<size_t> members;
  };
  std::vector<Group> groups;
  for (size_t i = 0; i < job.due.size(); ++i) {
    std::string domain = DomainOf(job.due[i].address);
    const NextHop& hop = options_.routes.For(domain);
    TlsRequirement tls = PolicyFor(domain);
    // A rule's TLS requirement only ever tightens the domain's policy.
    if (job.params.require_tls && tls.mode == TlsMode::kMay) {
      tls.mode = TlsMode::kEncrypt;
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
    req.tls = g.tls;
    req.mail_from = agg->job.mail_from;
    req.params = agg->job.params;
    req.content = agg->job.content;
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
    results_.push_back(std::move(record));
    commit_cv_.Signal();
  }
  MutexLock lock(&mu_);
  --inflight_;
  cv_.SignalAll();
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
    in.original = *job.content;
    in.headers_only =
        job.params.ret == "HDRS" || job.content->size() > (1u << 20);
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
