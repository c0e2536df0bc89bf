// Message bodies on their way into the store and back out (issue 14): a
// large body is encrypted into its file a slice at a time at acceptance,
// and read back the same way while it is delivered (queue/body_cipher.h).
#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/byte_spool.h"
#include "base/log.h"
#include "mime/header_section.h"
#include "queue/body_cipher.h"
#include "queue/queue.h"
#include "queue/records.h"
#include "store/body_store.h"

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

void DiscardStagedBodies(store::Store& store,
                         const std::vector<IncomingMessage>& messages,
                         const std::vector<store::QueuedMessage>& stored) {
  store::BodyStore* bodies = store::BodyStoreOf(store);
  if (bodies == nullptr) return;
  for (size_t i = 0; i < messages.size(); ++i) {
    const IncomingMessage& m = messages[i];
    if (m.staged.has_value() ||
        (i < stored.size() && stored[i].content_staged)) {
      bodies->DiscardBody(store::BodyKind::kQueue, m.id);
    }
    for (const auto& r : m.protected_records) {
      if (r.portal_copy_staged) {
        bodies->DiscardBody(store::BodyKind::kPortal, r.record.id);
      }
    }
  }
}

namespace {

// `source` with its first bytes read ahead (Peek) and handed on first.
// Not base's PrefixedSource: that one restarts its source to read past
// the prefix, and a streamed message may be read only once (a wrapper
// being built: protect::WrapperSource).
class PeekedSource final : public ByteSource {
 public:
  explicit PeekedSource(ByteSource& source) : source_(source) {}
  Status Peek(size_t max) { return ReadSourceUpTo(source_, max, &peeked_); }
  std::string_view peeked() const { return peeked_; }
  Status Restart() override {
    std::string().swap(peeked_);
    at_ = 0;
    return source_.Restart();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    if (at_ == peeked_.size()) return source_.Read(max, out);
    const size_t n = std::min(max, peeked_.size() - at_);
    out->append(peeked_, at_, n);
    at_ += n;
    return n;
  }

 private:
  ByteSource& source_;
  std::string peeked_;
  size_t at_ = 0;
};

// The Message-ID of `front` (our Received field and its separator, or
// nothing) then `content` (its first bytes at least to its empty line), as
// ToStored finds it in the whole: none when the separator ends the header
// section at our field.
std::string MessageIdAfter(std::string_view front, std::string_view content) {
  if (front.empty()) return HeaderMessageId(content);
  const size_t end = content.find("\r\n\r\n");
  std::string whole(front);
  whole += end == std::string_view::npos ? content : content.substr(0, end + 4);
  return HeaderMessageId(whole);
}

}  // namespace

Status Queue::Stage(IncomingMessage& m) {
  if (m.content_source != nullptr) return StageStreamed(m);
  const std::string_view separator =
      m.received.empty() ? "" : mime::SeparatorAfterAddedFields(m.content);
  const size_t front = m.received.size() + separator.size();
  const size_t size = front + m.content.size();
  if (m.staged.has_value() || !store_.StagesBodies(size)) return Status::Ok();
  IncomingMessage::Staged staged{
      static_cast<int64_t>(size),
      MessageIdAfter(m.received + std::string(separator), m.content),
      static_cast<int64_t>(front)};
  SP_RETURN_IF_ERROR(StageEncryptedBody(store_, key_, m.id,
                                        {m.received, separator, m.content}));
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
  // Whether our Received field ends the header section is read from the
  // message's first bytes (mime::SeparatorAfterAddedFields).
  // Our field and the separator, put in the message only once written.
  PeekedSource source(*m.content_source);
  std::string front = m.received;
  if (!front.empty()) {
    SP_RETURN_IF_ERROR(source.Peek(mime::kSeparatorPeekBytes));
    front += mime::SeparatorAfterAddedFields(source.peeked());
  }
  auto written =
      StageEncryptedBody(store_, key_, m.id, front, source, &head, kHead);
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
      static_cast<int64_t>(front.size()) + *written,
      MessageIdAfter(front, head), static_cast<int64_t>(front.size())};
  m.content_source.reset();
  m.content_size = 0;
  std::string().swap(m.received);
  return Status::Ok();
}

namespace {

// A staged body's plaintext from its byte `skip` on, `size` bytes of it
// (the content without its Received field): read again from the file
// whenever restarted. Short, long or not authentic: INTERNAL.
class StagedSource final : public ByteSource {
 public:
  StagedSource(store::Store& store, const crypto::Aead& key, std::string id,
               int64_t skip, int64_t size)
      : store_(store),
        key_(key),
        id_(std::move(id)),
        skip_(skip),
        size_(size) {}

  Status Restart() override {
    reader_.reset();
    return Status::Ok();
  }

  Result<size_t> Read(size_t max, std::string* out) override {
    if (max == 0) return size_t{0};  // not the end: nothing asked for
    if (reader_ == nullptr) {
      auto opened = OpenStoredBody(store_, key_, id_);
      if (!opened.ok()) return Ours(opened.status());
      reader_ = std::move(*opened);
      pending_.clear();
      at_ = 0;
      skipped_ = 0;
      given_ = 0;
      ended_ = false;
    }
    while (pending_.size() - at_ == 0 && !ended_) {
      pending_.clear();
      at_ = 0;
      Result<bool> more = reader_->Next(&pending_);
      if (!more.ok()) return Ours(more.status());
      if (!*more) ended_ = true;
      if (skip_ > 0 && !pending_.empty()) {
        // Only the first slices hold the Received field. skipped_ never
        // passes skip_: it grows by at most what is left of it.
        const size_t from = static_cast<size_t>(std::min<int64_t>(
            skip_ - skipped_, static_cast<int64_t>(pending_.size())));
        skipped_ += static_cast<int64_t>(from);
        at_ = from;
      }
    }
    const size_t n = std::min(max, pending_.size() - at_);
    given_ += static_cast<int64_t>(n);
    if (given_ > size_ || (n == 0 && (given_ != size_ || skipped_ != skip_))) {
      return InternalError("staged body " + id_ +
                           ": read back a different size");
    }
    out->append(pending_, at_, n);
    at_ += n;
    return n;
  }

 private:
  static Status Ours(const Status& s) {
    return InternalError("staged body: " + s.message());
  }

  store::Store& store_;
  const crypto::Aead& key_;
  const std::string id_;
  const int64_t skip_;
  const int64_t size_;
  std::unique_ptr<ContentReader> reader_;
  std::string pending_;
  size_t at_ = 0;
  int64_t skipped_ = 0;
  int64_t given_ = 0;
  bool ended_ = false;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> Queue::OpenStaged(
    const IncomingMessage& m) {
  if (!m.staged.has_value()) return InternalError("not staged: " + m.id);
  return std::unique_ptr<ByteSource>(std::make_unique<StagedSource>(
      store_, key_, m.id, m.staged->received_size,
      m.staged->size - m.staged->received_size));
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
