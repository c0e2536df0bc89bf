// The pieces of opening a large S/MIME message a slice at a time (issue
// 14, smime::OpenMailStream): its base64 body decoded as it is read, and
// the decrypted entity passed on unless it is S/MIME itself (signed, or
// encrypted again), which is then spooled to be opened as the next layer.
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_SMIME_MAIL_STREAM_H_
#define SEALPOST_SMIME_MAIL_STREAM_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"
#include "crypto/spool.h"
#include "mime/header_section.h"

namespace sealpost::smime {

// A layer refused before anything of it was opened (malformed, cut short,
// not base64): INVALID_ARGUMENT, `what` and then " (nothing was opened)",
// as `sealpost open` says it. Made here only, and marked so (a
// Status::Reason), so that NothingOpenedWhat gives `what` back without
// reading the text: the gateway's verdict on a malformed signed layer
// (CheckSignatureStream) says it without the tail.
Status NothingOpenedError(std::string_view what);
// The `what` of a NothingOpenedError; nullopt for any other status.
std::optional<std::string> NothingOpenedWhat(const Status& s);

// The base64 body of the message `message` gives, after its first `skip`
// bytes (the header section), decoded a slice at a time. Whitespace is
// skipped; any other byte outside the alphabet, data after the padding, or
// an end without its padding (GMime drops it) is INVALID_ARGUMENT (a
// lenient decoder would turn junk into ciphertext).
class Base64BodySource : public ByteSource {
 public:
  Base64BodySource(ByteSource& message, uint64_t skip)
      : in_(message), skip_(skip) {}
  Status Restart() override;
  Result<size_t> Read(size_t max, std::string* out) override;

 private:
  // Decodes raw_ from pos_ into *out until it has `max` more bytes.
  Status Decode(size_t max, size_t start, std::string* out);

  ByteSource& in_;
  uint64_t skip_;
  bool started_ = false, at_end_ = false, padded_ = false;
  std::string raw_;
  size_t pos_ = 0;
  uint32_t quad_ = 0;
  int have_ = 0;  // sextets in quad_
};

// Where the decrypted entity goes: its header section is held first (1
// MiB at most) to see what it is. Not S/MIME: `outer` (the original's
// fields and MIME-Version), then the entity, go to `out` as they come.
// S/MIME (multipart/signed, application/pkcs7-mime): `outer` and the
// entity go to an encrypted temporary spool in `spool_dir` ("" = /tmp),
// to be opened as the next layer (TakeNested).
class EntitySink {
 public:
  EntitySink(std::string outer,
             const std::function<Status(std::string_view)>& out,
             std::string spool_dir)
      : outer_(std::move(outer)), out_(out), spool_dir_(std::move(spool_dir)) {}
  Status Write(std::string_view bytes);
  // After the last byte.
  Status Finish();
  // Whether it was spooled (S/MIME inside); then the message (outer and
  // entity), read from its first byte.
  bool nested() const { return state_ == State::kNested; }
  Result<std::unique_ptr<SizedByteSource>> TakeNested();

 private:
  enum class State { kUndecided, kStreaming, kNested };
  static constexpr size_t kMaxHeader = 1 << 20;  // held at most
  Status Decide();

  std::string outer_;
  const std::function<Status(std::string_view)>& out_;
  std::string spool_dir_;
  State state_ = State::kUndecided;
  std::string held_;
  // Where held_'s header section ends: only the new bytes are looked at
  // (the sender picks the slice size).
  mime::HeaderEnd header_end_{kMaxHeader};
  std::shared_ptr<crypto::Spool> spool_;
};

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_MAIL_STREAM_H_
