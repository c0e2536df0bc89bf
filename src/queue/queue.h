// Queue: durable acceptance and delivery of mail (SPEC §2 "No accepted mail
// is lost", §3 "Queue").
//
// Acceptance: Accept() hands a message to the committer thread, which
// batches every message that arrived meanwhile into one store transaction
// (group commit: one fsync for the batch, SQLite synchronous=FULL), with its
// per-recipient delivery records and a trace event. Only then is `done`
// called with OK, and only then may the SMTP layer answer 250. Content is
// encrypted at rest with the queue content key (AES-256-GCM, associated
// data = queue id).
//
// Several nodes may share one queue (PostgreSQL; docs/scaling.md): each
// message is leased to one node at a time (queue/leases.h). A node leases
// what it accepts, claims due messages nobody holds, renews its leases while
// it works and gives each back with the delivery's result.
//
// Delivery: a scheduler thread hands due deliveries to transports, grouped
// by next hop and TLS policy (one delivery per recipient group). Results
// are committed by the same committer (delivered / deferred with
// exponential backoff / bounced with an RFC 3464 DSN to the sender, on a 5xx
// or once the retry window is over). Freshly accepted messages go straight
// to the scheduler with their plaintext in memory; anything else (retries,
// and everything queued when the process died) is found by scanning the
// store for due deliveries (claiming them for this node), so a crash at any
// point leads to a retry, never a loss (at-least-once).
//
// Thread-safety: thread-safe; Accept() and Wake() may be called from any
// thread. Callbacks run on the queue's committer thread and must not block.
#ifndef SEALPOST_QUEUE_QUEUE_H_
#define SEALPOST_QUEUE_QUEUE_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/byte_source.h"
#include "base/byte_spool.h"
#include "base/clock.h"
#include "base/metrics.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "crypto/aead.h"
#include "crypto/master_key.h"
#include "queue/leases.h"
#include "queue/routes.h"
#include "queue/tls_policies.h"
#include "queue/transport.h"
#include "store/store.h"

