// The records of the queue (SMTP gateway): messages, deliveries, trace
// events, group commits, leases, nodes and TLS policies (QueueStore,
// queue_store.h).
#ifndef SEALPOST_STORE_QUEUE_RECORDS_H_
#define SEALPOST_STORE_QUEUE_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "store/rights_records.h"

namespace sealpost::store {

// A large body written ahead of the commit that names it (StageBody).
enum class BodyKind { kQueue, kPortal };

struct QueuedRecipient {
  int64_t id = 0;  // assigned by the store
  std::string address;
  int notify = 0;     // RFC 3461 NOTIFY bits (smtp/envelope.h kNotify*)
  std::string orcpt;  // RFC 3461 ORCPT as received
  std::string state = "queued";  // queued | delivered | bounced
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_reply;  // last SMTP reply or error, for trace/DSN
};

struct QueuedMessage {
  std::string id;
  int64_t received_ms = 0;
  std::string mail_from;          // "" is the null reverse-path
  std::string envelope_json;      // ESMTP parameters, client, TLS of the leg
  std::string header_message_id;  // Message-ID header, for trace
  int64_t size = 0;               // plaintext bytes
  std::string content;            // encrypted; empty once done
  // The content was staged with StageBody (and `content` is empty): the
  // commit names the staged body instead of writing one.
  bool content_staged = false;
  std::string state = "queued";  // queued | done
  std::vector<QueuedRecipient> recipients;
  // The node working on it and until when (unix ms; docs/scaling.md): a
  // message a node accepts is leased to it in the commit that accepts it.
  // "" and 0: not leased.
  std::string lease_node;
  int64_t lease_until_ms = 0;
};

struct QueueEvent {
  int64_t id = 0;
  std::string message_id;
  int64_t at_ms = 0;
  std::string recipient;  // empty for message-level events
  std::string event;      // received | attempt | delivered | deferred |
                          // bounced | dsn | retry
  std::string detail;     // hop, TLS, reply text; never content
};

struct DeliveryUpdate {
  int64_t delivery_id = 0;
  std::string state;  // queued | delivered | bounced
  int attempts = 0;
  int64_t next_attempt_ms = 0;
  std::string last_reply;
};

// One group commit.
struct QueueBatch {
  std::vector<QueuedMessage> new_messages;  // recipient ids filled in
  std::vector<DeliveryUpdate> updates;
  std::vector<QueueEvent> events;
  // Messages to mark done (content dropped) when none of their deliveries
  // is still queued.
  std::vector<std::string> maybe_done;
  // Protected messages whose wrappers are among new_messages: their rows
  // commit with them (one transaction, one fsync, before SMTP 250).
  std::vector<NewProtectedMessage> protected_messages;
  // Leases `lease_node` gives back with this batch (the results of its
  // deliveries are in it): cleared where that node still holds them.
  std::string lease_node;
  std::vector<std::string> release_leases;

  // Filled in by a successful commit (several nodes on one queue):
  // updates not applied because their delivery was no longer queued
  // (another node had concluded it: a duplicate when this one delivered
  // too), and leases in `release_leases` that another node held by then.
  std::vector<int64_t> stale_updates;
  std::vector<std::string> lost_leases;
};

// A message claimed by ClaimDueQueueMessages, and the node whose lease on
// it had expired ("" when nobody held it: new, deferred or given back).
struct QueueClaim {
  std::string id;
  std::string previous_node;
  friend bool operator==(const QueueClaim&, const QueueClaim&) = default;
};

// A gateway node's heartbeat (several nodes on one store; `sealpost
// status`).
struct NodeRecord {
  std::string node_id;
  std::string hostname;
  std::string version;
  int64_t started_ms = 0;
  int64_t seen_ms = 0;  // the last heartbeat
};

// Queued work per node: messages whose lease `node` holds at the time
// asked ("" for messages nobody holds: waiting for a retry or a claim),
// and their queued deliveries.
struct NodeQueueDepth {
  std::string node;
  int64_t messages = 0;
  int64_t deliveries = 0;
};

struct TlsPolicyRecord {
  std::string domain;   // lower-case recipient domain
  std::string policy;   // may | encrypt | verify
  std::string ca_file;  // PEM bundle for verify; empty: system store
  int64_t updated_at = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_QUEUE_RECORDS_H_
