#include "crypto/keyset.h"

#include <utility>

#include "crypto/errors.h"

namespace sealpost::crypto {
namespace {

// "SPKS" | format 0x01 | primary id (4) | count (4) | count x (id (4) | key)
constexpr std::string_view kMagic = "SPKS";
constexpr uint8_t kFormat = 0x01;
constexpr size_t kMaxKeys = 1 << 16;

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    *out += static_cast<char>((v >> shift) & 0xff);
  }
}

uint32_t GetU32(std::string_view s) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(s[i]);
  return v;
}

}  // namespace

Keyset Keyset::Generate() {
  Keyset ks;
  ks.Rotate();
  return ks;
}

uint32_t Keyset::Rotate() {
  uint32_t id = keys_.empty() ? 1 : keys_.rbegin()->first + 1;
  keys_.emplace(id, Aead::Generate(id));
  primary_ = id;
  return id;
}

std::vector<uint32_t> Keyset::key_ids() const {
  std::vector<uint32_t> ids;
  for (const auto& [id, aead] : keys_) ids.push_back(id);
  return ids;
}

Result<Aead> Keyset::GetAead(uint32_t key_id) const {
  auto it = keys_.find(key_id);
  if (it == keys_.end()) return NotFoundError("no such key version");
  return it->second;
}

Result<std::string> Keyset::Encrypt(std::string_view plaintext,
                                    std::string_view associated_data) const {
  auto it = keys_.find(primary_);
  if (it == keys_.end()) return FailedPreconditionError("empty keyset");
  return it->second.Encrypt(plaintext, associated_data);
}

Result<std::string> Keyset::Decrypt(std::string_view ciphertext,
                                    std::string_view associated_data) const {
  auto id = Aead::CiphertextKeyId(ciphertext);
  if (!id.ok()) return DecryptionFailedError();
  auto it = keys_.find(*id);
  if (it == keys_.end()) return DecryptionFailedError();
  return it->second.Decrypt(ciphertext, associated_data);
}

std::string Keyset::SerializeInsecure() const {
  std::string out(kMagic);
  out += static_cast<char>(kFormat);
  PutU32(&out, primary_);
  PutU32(&out, static_cast<uint32_t>(keys_.size()));
  for (const auto& [id, aead] : keys_) {
    PutU32(&out, id);
    out.append(aead.KeyInsecure().InsecureStringView());
  }
  return out;
}

Result<Keyset> Keyset::ParseInsecure(std::string_view s) {
  const Status bad = InvalidArgumentError("malformed keyset");
  if (s.size() < 13 || s.substr(0, 4) != kMagic ||
      static_cast<uint8_t>(s[4]) != kFormat) {
    return bad;
  }
  uint32_t primary = GetU32(s.substr(5));
  uint32_t count = GetU32(s.substr(9));
  s.remove_prefix(13);
  if (count == 0 || count > kMaxKeys ||
      s.size() != static_cast<size_t>(count) * (4 + Aead::kKeySize)) {
    return bad;
  }
  Keyset ks;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t id = GetU32(s);
    SP_ASSIGN_OR_RETURN(Aead aead,
                        Aead::FromKey(id, SecretBytes::FromStringInsecure(
                                              s.substr(4, Aead::kKeySize))));
    if (!ks.keys_.emplace(id, std::move(aead)).second) return bad;
    s.remove_prefix(4 + Aead::kKeySize);
  }
  if (!ks.keys_.contains(primary)) return bad;
  ks.primary_ = primary;
  return ks;
}

}  // namespace sealpost::crypto