namespace sealpost::queue {

struct QueueOptions {
  std::string hostname = "localhost";  // DSN Reporting-MTA
  Routes routes;
  std::chrono::milliseconds retry_base{60'000};
  std::chrono::milliseconds retry_max{3'600'000};
  std::chrono::milliseconds retry_window{2LL * 24 * 3'600'000};
  int delivery_concurrency = 64;
  std::chrono::milliseconds scan_interval{1000};
  // Plaintext of accepted messages kept in memory for immediate delivery;
  // beyond it, delivery reads the message back from the store.
  size_t max_ready_bytes = 256u << 20;
  // Housekeeping, on the scheduler thread: done messages (bodies deleted
  // when their last recipient was done) are kept for `message trace` this
  // long after they arrived (queue.history_days), then pruned; portal
  // copies of expired messages are deleted, and of messages without an
  // expiry after `portal_retention` (portal.retention_days; 0: kept).
  std::chrono::milliseconds history{30LL * 24 * 3'600'000};
  std::chrono::seconds portal_retention{0};
  // Between housekeeping passes that found little to do; while passes find
  // full batches they run at every scan.
  std::chrono::milliseconds prune_interval{60'000};
  int prune_batch = 500;  // rows per transaction
  // This node (server.node_id) and how long its leases hold without renewal
  // (queue.lease_seconds): the time another node waits before taking over
  // the work of a node that died.
  std::string node_id = "local";
  std::chrono::milliseconds lease{30'000};
  std::string version;  // for the node's heartbeat
};

struct IncomingMessage {
  std::string id;  // from NewQueueId()
  std::string mail_from;
  std::vector<DeliveryRecipient> recipients;
  EnvelopeParams params;
  // For the trace: the client's EHLO name and address, TLS of the leg.
  // Behind a proxy that sent XFORWARD, the client is the one it names and
  // `proxy` is the address of the proxy itself ("" without XFORWARD).
  std::string helo;
  std::string client;
  std::string proxy;
  std::string tls;
  // The sender may count as a member of the organisation: the client was
  // in smtp.client_networks or logged in with SMTP AUTH as the sender (the
  // SMTP session decides). Never taken from the message.
  bool trusted_sender = false;
  // The SMTP AUTH login of the session ("" without): the sender the rules
  // see when MAIL FROM is null (a logged-in user's bounce-less mail is
  // still theirs). Read by the protection stage only, never stored.
  std::string login;
  // Who sent it, for the rules, the journal and the owner of what is
  // protected: MAIL FROM, or the login when that is null.
  const std::string& Sender() const {
    return mail_from.empty() ? login : mail_from;
  }
  // Our Received field (CRLF-ended) for SMTP mail: Accept writes it, and an
  // empty line if needed (mime::SeparatorAfterAddedFields), before content.
  std::string received;
  std::string content;  // the message: the client's bytes or a treatment's
  // A large message from SMTP arrives in a spool file (queue/spool_file.h)
  // instead of `content`, which is then empty; LoadSpooled reads it in.
  std::shared_ptr<ByteSpool> spool;
  // A large message the protection stage makes a slice at a time (issue
  // 14: a wrapper, or the client's message read from its spool) instead
  // of `content`: `content_size` bytes that Acceptor::Stage writes to the
  // body file and then lets go. A message with one must be staged before
  // Accept (INTERNAL otherwise). kUnknownSize: as many bytes as the source
  // gives (an S/MIME copy, whose BER length is known once it is made);
  // such a message always goes to a body file when the store has them.
  static constexpr int64_t kUnknownSize = -1;
  std::shared_ptr<ByteSource> content_source;
  int64_t content_size = 0;
  // Set by Acceptor::Stage: `content` (with `received` in front) is in its
  // body file already, encrypted, and `content` and `received` are empty.
  struct Staged {
    int64_t size = 0;  // plaintext bytes, `received` included
    std::string header_message_id;
    int64_t received_size = 0;  // of them, `received` (and empty line)
  };
  std::optional<Staged> staged;
  // The protected messages this one carries the wrappers of: their rows
  // commit with it, so a license never exists without its mail, nor the
  // mail without its license.
  std::vector<store::NewProtectedMessage> protected_records;
  // Audit records of what the protection stage decided for it: committed
  // with it (store::QueueBatch::audit).
  std::vector<store::AuditRecord> audit;
  // For the trace: the treatment this copy got ("smime certificate=…",
  // "portal Encrypt as <id>", "sealed …"), when the protection stage says.
  std::string treatment;
};

// Reads message.spool, if any, into message.content and lets the spool go
// (its file disappears with it). A spool that does not read back to its
// end intact is an error (INTERNAL, or the generic decryption error).
Status LoadSpooled(IncomingMessage& message);

// A fresh, unique queue id (also the id shown by `message list`).
std::string NewQueueId();

// The queue's content key: created once, stored wrapped under the master key
// in the store's settings.
Result<crypto::Aead> LoadOrCreateContentKey(store::Store& store,
                                            const crypto::MasterKey& master);
// The content key as stored (an Aead blob under the master key), if any:
// it tells which master key the store expects before one is created.
Result<std::optional<std::string>> StoredContentKey(store::Store& store);

// Why a stage in front of the queue refused a message permanently, when
// it is not policy's "delivery not authorized" (RFC 3463 X.7.1): the
// Status's Reason, for the SMTP reply.
enum class AcceptRefusal {
  // RFC 3463 X.7.5, cryptographic failure: protected mail that must be
  // decrypted in transport (TransportDecryptionSetting Mandatory) cannot be.
  kCryptographicFailure,
  // RFC 3463 X.3.4, message too big for system: the header fields of its
  // parts over the parse's budget (mime::ParsedMessage::kMaxHeaderFields,
  // kMaxHeaderBytes), as smtp.max_header_bytes for its top-level header.
  kHeaderTooBig,
};

// Where the SMTP server hands accepted messages: the queue itself, or a
// stage in front of it (protect/ProtectingAcceptor). `done` is called once,
// from any thread, after the message is durably committed (OK) or not.
class Acceptor {
 public:
  virtual ~Acceptor() = default;
  virtual void Accept(IncomingMessage message,
                      std::function<void(Status)> done) = 0;
  // The messages one incoming message became (protect/: its treatment
  // groups' copies, a decrypted copy, DSNs, its journal report), in ONE
  // acceptance: `done` once, OK only when all of them are committed, and
  // an error only when none is, so that the client's retry after the 4xx
  // queues none of them twice. The Queue commits them in one transaction.
  // This default accepts them one after another and reports the first
  // error: all or nothing only for an acceptor that cannot refuse one
  // message and take another (one in memory); any other overrides it.
  virtual void AcceptAll(std::vector<IncomingMessage> messages,
                         std::function<void(Status)> done);
  // Before Accept, by a stage that makes large messages one after another
  // (issue 14): writes `message`'s body to durable storage now when it is
  // large enough to be kept in a file, so that its memory goes back before
  // the next is made, and sets message.staged. OK and nothing done when
  // this acceptor keeps bodies in memory until the commit. A staged body
  // whose acceptance is refused is removed at once; one whose commit
  // failed stays until the next start (SQLite) or the hourly sweep
  // (PostgreSQL), as does one never handed to Accept.
  virtual Status Stage(IncomingMessage& message) {
    (void)message;
    return Status::Ok();
  }
  // A message Stage put in its body file (message.staged), read back from
  // there a slice at a time as it was before Stage: its content, without
  // the `received` field in front (a journal report attaches it, issue
  // 14). A body that does not read back intact, or to its staged size, is
  // an error (INTERNAL) when it is read, never a shorter message.
  virtual Result<std::unique_ptr<ByteSource>> OpenStaged(
      const IncomingMessage& message) {
    (void)message;
    return UnimplementedError("this acceptor keeps no body files");
  }
  // Whether Stage may put a body in a file that OpenStaged reads back:
  // false for an acceptor that keeps bodies in memory (the defaults
  // above), and then no stage in front of it may count on either.
  virtual bool StagesBodies() const { return false; }
};

// The body files of messages that will not commit, removed now rather
// than left to the sweep: their queue bodies (staged, or written by
// Queue::ToStored: `stored[i].content_staged` for messages[i], when
// given) and their staged portal copies. Used by the queue and by a stage
// in front of it whose run fails (protect/).
void DiscardStagedBodies(store::Store& store,
                         const std::vector<IncomingMessage>& messages,
                         const std::vector<store::QueuedMessage>& stored = {});

class Queue final : public Acceptor {
 public:
  // `smtp` carries kSmtp next hops; it must outlive the Queue.
  Queue(store::Store& store, const Clock& clock, MetricsRegistry& metrics,
        crypto::Aead content_key, QueueOptions options, Transport* smtp);
  ~Queue();
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;

  // Starts the committer and the scheduler; the first scan resumes what an
  // earlier run left queued.
  Status Start();
  // Commits the message durably, then calls `done` (OK, or the store's
  // error: RESOURCE_EXHAUSTED when the disk is full).
  void Accept(IncomingMessage message,
              std::function<void(Status)> done) override;
  // All of them in the same store transaction (the same group commit), or
  // none: one that cannot be read back or prepared refuses them all, and
  // the body files already written for them are removed. When the commit
  // itself fails, their body files are deliberately left to the sweep (the
  // next start on SQLite, the hourly sweep on PostgreSQL): the store may
  // not know whether the commit happened (a PostgreSQL connection lost
  // during COMMIT), and removing the files of committed messages would
  // lose them.
  void AcceptAll(std::vector<IncomingMessage> messages,
                 std::function<void(Status)> done) override;
  // A body the store keeps in a file (StagesBodies) is encrypted into it
  // a slice at a time now (queue_bodies.cc).
  Status Stage(IncomingMessage& message) override;
  Result<std::unique_ptr<ByteSource>> OpenStaged(
      const IncomingMessage& message) override;
  bool StagesBodies() const override { return true; }
  // Scans the store for due deliveries now.
  void Wake();
  // `queue retry`: the message's queued deliveries become due now, the
  // trace says who asked, and the scheduler wakes. NOT_FOUND when nothing
  // of it is queued.
  Status Retry(std::string_view id, std::string_view by);
  // Stops dispatching and cancels deliveries in flight (they stay queued
  // and are retried at the next start). Acceptance keeps working until
  // Stop().
  void BeginShutdown();
  // Commits what is pending and joins the threads.
  void Stop();

 private:
  // One acceptance: its messages commit together (AcceptAll).
  struct Pending {
    std::vector<IncomingMessage> messages;
    std::function<void(Status)> done;
    std::chrono::steady_clock::time_point started;
  };
  struct Job {
    std::string id;
    bool loaded = false;  // false: read it from the store at dispatch
    std::string mail_from;
    EnvelopeParams params;
    int64_t received_ms = 0;
    // Null once loaded: the body is in its file, read while it is sent.
    std::shared_ptr<const std::string> content;
    int64_t size = 0;  // plaintext bytes
    std::vector<store::QueuedRecipient> due;
  };
  struct Outcome {
    store::QueuedRecipient recipient;
    RecipientResult result;
    std::string hop;
    std::string remote_host;
    std::string tls;
    bool cancelled = false;
  };
  struct Aggregate;
  struct ResultRecord {
    store::QueueBatch batch;  // updates, events, maybe_done
    std::vector<IncomingMessage> dsns;
    std::string release_id;
    int64_t finished = 0;  // deliveries that reached a final state
  };

  void CommitLoop() SP_EXCLUDES(commit_mu_, mu_);
  void ScheduleLoop() SP_EXCLUDES(mu_);
  void Scan() SP_EXCLUDES(mu_);
  // More due messages may wait in the store than the last claim took, and
  // the ready jobs run low.
  bool RunningLow() const SP_REQUIRES(mu_);
  // Renews the leases of what this node holds (ready or in flight); the
  // waiting jobs whose lease another node took are dropped.
  void RenewLeases() SP_EXCLUDES(mu_);
  // One housekeeping pass (a batch of each kind); true when there is
  // probably more to do.
  bool Prune() SP_EXCLUDES(mu_);
  void Dispatch(Job job) SP_EXCLUDES(mu_);
  // Reads a job's message and its due deliveries back from the store
  // (queue_bodies.cc): a body in a file stays there (read as it is sent).
  bool LoadJob(Job& job);
  void OnGroupDone(const std::shared_ptr<Aggregate>& agg)
      SP_EXCLUDES(commit_mu_, mu_);
  ResultRecord Conclude(const Job& job, const std::vector<Outcome>& outcomes);
  void AddReady(Job job) SP_EXCLUDES(mu_);
  void Release(const std::string& id) SP_EXCLUDES(mu_);
  // A body the store stages (StagesBodies) is encrypted into its file a
  // slice at a time now, and `m`'s content emptied (queue_bodies.cc).
  Result<store::QueuedMessage> ToStored(IncomingMessage& m, int64_t now_ms);
  // Stage for a message with a content_source: read to its end into the
  // body file.
  Status StageStreamed(IncomingMessage& m);
  // Prepares an acceptance's messages for `batch` (ToStored) and adds
  // them with their trace events, records and audit, their sources to
  // `sources`: all of them, true; or, when one cannot be prepared, none,
  // its body files removed and its `done` called with the error: false.
  bool AddToBatch(Pending& acceptance, int64_t now_ms, store::QueueBatch& batch,
                  std::vector<IncomingMessage*>& sources);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const Clock& clock_;
  const crypto::Aead key_;
  const QueueOptions options_;
  // Not owned (references and pointers below): must outlive this object.
  Transport* smtp_;
  std::unique_ptr<Transport> maildir_;
  Leases leases_;

  // Committer.
  Mutex commit_mu_;
  CondVar commit_cv_;
  std::vector<Pending> pending_ SP_GUARDED_BY(commit_mu_);
  std::vector<ResultRecord> results_ SP_GUARDED_BY(commit_mu_);
  // When the oldest of results_ arrived: they linger from then.
  std::chrono::steady_clock::time_point results_since_
      SP_GUARDED_BY(commit_mu_);
  bool commit_stop_ SP_GUARDED_BY(commit_mu_) = false;
  std::thread committer_;

  // Scheduler.
  Mutex mu_;
  CondVar cv_;
  std::deque<Job> ready_ SP_GUARDED_BY(mu_);
  size_t ready_bytes_ SP_GUARDED_BY(mu_) = 0;
  std::set<std::string> owned_ SP_GUARDED_BY(mu_);  // in ready_ or in flight
  int inflight_ SP_GUARDED_BY(mu_) = 0;
  bool wake_ SP_GUARDED_BY(mu_) = false;
  // The last claim got all it asked for: claim again as soon as the ready
  // jobs run low.
  bool claim_more_ SP_GUARDED_BY(mu_) = false;
  bool stopping_ SP_GUARDED_BY(mu_) = false;
  std::thread scheduler_;
  bool started_ = false;  // the owner's thread only (Start, Stop)

  // Scheduler thread only.
  TlsPolicies tls_policies_;

  // Not owned (references and pointers below): must outlive this object.
  Counter* accepted_;
  Counter* delivered_;
  Counter* deferred_;
  Counter* bounced_;
  Counter* commit_failures_;
  Gauge* depth_;
  Histogram* commit_seconds_;
  Histogram* attempt_seconds_;
  Histogram* transit_seconds_;
  Counter* commits_;
  Counter* pruned_;
  Counter* portal_pruned_;
};

}  // namespace sealpost::queue

#endif  // SEALPOST_QUEUE_QUEUE_H_
