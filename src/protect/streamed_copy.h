// The byte sources of the protection stage's streamed path (issue 14): a
// large message from SMTP is not read whole into memory; it is read from
// its spool file a slice at a time each time a step needs it (its facts,
// its seal, its copy for recipients who get it as it is), and the wrapper
// made for it is read by the queue into its body file the same way.
// Internal to protect/.
//
// Thread-safety: one thread at a time per object.
#ifndef SEALPOST_PROTECT_STREAMED_COPY_H_
#define SEALPOST_PROTECT_STREAMED_COPY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/byte_spool.h"
#include "base/prefixed_source.h"
#include "base/status.h"
#include "mime/wrapper.h"

namespace sealpost::protect {

// `prefix`, then `rest` from its byte `skip` on: the client's message with
// header fields in front (a rule's added headers) and, when its header
// section was rewritten (the reserved X-Sealpost-* fields removed), the
// new section in place of its first `skip` bytes. A failure of `rest` (a
// spool file changed or cut: the generic decryption error, which would be
// a permanent 5xx) is INTERNAL: ours, the client retries (451).
class SpooledOriginal final : public ByteSource {
 public:
  // `owner`, if given, is the spool `rest` reads (kept alive as long as
  // this source: a reader may be used only while its spool lives).
  SpooledOriginal(std::string prefix, int64_t skip,
                  std::unique_ptr<ByteSource> rest,
                  std::shared_ptr<ByteSpool> owner = nullptr)
      : owner_(std::move(owner)),
        source_(std::move(prefix), skip, std::move(rest)) {}

  Status Restart() override;
  Result<size_t> Read(size_t max, std::string* out) override;

 private:
  std::shared_ptr<ByteSpool> owner_;  // declared first: outlives source_
  PrefixedSource source_;
};

// A fault of the spool file's side (the message read back from it): 451
// (INTERNAL), never a verdict on the message or a 5xx.
Status SpoolFileError(const Status& status);

// `spool` read back from its first byte as a SpooledOriginal (`prefix`
// in front, its first `skip` bytes left out): one that cannot be opened
// is INTERNAL too (451).
Result<std::unique_ptr<ByteSource>> OpenSpooled(ByteSpool& spool,
                                                std::string prefix,
                                                int64_t skip = 0);
// The same for a spool the source keeps alive (one that no run holds: a
// remove-protection's plaintext, read by the queue after the step that
// made it returned).
Result<std::unique_ptr<ByteSource>> OpenSpooled(
    std::shared_ptr<ByteSpool> spool, std::string prefix);

// A wrapper made a slice at a time (mime::WrapperStream), with `prefix`
// (a rule's added header fields) in front, read once: Restart fails.
class WrapperSource final : public ByteSource {
 public:
  WrapperSource(std::string prefix, std::unique_ptr<mime::WrapperStream> mail)
      : prefix_(std::move(prefix)), mail_(std::move(mail)) {}

  int64_t size() const {
    return static_cast<int64_t>(prefix_.size()) + mail_->size();
  }
  Status Restart() override;
  Result<size_t> Read(size_t max, std::string* out) override;

 private:
  std::string prefix_;
  std::unique_ptr<mime::WrapperStream> mail_;
  size_t prefix_at_ = 0;
  bool started_ = false;
};

// Whether `mail` holds `needle` (lower case ASCII) anywhere, in any case,
// read a slice at a time.
Result<bool> SourceMentions(ByteSource& mail, std::string_view needle);

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_STREAMED_COPY_H_
