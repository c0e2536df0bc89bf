// ByteSource: bytes read forward a slice at a time, from the first byte again
// whenever asked: a large message that is never whole in memory (a stored
// container, the plaintext decrypted from it as it is read). A reader that
// must go back (GMime finding a part, then reading it) restarts the source.
//
// Thread-safety: one thread at a time.
#ifndef SEALPOST_BASE_BYTE_SOURCE_H_
#define SEALPOST_BASE_BYTE_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/status.h"

namespace sealpost {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Back to the first byte.
  virtual Status Restart() = 0;
  // Appends up to `max` bytes (max > 0) to *out and says how many; 0 only at
  // the end, and only once the source knows that end is the real one (a
  // decrypting source: the last segment authenticated).
  virtual Result<size_t> Read(size_t max, std::string* out) = 0;
};

// A ByteSource whose size is known before its first byte is read: a file
// (FileReader), bytes in memory (StringSource), a stored body
// (store::BodyReader).
class SizedByteSource : public ByteSource {
 public:
  // Its size in bytes.
  virtual int64_t size() const = 0;
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_BYTE_SOURCE_H_
