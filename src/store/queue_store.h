// QueueStore: accepted mail, its deliveries and their leases, the nodes'
// heartbeats and the TLS policies of outgoing mail; one area of Store
// (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_QUEUE_STORE_H_
#define SEALPOST_STORE_QUEUE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/queue_records.h"

namespace sealpost::store {

class QueueStore {
 public:
  virtual ~QueueStore() = default;

  // Accepted mail and its per-recipient deliveries (queue/ owns the
  // semantics; docs/gateway.md). Content is stored encrypted by the caller.
  // Times are unix milliseconds. CommitQueueBatch is the only writer of
  // queue state: one transaction (one fsync) for a whole batch of
  // acceptances, delivery results, events and DSNs (group commit). The
  // bodies in the batch (new_messages[].content,
  // protected_messages[].portal_copy) are consumed: each is emptied once
  // written, so that a large message is not held again beside the engine's
  // own pages of it until the commit.
  virtual Status CommitQueueBatch(QueueBatch& batch) = 0;
  // Large bodies ahead of their commit (issue 14): when StagesBodies()
  // says so for a body of `size` bytes (kLargeBodyBytes or more), StageBody
  // writes it durably now (SQLite: a file beside the database,
  // sqlite/body_files.h; PostgreSQL: chunks in a table of their own,
  // postgres/postgres_bodies.cc) so that the caller can give its memory
  // back before the commit; the commit then names it
  // (QueuedMessage::content_staged, NewProtectedMessage::portal_copy_staged).
  // A staged body no commit names is removed at the next start (SQLite) or
  // an hour after it was staged (PostgreSQL, whose other nodes may be
  // staging theirs).
  virtual bool StagesBodies(size_t size) const = 0;
  virtual Status StageBody(BodyKind kind, std::string_view id,
                           std::string_view body) = 0;
  // Ids of messages with a queued delivery due at `now_ms`, oldest first.
  virtual Result<std::vector<std::string>> ListDueQueueMessages(int64_t now_ms,
                                                                int limit) = 0;
  // Several nodes on one queue (docs/scaling.md): claims at most `limit`
  // queued messages with a delivery due at `now_ms` whose lease has expired
  // at `now_ms` (0: never leased), leasing them to `node` until
  // `lease_until_ms`; oldest received first. While a lease holds no node
  // (its own included) claims the message again; a node that dies leaves
  // leases that expire, and another node takes the work. PostgreSQL claims
  // with FOR UPDATE SKIP LOCKED, so nodes claiming at once never wait on or
  // get each other's rows.
  virtual Result<std::vector<QueueClaim>> ClaimDueQueueMessages(
      int64_t now_ms, int limit, std::string_view node,
      int64_t lease_until_ms) = 0;
  // Extends `node`'s leases on `ids` to `lease_until_ms`; returns the ids
  // it still held (the others were taken over after their lease expired,
  // or are done).
  virtual Result<std::vector<std::string>> RenewQueueLeases(
      std::string_view node, const std::vector<std::string>& ids,
      int64_t lease_until_ms) = 0;
  // Gives back every lease `node` holds (a node stopping, or starting after
  // a crash of its earlier run); returns how many.
  virtual Result<int64_t> ReleaseQueueLeases(std::string_view node) = 0;
  // Queued work per lease holder at `now_ms`, by node id ("" first).
  virtual Result<std::vector<NodeQueueDepth>> QueueDepthByNode(
      int64_t now_ms) = 0;
  // Records a node's heartbeat (inserted or replaced by node id).
  virtual Status PutNodeHeartbeat(const NodeRecord& node) = 0;
  // Nodes whose last heartbeat is at or after `seen_since_ms`, by id.
  virtual Result<std::vector<NodeRecord>> ListNodes(int64_t seen_since_ms) = 0;
  virtual Result<std::optional<QueuedMessage>> GetQueuedMessage(
      std::string_view id, bool with_content) = 0;
  // Newest first, without content; `state` ("queued", "done") filters when
  // not empty.
  virtual Result<std::vector<QueuedMessage>> ListQueuedMessages(
      std::string_view state, int limit) = 0;
  virtual Result<std::vector<QueueEvent>> ListQueueEvents(
      std::string_view message_id) = 0;
  // Makes the queued deliveries of a message due now; NotFound when it has
  // none.
  virtual Status RetryQueuedMessage(std::string_view id, int64_t now_ms) = 0;
  // Number of deliveries still queued.
  virtual Result<int64_t> CountQueuedDeliveries() = 0;
  virtual Status PutTlsPolicy(const TlsPolicyRecord& policy) = 0;
  virtual Result<std::optional<TlsPolicyRecord>> GetTlsPolicy(
      std::string_view domain) = 0;
  virtual Result<std::vector<TlsPolicyRecord>> ListTlsPolicies() = 0;
  virtual Status DeleteTlsPolicy(std::string_view domain) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_QUEUE_STORE_H_
