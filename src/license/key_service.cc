#include "license/key_service.h"

#include <cstdio>
#include <optional>

#include "base/files.h"
#include "base/log.h"

namespace sealpost::license {
namespace {

constexpr std::string_view kKind = "org";
constexpr std::string_view kIndexKind = "index";
constexpr size_t kPublicKeySize = 32;

}  // namespace

Result<crypto::MasterKey> LoadMasterKey(const std::string& path, bool create) {
  auto text = ReadFile(path);
  if (text.ok()) {
    auto key = crypto::MasterKey::FromFileContents(*text);
    if (!key.ok()) {
      return InvalidArgumentError("master key file " + path +
                                  " does not hold a 32-byte key (raw, hex "
                                  "or base64)");
    }
    return key;
  }
  if (text.status().code() != StatusCode::kNotFound || !create) {
    return text.status().WithContext("reading the master key");
  }
  crypto::MasterKey key = crypto::MasterKey::Generate();
  SP_RETURN_IF_ERROR(WriteFileAtomic(path, key.EncodeInsecure() + "\n", 0600));
  log::Warn(
      "created a new master key at {}: back it up, without it "
      "protected mail cannot be opened",
      path);
  return key;
}

namespace {

Result<std::vector<crypto::WrappedOrgKey>> ToWrappedOrgKeys(
    const std::vector<store::OrgKeyRecord>& records) {
  std::vector<crypto::WrappedOrgKey> versions;
  for (const auto& r : records) {
    if (r.wrapped.size() < kPublicKeySize) {
      return DataLossError("org key version " + std::to_string(r.version) +
                           " is corrupt");
    }
    versions.push_back({static_cast<uint32_t>(r.version),
                        r.wrapped.substr(kPublicKeySize),
                        r.wrapped.substr(0, kPublicKeySize)});
  }
  return versions;
}

}  // namespace

Result<std::vector<store::OrgKeyRecord>> ListOrgKeyRecords(
    store::Store& store) {
  return store.ListOrgKeys(kKind);
}

Status AddOrgKeyRecord(store::Store& store, store::OrgKeyRecord record) {
  record.kind = std::string(kKind);
  return store.AddOrgKey(record);
}

Status CheckOrgKeysOpen(const crypto::MasterKey& master,
                        const std::vector<store::OrgKeyRecord>& records) {
  if (records.empty()) return Status::Ok();
  SP_ASSIGN_OR_RETURN(auto versions, ToWrappedOrgKeys(records));
  if (!crypto::KeyHierarchy::Load(master, versions).ok()) {
    return FailedPreconditionError(
        "cannot unwrap the org keys: is this the master key they were "
        "created with?");
  }
  return Status::Ok();
}

std::string FingerprintText(uint32_t fingerprint) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", fingerprint);
  return buf;
}

Result<crypto::MasterKey> LoadMasterKeyForStore(
    const std::string& path, store::Store& store,
    const std::vector<std::string>& other_wrapped) {
  // The fingerprint every blob names (docs/format.md §1, §4): the key id of
  // an Aead ciphertext under the master key.
  std::vector<std::string> blobs = other_wrapped;
  SP_ASSIGN_OR_RETURN(auto records, store.ListOrgKeys(kKind));
  for (const auto& r : records) {
    if (r.wrapped.size() > kPublicKeySize) {
      blobs.push_back(r.wrapped.substr(kPublicKeySize));
    }
  }
  std::optional<uint32_t> expected;
  for (const auto& b : blobs) {
    if (auto id = crypto::Aead::CiphertextKeyId(b); id.ok()) {
      expected = *id;
      break;
    }
  }
  if (!expected.has_value()) return LoadMasterKey(path, true);
  auto key = LoadMasterKey(path, false);
  if (!key.ok()) {
    if (key.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError(
          "master key file " + path +
          " is missing, but the store holds keys wrapped under master key " +
          FingerprintText(*expected) +
          ": restore that key file (or `sealpost rms import-key`); a new "
          "master key would not open them, so none is created");
    }
    return key.status();
  }
  if (key->fingerprint() != *expected) {
    return FailedPreconditionError(
        "master key file " + path + " holds master key " +
        FingerprintText(key->fingerprint()) +
        ", but the store's keys are wrapped under master key " +
        FingerprintText(*expected) +
        ": wrong key file (keys.master_key_file)? Restore the right one or "
        "`sealpost rms import-key`");
  }
  return key;
}

