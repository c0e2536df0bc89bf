#include "sealed/container.h"

#include <string>
#include <unordered_set>

#include "base/thread_annotations.h"
#include "crypto/digest.h"
#include "crypto/errors.h"

namespace sealpost::sealed {
namespace {

constexpr std::string_view kIncomplete = "incomplete sealed header";

}  // namespace

std::string MakeSignedHeader(std::string_view license_bytes) {
  std::string out(kMagic);
  out += static_cast<char>(kFormatVersion);
  uint32_t n = static_cast<uint32_t>(license_bytes.size());
  for (int shift = 24; shift >= 0; shift -= 8) {
    out += static_cast<char>((n >> shift) & 0xff);
  }
  out.append(license_bytes);
  return out;
}

bool LooksSealed(std::string_view bytes) {
  return bytes.size() > kMagic.size() && bytes.starts_with(kMagic) &&
         static_cast<uint8_t>(bytes[kMagic.size()]) == kFormatVersion;
}

bool IsIncompleteHeader(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition &&
         status.message() == kIncomplete;
}

Result<SealedHeader> ParseSealedHeader(std::string_view bytes, size_t* needed) {
  if (needed != nullptr) *needed = kPrefixSize;
  size_t magic_seen = std::min(bytes.size(), kMagic.size());
  if (bytes.substr(0, magic_seen) != kMagic.substr(0, magic_seen)) {
    return InvalidArgumentError("not a Sealpost sealed message");
  }
  if (bytes.size() > kMagic.size() &&
      static_cast<uint8_t>(bytes[kMagic.size()]) != kFormatVersion) {
    return InvalidArgumentError(
        "unsupported sealed message version " +
        std::to_string(static_cast<uint8_t>(bytes[kMagic.size()])));
  }
  if (bytes.size() < kPrefixSize) {
    return FailedPreconditionError(std::string(kIncomplete));
  }
  uint32_t n = 0;
  for (size_t i = kMagic.size() + 1; i < kPrefixSize; ++i) {
    n = (n << 8) | static_cast<uint8_t>(bytes[i]);
  }
  if (n == 0 || n > kMaxLicenseSize) return crypto::DecryptionFailedError();
  size_t total = kPrefixSize + n + crypto::kEd25519SignatureSize;
  if (needed != nullptr) *needed = total;
  if (bytes.size() < total) {
    return FailedPreconditionError(std::string(kIncomplete));
  }
  auto license = ParseLicense(bytes.substr(kPrefixSize, n));
  if (!license.ok()) return crypto::DecryptionFailedError();
  SealedHeader h;
  h.license = std::move(license).value();
  h.signed_header = std::string(bytes.substr(0, kPrefixSize + n));
  h.signature =
      std::string(bytes.substr(kPrefixSize + n, crypto::kEd25519SignatureSize));
  h.size = total;
  return h;
}

namespace {

// Headers whose signature checked out, by SHA-256 of the public key, the
// signature and the signed bytes (the first two have fixed sizes). A
// container opened again is not verified again: the portal acquires a
// license (one check) and then opens the container (a second), and readers
// come back. An Ed25519 check costs about a hundred times the digest.
// Only successes are kept; the set is emptied when full.
// Thread-safety: thread-safe.
class VerifiedHeaders {
 public:
  bool Contains(const std::string& digest) {
    MutexLock lock(&mu_);
    return seen_.count(digest) != 0;
  }
  void Add(std::string digest) {
    MutexLock lock(&mu_);
    if (seen_.size() >= kMax) seen_.clear();
    seen_.insert(std::move(digest));
  }

 private:
  static constexpr size_t kMax = 4096;
  Mutex mu_;
  std::unordered_set<std::string> seen_ SP_GUARDED_BY(mu_);
};

VerifiedHeaders& Verified() {
  static VerifiedHeaders* v = new VerifiedHeaders;
  return *v;
}

}  // namespace

Status VerifySealedHeader(const SealedHeader& header,
                          const crypto::Verifier& verifier) {
  std::string public_key = verifier.PublicKey();
  const bool fixed = header.signature.size() == crypto::kEd25519SignatureSize &&
                     public_key.size() == crypto::kEd25519PublicKeySize;
  std::string digest;
  if (fixed) {
    digest =
        crypto::Sha256(public_key + header.signature + header.signed_header);
    if (Verified().Contains(digest)) return Status::Ok();
  }
  if (!verifier.Verify(header.signature, header.signed_header).ok()) {
    return crypto::DecryptionFailedError();
  }
  if (fixed) Verified().Add(std::move(digest));
  return Status::Ok();
}

}  // namespace sealpost::sealed
