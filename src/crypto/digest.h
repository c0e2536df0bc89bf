// SHA-256 digests (for token hashes, fingerprints and what a signature
// covers; not for passwords).
//
// Thread-safety: pure functions; a Sha256Hasher is used by one thread at a
// time.
#ifndef SEALPOST_CRYPTO_DIGEST_H_
#define SEALPOST_CRYPTO_DIGEST_H_

#include <memory>
#include <string>
#include <string_view>

namespace sealpost::crypto {

// 32 raw bytes.
std::string Sha256(std::string_view data);
// 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// SHA-256 over data given in pieces, so a large input need not be copied
// into one buffer first.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;

  void Update(std::string_view data);
  // 32 raw bytes; the hasher is spent afterwards.
  std::string Finish();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_DIGEST_H_
