// BlindIndexKey: the organisation's eDiscovery index key. A word becomes a
// term of the blind index as HMAC-SHA-256 under this key (RFC 2104), cut to
// its first 8 bytes read as a big-endian signed integer, so the index holds
// no word in clear and nobody without the key can test a guess against it.
// The key is 32 random bytes kept wrapped under the master key (associated
// data kWrapPurpose) in the store's org key table; only the key service
// unwraps it (license/key_service.h).
//
// 8 bytes are enough: a term is looked up, never trusted; two words
// sharing a term (one chance in 2^64 per pair) only widen a search.
//
// Thread-safety: immutable after construction; Terms() is safe from any
// thread (each call has its own hashing state).
#ifndef SEALPOST_CRYPTO_BLIND_INDEX_KEY_H_
#define SEALPOST_CRYPTO_BLIND_INDEX_KEY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/master_key.h"

namespace sealpost::crypto {

class BlindIndexKey {
 public:
  static constexpr size_t kKeySize = 32;
  static constexpr std::string_view kWrapPurpose =
      "sealpost blind index key v1";

  static BlindIndexKey Generate();
  // INVALID_ARGUMENT unless the key is 32 bytes.
  static Result<BlindIndexKey> FromKeyInsecure(SecretBytes key);
  static Result<BlindIndexKey> Unwrap(const MasterKey& master,
                                      std::string_view wrapped);
  Result<std::string> Wrap(const MasterKey& master) const;

  ~BlindIndexKey();
  BlindIndexKey(BlindIndexKey&&) noexcept;
  BlindIndexKey& operator=(BlindIndexKey&&) noexcept;

  // The term of each word, in order.
  std::vector<int64_t> Terms(const std::vector<std::string>& words) const;
  int64_t Term(std::string_view word) const;

 private:
  struct State;  // the key, and SHA-256 already fed its inner and outer pads
  explicit BlindIndexKey(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_BLIND_INDEX_KEY_H_
