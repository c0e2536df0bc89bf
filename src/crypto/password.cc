#include "crypto/password.h"

#include <argon2.h>

#include <algorithm>
#include <semaphore>
#include <thread>

#include "crypto/random.h"

namespace sealpost::crypto {
namespace {
// OWASP's Argon2id floor: 19 MiB, 2 passes, 1 lane.
constexpr uint32_t kMemoryKiB = 19 * 1024;
constexpr uint32_t kPasses = 2;
constexpr uint32_t kLanes = 1;
constexpr size_t kSaltLen = 16;
constexpr size_t kHashLen = 32;

// Hashes at once at most: one per core (two at least). Each holds 19 MiB,
// and the HTTPS handler pool is several times the cores (most of its
// threads wait on the store), so memory stays bounded by the cores.
std::counting_semaphore<>& HashSlots() {
  static std::counting_semaphore<> slots(
      std::max<std::ptrdiff_t>(2, std::thread::hardware_concurrency()));
  return slots;
}

// Thread-safety: one thread's object.
class HashSlot {
 public:
  HashSlot() { HashSlots().acquire(); }
  ~HashSlot() { HashSlots().release(); }
  HashSlot(const HashSlot&) = delete;
  HashSlot& operator=(const HashSlot&) = delete;
};
}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  SecretBytes salt = RandomBytes(kSaltLen);
  size_t len = argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltLen,
                                 kHashLen, Argon2_id);
  std::string encoded(len, '\0');
  HashSlot slot;
  int rc = argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(),
                                 password.size(), salt.InsecureBytes().data(),
                                 kSaltLen, kHashLen, encoded.data(), len);
  if (rc != ARGON2_OK) {
    return InternalError(std::string("argon2: ") + argon2_error_message(rc));
  }
  encoded.resize(encoded.find('\0'));
  return encoded;
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  HashSlot slot;
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) ==
         ARGON2_OK;
}

std::string GeneratePassword() {
  // Redrawn while it starts with '-', which a command line would read as an
  // option (swaks --auth-password -x... fails); 1 in 64 draws.
  std::string password;
  do {
    password = RandomToken(15);
  } while (password.front() == '-');
  return password;
}

}  // namespace sealpost::crypto