Status KeyService::Load() {
  SP_ASSIGN_OR_RETURN(auto records, store_.ListOrgKeys(kKind));
  if (records.empty()) return Status::Ok();
  SP_ASSIGN_OR_RETURN(auto versions, ToWrappedOrgKeys(records));
  auto keys = crypto::KeyHierarchy::Load(master_, versions);
  if (!keys.ok()) {
    return FailedPreconditionError(
        "cannot unwrap the org keys: is this the master key they were "
        "created with?");
  }
  MutexLock lock(&mu_);
  keys_ = std::shared_ptr<crypto::KeyHierarchy>(std::move(*keys));
  return Status::Ok();
}

bool KeyService::active() const {
  MutexLock lock(&mu_);
  return keys_ != nullptr;
}

Status KeyService::Persist(const crypto::WrappedOrgKey& key) {
  return store_.AddOrgKey({std::string(kKind), static_cast<int>(key.version),
                           key.signing_public_key + key.wrapped, true, 0});
}

Status KeyService::Activate() {
  MutexLock lock(&mu_);
  if (keys_ != nullptr) {
    return AlreadyExistsError("rights management is already active");
  }
  SP_ASSIGN_OR_RETURN(auto keys, crypto::KeyHierarchy::Create(master_));
  for (const auto& k : keys->WrappedKeys()) SP_RETURN_IF_ERROR(Persist(k));
  keys_ = std::shared_ptr<crypto::KeyHierarchy>(std::move(keys));
  return Status::Ok();
}

Result<uint32_t> KeyService::Rotate() {
  MutexLock lock(&mu_);
  if (keys_ == nullptr) {
    return FailedPreconditionError(
        "rights management is not active: run `sealpost rms activate`");
  }
  // The new version becomes primary only once it is stored: rotate a copy,
  // store its key, then swap (callers keep the hierarchy they hold). Were
  // the live one rotated first, a failed write would leave content keys
  // wrapped under a version no restart can load.
  SP_ASSIGN_OR_RETURN(
      auto next, crypto::KeyHierarchy::Load(master_, keys_->WrappedKeys()));
  SP_ASSIGN_OR_RETURN(crypto::WrappedOrgKey key, next->Rotate());
  SP_RETURN_IF_ERROR(Persist(key));
  keys_ = std::shared_ptr<crypto::KeyHierarchy>(std::move(next));
  return key.version;
}

uint32_t KeyService::primary_version() const {
  MutexLock lock(&mu_);
  return keys_ ? keys_->primary_version() : 0;
}

int KeyService::version_count() const {
  MutexLock lock(&mu_);
  return keys_ ? static_cast<int>(keys_->WrappedKeys().size()) : 0;
}

Result<std::shared_ptr<const crypto::KeyHierarchy>> KeyService::Keys() const {
  MutexLock lock(&mu_);
  if (keys_ == nullptr) {
    return FailedPreconditionError(
        "rights management is not active: run `sealpost rms activate`");
  }
  return std::shared_ptr<const crypto::KeyHierarchy>(keys_);
}

Result<std::string> KeyService::WrapSecret(const SecretBytes& secret,
                                           std::string_view purpose) const {
  return master_.Wrap(secret, purpose);
}

Result<SecretBytes> KeyService::UnwrapSecret(std::string_view wrapped,
                                             std::string_view purpose) const {
  return master_.Unwrap(wrapped, purpose);
}

Result<std::shared_ptr<const crypto::BlindIndexKey>> KeyService::IndexKey() {
  MutexLock lock(&mu_);
  if (index_key_ != nullptr) return index_key_;
  // Twice at most: another node may store version 1 between our read and
  // our write; its key is then the one.
  for (int attempt = 0; attempt < 2; ++attempt) {
    SP_ASSIGN_OR_RETURN(auto records, store_.ListOrgKeys(kIndexKind));
    if (!records.empty()) {
      auto key =
          crypto::BlindIndexKey::Unwrap(master_, records.front().wrapped);
      if (!key.ok()) {
        return FailedPreconditionError(
            "cannot unwrap the search index key: is this the master key it "
            "was created with?");
      }
      index_key_ =
          std::make_shared<const crypto::BlindIndexKey>(std::move(*key));
      return index_key_;
    }
    crypto::BlindIndexKey fresh = crypto::BlindIndexKey::Generate();
    SP_ASSIGN_OR_RETURN(std::string wrapped, fresh.Wrap(master_));
    if (store_.AddOrgKey({std::string(kIndexKind), 1, wrapped, true, 0}).ok()) {
      index_key_ =
          std::make_shared<const crypto::BlindIndexKey>(std::move(fresh));
      return index_key_;
    }
  }
  return UnavailableError("the search index key cannot be stored");
}

}  // namespace sealpost::license
