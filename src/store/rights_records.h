// The records of rights management: org keys and protected messages
// (RightsStore, rights_store.h).
#ifndef SEALPOST_STORE_RIGHTS_RECORDS_H_
#define SEALPOST_STORE_RIGHTS_RECORDS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "store/audit_store.h"

namespace sealpost::store {

struct OrgKeyRecord {
  std::string kind;  // "wrap" (AES-256 key-wrapping) or "sign" (Ed25519)
  int version = 0;
  std::string wrapped;  // opaque, wrapped under the master key
  bool is_primary = false;
  int64_t created_at = 0;
};

// A message protected by this organisation (its rights, not its content).
// ProtectedMessageRecord::expiry_by of an expiry an admin set, and of one
// the organisation's policy set at protection (a template's expiry_days,
// the branding's ExternalMailExpiryInDays for external recipients). The
// update's SQL (record_rows.h) names them too.
inline constexpr std::string_view kAdminExpiry = "admin";
inline constexpr std::string_view kPolicyExpiry = "policy";

struct ProtectedMessageRecord {
  std::string id;
  std::string owner;  // issuer e-mail
  std::string template_id;
  std::string recipients_json;  // JSON array of addresses
  std::string grants_json;      // concrete grants, JSON
  int64_t created_at = 0;
  int64_t expires_at = 0;  // 0: never
  int64_t revoked_at = 0;  // 0: not revoked
  std::string revoked_by;
  std::string branding;  // OME branding identity of its pages; "" default
  // A portal forward: the message it forwards. Revoking or expiring the
  // parent ends the forward too (license/license_service.cc).
  std::string parent_id;
  // The subject, sealed for the owner by the key service
  // (crypto::KeyHierarchy::EncryptMetadata); empty for messages protected
  // before it was kept. Never the subject in clear.
  std::string subject_sealed;
  // The PIN the sender asked for (X-Sealpost-Pin-Required, or the compose
  // page), sealed like the subject; empty: the message needs no PIN.
  std::string pin_sealed;
  // Who wrote a forward: a reader's forward stays the original sender's
  // (the owner) but is the forwarder's text, and the pages that announce
  // it name the forwarder. Empty: not a forward, or made before it was kept.
  std::string writer;
  // kAdminExpiry when an admin set expires_at: the owner may then no
  // longer change it, and a write of the owner's (a record read before)
  // keeps it (kProtectedMessageUpdate). kPolicyExpiry when the policy gave
  // it at protection: the owner may bring it forward, never lift or extend
  // it. Empty: the owner's, or none.
  std::string expiry_by;
};

// A page of protected messages, newest first (created_at, then id, both
// descending): the keyset after `before_*` when set.
struct ProtectedMessageQuery {
  std::string owner;  // "" for every owner
  // "" (any), "active", "revoked", "expired", judged at `now` on the
  // record itself (a forward whose original ended still shows active).
  std::string state;
  int64_t now = 0;
  int64_t since = 0;  // created_at >= since when not 0
  int64_t until = 0;  // created_at < until when not 0
  // Case-insensitive part of a recipient address ("" for any).
  std::string recipient;
  // The cursor: the last row of the previous page.
  int64_t before_created_at = 0;
  std::string before_id;
  bool skip_probes = false;  // leave out self-test messages ("probe-" ids)
  // Leave out messages made of another that their owner did not write (a
  // reader's forward, an attachment's sealed copy), which end with it; the
  // owner's own forward stays.
  bool skip_children = false;
  int limit = 50;
};

// A protected message's rows as one write: the record, its audit entry and
// the portal copy (the sealed container kept for the web portal; empty:
// none kept; it is encrypted, the content key is wrapped in its license).
struct NewProtectedMessage {
  ProtectedMessageRecord record;
  AuditRecord audit;
  std::string portal_copy;
  // Its terms in the eDiscovery index: keyed hashes (search/blind_index.h),
  // never a word in clear; empty: not indexed.
  std::vector<int64_t> index_terms;
  // The copy was staged with StageBody (and `portal_copy` is empty).
  bool portal_copy_staged = false;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_RIGHTS_RECORDS_H_
