// RightsStore: org keys, protected messages and their portal copies, one
// area of Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_RIGHTS_STORE_H_
#define SEALPOST_STORE_RIGHTS_STORE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/rights_records.h"

namespace sealpost::store {

class RightsStore {
 public:
  virtual ~RightsStore() = default;

  // Adds a key version and makes it the primary of its kind, atomically.
  virtual Status AddOrgKey(const OrgKeyRecord& key) = 0;
  virtual Result<std::vector<OrgKeyRecord>> ListOrgKeys(
      std::string_view kind) = 0;
  // Writes the grants, expiry and revocation of `m`, a record that exists
  // (its other fields are not written); NOT_FOUND when it does not, as
  // when it was shredded since it was read: never inserted again. A
  // revocation, an admin's expiry and the policy's stay against a write
  // that is not theirs (kProtectedMessageUpdate).
  virtual Status UpdateProtectedMessage(const ProtectedMessageRecord& m) = 0;
  // A new protected message, its audit record and portal copy in one
  // transaction. (The gateway's go with its queue commit instead:
  // QueueBatch::protected_messages.) One made of another (`parent_id`)
  // only while that one is there: NOT_FOUND once it was shredded, so that
  // a forward made as its original is shredded does not outlive it.
  virtual Status AddProtectedMessage(const NewProtectedMessage& m) = 0;
  // The sealed container kept for the portal; nullopt when none was kept.
  virtual Result<std::optional<std::string>> GetPortalCopy(
      std::string_view id) = 0;
  virtual Result<std::optional<ProtectedMessageRecord>> GetProtectedMessage(
      std::string_view id) = 0;
  // Newest first; `owner` filters when not empty.
  virtual Result<std::vector<ProtectedMessageRecord>> ListProtectedMessages(
      std::string_view owner, int limit) = 0;
  virtual Result<std::vector<ProtectedMessageRecord>> QueryProtectedMessages(
      const ProtectedMessageQuery& query) = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_RIGHTS_STORE_H_
