#include "license/key_backup.h"

#include "license/key_service.h"

namespace sealpost::license {
namespace {

constexpr std::string_view kMagic = "SPKB";
constexpr uint8_t kVersion = 0x01;
constexpr size_t kMaxVersions = 65536;

void PutUint(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) {
    out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
}

// Reads big-endian integers and byte strings off the front of `in`.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Uint(int bytes, uint64_t* v) {
    if (in_.size() < static_cast<size_t>(bytes)) return false;
    *v = 0;
    for (int i = 0; i < bytes; ++i) {
      *v = (*v << 8) | static_cast<uint8_t>(in_[i]);
    }
    in_.remove_prefix(bytes);
    return true;
  }
  bool Bytes(size_t n, std::string_view* out) {
    if (in_.size() < n) return false;
    *out = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

Result<std::string> SealKeyBackup(
    const crypto::MasterKey& master,
    const std::vector<store::OrgKeyRecord>& org_keys,
    std::string_view passphrase, const crypto::Argon2Params& params) {
  if (passphrase.size() < kMinBackupPassphrase) {
    return InvalidArgumentError("the passphrase must have at least " +
                                std::to_string(kMinBackupPassphrase) +
                                " characters");
  }
  SP_RETURN_IF_ERROR(CheckOrgKeysOpen(master, org_keys));
  std::string payload(kMagic);
  payload.push_back(static_cast<char>(kVersion));
  payload.append(master.KeyInsecure().InsecureStringView());
  PutUint(payload, org_keys.size(), 4);
  for (const auto& k : org_keys) {
    PutUint(payload, static_cast<uint32_t>(k.version), 4);
    payload.push_back(k.is_primary ? 1 : 0);
    PutUint(payload, static_cast<uint64_t>(k.created_at), 8);
    PutUint(payload, k.wrapped.size(), 4);
    payload.append(k.wrapped);
  }
  SecretBytes plain = SecretBytes::FromStringInsecure(payload);
  std::fill(payload.begin(), payload.end(), '\0');
  return crypto::SealWithPassphrase(plain, passphrase, params);
}

Result<KeyBackup> OpenKeyBackup(std::string_view file,
                                std::string_view passphrase) {
  SP_ASSIGN_OR_RETURN(SecretBytes plain,
                      crypto::OpenWithPassphrase(file, passphrase));
  Reader r(plain.InsecureStringView());
  std::string_view magic, key;
  uint64_t version = 0, count = 0;
  if (!r.Bytes(4, &magic) || magic != kMagic || !r.Uint(1, &version)) {
    return DataLossError("the key backup's contents are not a key backup");
  }
  if (version != kVersion) {
    return InvalidArgumentError("key backup contents of version " +
                                std::to_string(version) +
                                "; this build reads 1");
  }
  if (!r.Bytes(crypto::MasterKey::kSize, &key) || !r.Uint(4, &count) ||
      count > kMaxVersions) {
    return DataLossError("the key backup is truncated");
  }
  SP_ASSIGN_OR_RETURN(crypto::MasterKey master,
                      crypto::MasterKey::FromFileContents(key));
  KeyBackup backup{std::move(master), {}};
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t v = 0, primary = 0, created = 0, size = 0;
    std::string_view wrapped;
    if (!r.Uint(4, &v) || !r.Uint(1, &primary) || !r.Uint(8, &created) ||
        !r.Uint(4, &size) || !r.Bytes(size, &wrapped)) {
      return DataLossError("the key backup is truncated");
    }
    backup.org_keys.push_back({"org", static_cast<int>(v), std::string(wrapped),
                               primary != 0, static_cast<int64_t>(created)});
  }
  if (!r.done()) return DataLossError("the key backup has trailing bytes");
  if (!CheckOrgKeysOpen(backup.master, backup.org_keys).ok()) {
    return DataLossError(
        "the key backup's org keys do not open under its master key");
  }
  return backup;
}

}  // namespace sealpost::license
