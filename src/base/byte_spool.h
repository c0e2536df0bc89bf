// ByteSpool: bytes written once, front to back, then read back as a
// ByteSource (base/byte_source.h) as often as needed: a message arriving
// over SMTP that is kept out of memory while it arrives (issue 14; the
// concrete spool is queue/spool_file.h, an encrypted temporary file).
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_BASE_BYTE_SPOOL_H_
#define SEALPOST_BASE_BYTE_SPOOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/byte_source.h"
#include "base/status.h"

namespace sealpost {

class ByteSpool : public ByteSource {
 public:
  // Adds bytes at the end. RESOURCE_EXHAUSTED when the disk is full; after
  // any error the spool is unusable.
  virtual Status Append(std::string_view bytes) = 0;
  // No more Append: what was written becomes readable.
  virtual Status Finish() = 0;
  // The bytes appended so far.
  virtual int64_t size() const = 0;
  // After Finish: a reader of its own from the first byte, independent of
  // this object's Read and of other readers (the protection stage parses
  // the message with one while it seals it with another). It fails like
  // Read when the bytes do not read back intact. May be used only while
  // the spool lives.
  virtual Result<std::unique_ptr<ByteSource>> Open() = 0;
};

// All of `source`'s bytes from where it is to its end, which must be
// `expected` bytes: INTERNAL ("spool file: read back a different size")
// otherwise; a read's error as it is.
Result<std::string> ReadSourceWhole(ByteSource& source, int64_t expected);

// Appends `source`'s bytes from where it is to *out until *out holds `max`
// bytes or the source ends (its first bytes, when *out starts empty); a
// read's error as it is, *out keeping what was read before it.
Status ReadSourceUpTo(ByteSource& source, size_t max, std::string* out);

// All of a finished spool's bytes from its first (Restart, then its own
// Read), to its size.
Result<std::string> ReadSpoolWhole(ByteSpool& spool);

}  // namespace sealpost

#endif  // SEALPOST_BASE_BYTE_SPOOL_H_
