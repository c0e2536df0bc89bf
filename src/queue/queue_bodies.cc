// Message bodies on their way into the store and back out (issue 14): a
// large body is encrypted into its file a slice at a time at acceptance,
// and read back the same way while it is delivered (queue/body_cipher.h).
#include <cstdint>

#include "base/log.h"
#include "queue/body_cipher.h"
#include "queue/queue.h"
#include "queue/records.h"

namespace sealpost::queue {

Result<store::QueuedMessage> Queue::ToStored(IncomingMessage& m,
                                             int64_t now_ms) {
  store::QueuedMessage q;
  q.id = m.id;
  q.received_ms = now_ms;
  q.mail_from = m.mail_from;
  q.envelope_json = EnvelopeJson(m);
  if (m.staged.has_value()) {
    // In its file since Stage.
    q.header_message_id = m.staged->header_message_id;
    q.size = m.staged->size;
    q.content_staged = true;
  } else if (store_.StagesBodies(m.content.size())) {
    q.header_message_id = HeaderMessageId(m.content);
    q.size = static_cast<int64_t>(m.content.size());
    // Straight to disk, encrypted as it goes: its ciphertext is never
    // whole in memory, and its plaintext leaves now.
    SP_RETURN_IF_ERROR(StageEncryptedBody(store_, key_, q.id, m.content));
    std::string().swap(m.content);
    q.content_staged = true;
  } else {
    q.header_message_id = HeaderMessageId(m.content);
    q.size = static_cast<int64_t>(m.content.size());
    SP_ASSIGN_OR_RETURN(q.content, key_.Encrypt(m.content, m.id));
  }
  // This node delivers what it accepts: no other node races it for it.
  q.lease_node = leases_.node();
  q.lease_until_ms = leases_.Until();
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

Status Queue::Stage(IncomingMessage& m) {
  if (m.content_source != nullptr) return StageStreamed(m);
  const size_t size = m.received.size() + m.content.size();
  if (m.staged.has_value() || !store_.StagesBodies(size)) return Status::Ok();
  IncomingMessage::Staged staged{static_cast<int64_t>(size),
                                 HeaderMessageId(m.content)};
  SP_RETURN_IF_ERROR(
      StageEncryptedBody(store_, key_, m.id, {m.received, m.content}));
  std::string().swap(m.received);
  std::string().swap(m.content);
  m.staged = std::move(staged);
  return Status::Ok();
}

Status Queue::StageStreamed(IncomingMessage& m) {
  if (m.staged.has_value()) return InternalError("staged twice");
  const bool known = m.content_size != IncomingMessage::kUnknownSize;
  const int64_t size = static_cast<int64_t>(m.received.size()) + m.content_size;
  if (!store_.StagesBodies(known ? static_cast<size_t>(size) : SIZE_MAX)) {
    // Small enough for its row (a portal wrapper), or a store without
    // body files: read into `content`, and committed as any other.
    std::string content;
    for (;;) {
      SP_ASSIGN_OR_RETURN(size_t n, m.content_source->Read(1 << 20, &content));
      if (n == 0) break;
      if (known && static_cast<int64_t>(content.size()) > m.content_size) {
        break;
      }
    }
    if (known && static_cast<int64_t>(content.size()) != m.content_size) {
      return InternalError("a streamed message changed its size");
    }
    m.content = std::move(content);
    m.content_source.reset();
    m.content_size = 0;
    return Status::Ok();
  }
  // Its Message-ID is in its header section: the first bytes are kept
  // while it is written.
  constexpr size_t kHead = 256 * 1024;
  std::string head;
  auto written = StageEncryptedBody(store_, key_, m.id, m.received,
                                    *m.content_source, &head, kHead);
  if (!written.ok() || (known && *written != m.content_size)) {
    // Nothing commits it: the file goes, and the message is refused (4xx).
    // A source that failed half way (a spool file cut, an S/MIME copy
    // that could not be finished) leaves nothing half-written behind.
    if (store::BodyStore* bodies = store::BodyStoreOf(store_)) {
      bodies->DiscardBody(store::BodyKind::kQueue, m.id);
    }
    if (!written.ok()) return written.status();
    return InternalError("a streamed message changed its size while staged");
  }
  m.staged = IncomingMessage::Staged{
      static_cast<int64_t>(m.received.size()) + *written,
      HeaderMessageId(head)};
  m.content_source.reset();
  m.content_size = 0;
  std::string().swap(m.received);
  return Status::Ok();
}

bool Queue::LoadJob(Job& job) {
  // A body in a file is not read here: OpenStoredBody at delivery.
  store::BodyStore* bodies = store::BodyStoreOf(store_);
  const bool in_file = bodies != nullptr &&
                       bodies->OpenBody(store::BodyKind::kQueue, job.id).ok();
  auto loaded = store_.GetQueuedMessage(job.id, /*with_content=*/!in_file);
  if (!loaded.ok() || !loaded->has_value()) {
    if (!loaded.ok()) {
      log::Warn("queue: cannot read {}: {}", job.id, loaded.status().message());
    }
    return false;
  }
  store::QueuedMessage& m = **loaded;
  job.content.reset();
  if (!in_file) {
    auto plain = DecryptBody(key_, m.content, m.id);
    if (!plain.ok()) {
      log::Error("queue: message {} does not decrypt; left queued", m.id);
      return false;
    }
    job.content = std::make_shared<const std::string>(std::move(*plain));
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             clock_.Now().time_since_epoch())
                             .count();
  job.loaded = true;
  job.due.clear();  // the store's view of them, below
  job.mail_from = m.mail_from;
  job.params = ParamsFromJson(m.envelope_json);
  job.received_ms = m.received_ms;
  job.size = m.size;
  for (store::QueuedRecipient& r : m.recipients) {
    if (r.state == "queued" && r.next_attempt_ms <= now_ms) {
      job.due.push_back(std::move(r));
    }
  }
  return !job.due.empty();
}

}  // namespace sealpost::queue
