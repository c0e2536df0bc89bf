// A mail flow rule's remove-protection (LicenseService::TransportDecrypt):
// the original of the organisation's own protected mail for the recipients
// its license grants, the mail as it came for the others. Only a verified
// wrapper of ours that carries its own container: never the server's copy
// looked up by a name in a header (issue 11 #1), never a container attached
// beside other content. A large wrapper is decrypted from its spool file
// into another, and each copy read from one of them by the queue, never
// whole in memory (issue 14).
#include <algorithm>

#include "base/limits.h"
#include "base/strings.h"
#include "mime/header_section.h"
#include "mime/wrapper.h"
#include "protect/protector.h"
#include "protect/protector_run.h"
#include "protect/streamed_copy.h"

namespace sealpost::protect {

Status Protector::RemoveProtection(Run& run, const policy::RecipientGroup& g,
                                   queue::IncomingMessage msg) {
  // The wrapper as it came, with the rule's header fields in front.
  auto still_protected = [&](queue::IncomingMessage m,
                             std::string why) -> Status {
    std::vector<std::string> addresses;
    for (const auto& r : m.recipients) addresses.push_back(r.address);
    SP_RETURN_IF_ERROR(CopyAsItCame(run, g, m));
    run.out.notes.push_back("deliver still protected (" + why + ") " +
                            JoinAddresses(addresses));
    run.out.messages.push_back(std::move(m));
    return Status::Ok();
  };
  if (!run.wrapper) {
    return still_protected(std::move(msg),
                           "not a wrapper sealed by this organisation");
  }
  Result<license::TransportDecryption> plain =
      InternalError("nothing released");
  std::shared_ptr<ByteSpool> plain_spool;  // a streamed run's plaintext
  if (run.streamed) {
    SP_ASSIGN_OR_RETURN(
        SpooledRelease release,
        ReleaseSpooledWrapper(
            run,
            "remove protection: writing the decrypted copy of " + run.in.id,
            [&](const auto& read, const auto& write, const auto& done) {
              return licenses_.TransportDecryptStreamed(
                  read, run.wrapper->id, g.treatment.decided_by, g.addresses,
                  write, done);
            }));
    plain = std::move(release.released);
    plain_spool = std::move(release.plain);
  } else {
    Result<std::string> container = mime::ExtractSealedAttachment(run.original);
    plain =
        container.ok()
            ? licenses_.TransportDecrypt(*container, run.wrapper->id,
                                         g.treatment.decided_by, g.addresses)
            : Result<license::TransportDecryption>(container.status());
  }
  if (!plain.ok()) {
    // Still protected for good only when refused: no container in the
    // mail, another wrapper's, TransportDecryptionSetting Disabled,
    // revoked, expired, nobody granted. Anything else (the release allowed
    // but not put on the record, the store or the keys failing) is tried
    // again later (451).
    if (!license::LicenseService::IsTransportRefusal(plain.status())) {
      return plain.status();
    }
    return still_protected(std::move(msg), plain.status().message());
  }
  std::vector<std::string> others;
  for (const auto& a : g.addresses) {
    if (std::find(plain->granted.begin(), plain->granted.end(),
                  AsciiLower(a)) == plain->granted.end()) {
      others.push_back(a);
    }
  }
  if (!others.empty()) {
    // A new message, with the rule's require_tls as on the decrypted copy.
    SP_RETURN_IF_ERROR(still_protected(run.GroupMessage(g, others),
                                       "not granted to this recipient"));
  }
  msg.recipients = run.Recipients(plain->granted);
  // A bounce of decrypted mail must not carry it back (RFC 3461 RET=HDRS).
  msg.params.ret = "HDRS";
  if (plain_spool != nullptr) {
    // Read from the plaintext's spool into its queue body file, by the
    // queue after this returns: the source keeps the spool alive.
    // The rule's fields join the plaintext's header section only when
    // GMime holds one (FieldsInFront), decided on its first bytes.
    std::string fields = HeaderFields(g.added_headers);
    if (!fields.empty()) {
      std::string head;
      Result<std::unique_ptr<ByteSource>> reader = plain_spool->Open();
      Status read =
          reader.ok()
              ? ReadSourceUpTo(**reader,
                               static_cast<size_t>(kStreamedHeadBytes), &head)
              : reader.status();
      if (!read.ok()) return SpoolFileError(read);
      fields += mime::SeparatorAfterAddedFields(head);
    }
    msg.content_size =
        plain_spool->size() + static_cast<int64_t>(fields.size());
    SP_ASSIGN_OR_RETURN(msg.content_source,
                        OpenSpooled(std::move(plain_spool), std::move(fields)));
  } else {
    msg.content = AddHeaders(std::move(plain->original), g.added_headers);
  }
  run.out.notes.push_back("remove protection for " +
                          JoinAddresses(plain->granted));
  run.out.messages.push_back(std::move(msg));
  return Status::Ok();
}

}  // namespace sealpost::protect
