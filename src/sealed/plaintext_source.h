// PlaintextSource: the message inside a message.sealed container, decrypted
// a segment at a time as it is read (SealedReader), for a download or a
// `sealpost open` whose size must not decide the memory it takes. The
// container itself comes from another ByteSource (a body file, a row).
//
// Every pass from the first byte verifies the header's signature again and
// authenticates each segment before its plaintext is handed out; the end
// (Read giving 0) comes only once the last segment authenticated, so a
// truncated container fails instead of ending early. Plaintext handed out
// before a failure is authentic but may be a prefix: callers drop what they
// made of it (a download is cut off, a file is not renamed into place).
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_SEALED_PLAINTEXT_SOURCE_H_
#define SEALPOST_SEALED_PLAINTEXT_SOURCE_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "base/byte_source.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/signature.h"
#include "sealed/sealed_reader.h"

namespace sealpost::sealed {

class PlaintextSource : public ByteSource {
 public:
  // Container bytes are read from `container` in slices of this size.
  static constexpr size_t kSlice = 64 * 1024;

  PlaintextSource(std::unique_ptr<ByteSource> container,
                  crypto::Verifier verifier, SecretBytes content_key);

  Status Restart() override;
  // DecryptionFailedError() for any fault in the container.
  Result<size_t> Read(size_t max, std::string* out) override;

 private:
  // Feeds the container until plaintext is ready or it ended.
  Status Fill();

  std::unique_ptr<ByteSource> container_;
  crypto::Verifier verifier_;
  SecretBytes content_key_;
  std::optional<SealedReader> reader_;  // none: not started or restarted
  bool keyed_ = false;                  // header verified, key set
  bool finished_ = false;               // the last segment authenticated
  Status failure_;                      // kept until Restart()
  std::string ready_;                   // plaintext not yet read
  size_t ready_at_ = 0;
  std::string slice_;
};

}  // namespace sealpost::sealed

#endif  // SEALPOST_SEALED_PLAINTEXT_SOURCE_H_
