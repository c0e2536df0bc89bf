// LicenseService's changes of a protected message after it was sealed:
// revocation and expiry, each an update of the record that exists (a
// shred since the read leaves NOT_FOUND), and who may make which.
#include "license/license_service.h"

namespace sealpost::license {

Status LicenseService::Revoke(std::string_view message_id, std::string_view by,
                              bool is_admin) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetProtectedMessage(message_id));
  if (!record.has_value()) {
    return NotFoundError("no protected message " + std::string(message_id));
  }
  if (!is_admin && record->owner != by) {
    return PermissionDeniedError("only the sender or an admin can revoke");
  }
  if (record->revoked_at != 0) {
    return FailedPreconditionError("message " + std::string(message_id) +
                                   " is already revoked");
  }
  record->revoked_at = clock_.NowUnix();
  record->revoked_by = std::string(by);
  // An update, never an insert: a shred since the read leaves NOT_FOUND.
  SP_RETURN_IF_ERROR(store_.UpdateProtectedMessage(*record));
  generation_.fetch_add(1, std::memory_order_acq_rel);
  AuditBestEffort(by, "message.revoke", message_id, "ok", "");
  return Status::Ok();
}

Status LicenseService::SetExpiry(std::string_view message_id,
                                 int64_t expires_at, std::string_view by,
                                 bool is_admin) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetProtectedMessage(message_id));
  if (!record.has_value()) {
    return NotFoundError("no protected message " + std::string(message_id));
  }
  if (!is_admin && record->owner != by) {
    return PermissionDeniedError(
        "only the sender or an admin can change the expiry");
  }
  // An expiry an admin set is the admin's, and so is the organisation's
  // retention once it ended a message: the sender changes neither (was:
  // the sender lifted either, and every reader opened the message again).
  // The policy's (a template's, the branding's) the sender only brings
  // forward (was: taken for the sender's own). The sender's own stays
  // the sender's.
  if (!is_admin && record->expiry_by == store::kAdminExpiry) {
    return FailedPreconditionError("an admin set the expiry of message " +
                                   std::string(message_id) +
                                   ": only an admin can change it");
  }
  if (!is_admin && record->expiry_by == store::kPolicyExpiry &&
      (expires_at == 0 || expires_at > record->expires_at)) {
    return FailedPreconditionError(
        "the organisation's policy set the expiry of message " +
        std::string(message_id) +
        " (its template, or the branding's ExternalMailExpiryInDays): its "
        "sender can only bring it forward; an admin can change it");
  }
  if (const int64_t retained = ExpiryOf(*record);
      !is_admin && record->expires_at == 0 && retained != 0 &&
      clock_.NowUnix() >= retained) {
    return FailedPreconditionError(
        "message " + std::string(message_id) +
        " expired under the organisation's retention (portal.retention_days): "
        "only an admin can give it a new expiry");
  }
  record->expires_at = expires_at;
  if (is_admin) {
    record->expiry_by = std::string(store::kAdminExpiry);
  } else if (record->expiry_by != store::kPolicyExpiry) {
    record->expiry_by.clear();  // the sender's own
  }
  // An update, never an insert: a shred since the read leaves NOT_FOUND.
  SP_RETURN_IF_ERROR(store_.UpdateProtectedMessage(*record));
  generation_.fetch_add(1, std::memory_order_acq_rel);
  AuditBestEffort(by, "message.expire", message_id, "ok",
                  "expires_at=" + std::to_string(expires_at));
  return Status::Ok();
}

}  // namespace sealpost::license
