// SecretBytes: key material, passwords, tokens. Zeroized on destruction, never
// printable: there is no operator<< and no implicit conversion to a string.
// Reading the bytes requires a call whose name says so (Tink, Botan).
//
// Thread-safety: value type; distinct objects may be used from any thread.
#ifndef SEALPOST_BASE_SECRET_BYTES_H_
#define SEALPOST_BASE_SECRET_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace sealpost {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(size_t size) : bytes_(size) {}
  explicit SecretBytes(std::span<const uint8_t> bytes)
      : bytes_(bytes.begin(), bytes.end()) {}
  static SecretBytes FromStringInsecure(std::string_view s);
  ~SecretBytes();

  SecretBytes(const SecretBytes& other) : bytes_(other.bytes_) {}
  SecretBytes& operator=(const SecretBytes& other);
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;

  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Access to the raw bytes, for the crypto layer only.
  std::span<const uint8_t> InsecureBytes() const { return bytes_; }
  std::span<uint8_t> InsecureMutableBytes() { return bytes_; }
  std::string_view InsecureStringView() const {
    return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
  }

 private:
  void Wipe();
  std::vector<uint8_t> bytes_;
};

// Compares in time that depends only on the lengths, not on the contents.
bool ConstantTimeEquals(std::span<const uint8_t> a, std::span<const uint8_t> b);
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace sealpost

#endif  // SEALPOST_BASE_SECRET_BYTES_H_
