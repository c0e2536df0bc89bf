// Tests only: queue batches and protected messages as the queue and the
// protection stage write them, for store tests.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_STORE_QUEUE_BATCHES_FOR_TESTING_H_
#define SEALPOST_STORE_QUEUE_BATCHES_FOR_TESTING_H_

#include <string>
#include <utility>

#include "store/store.h"

namespace sealpost::store::testing {

// A queued message with `rcpts` recipients received at `received_ms`, with
// one trace event, in a batch of its own.
inline QueueBatch MessageAt(const std::string& id, int64_t received_ms,
                            int rcpts, size_t body = 20'000) {
  QueueBatch batch;
  QueuedMessage m;
  m.id = id;
  m.received_ms = received_ms;
  m.content.assign(body, 'x');
  m.size = static_cast<int64_t>(body);
  for (int i = 0; i < rcpts; ++i) {
    QueuedRecipient r;
    r.address = "r" + std::to_string(i) + "@example.net";
    m.recipients.push_back(r);
  }
  batch.new_messages.push_back(std::move(m));
  batch.events.push_back({0, id, received_ms, "", "received", "test"});
  return batch;
}

// Marks delivery `delivery_id` of `id` as `state` and asks for done.
inline QueueBatch Finish(const std::string& id, int64_t delivery_id,
                         const std::string& state) {
  QueueBatch b;
  b.updates.push_back({delivery_id, state, 1, 0, "250 ok"});
  b.events.push_back({0, id, 2, "", state, "test"});
  b.maybe_done.push_back(id);
  return b;
}

// A message alice@example.com protected with the "encrypt" template, with
// its audit row and `portal_copy`.
inline NewProtectedMessage ProtectedMessage(const std::string& id,
                                            std::string portal_copy) {
  NewProtectedMessage m;
  m.record.id = id;
  m.record.owner = "alice@example.com";
  m.record.template_id = "encrypt";
  m.record.recipients_json = "[]";
  m.record.grants_json = "[]";
  m.audit = {0, 0, "alice@example.com", "message.protect", id, "ok", ""};
  m.portal_copy = std::move(portal_copy);
  return m;
}

// `record` as a protection writes it, with its audit row.
inline NewProtectedMessage AsNew(ProtectedMessageRecord record) {
  NewProtectedMessage m;
  m.audit = {
      0, record.created_at, record.owner, "message.protect", record.id, "ok",
      ""};
  m.record = std::move(record);
  return m;
}

}  // namespace sealpost::store::testing

#endif  // SEALPOST_STORE_QUEUE_BATCHES_FOR_TESTING_H_
