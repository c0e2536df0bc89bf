// The S/MIME rung of the fallback ladder (SPEC §3, docs/smime.md): for the
// recipients of one protected group, who gets an S/MIME copy (a usable
// certificate on file), who falls back to the portal wrapper, and, when a
// rule requires S/MIME, who is refused instead (never sent in clear).
// Each S/MIME recipient gets a copy of their own, encrypted to their
// certificate and the sender's own when on file, so that no recipient's
// certificate (a Bcc's either) shows in another's copy.
//
// Thread-safety: a pure function of its inputs and the directory, which is
// thread-safe.
#ifndef SEALPOST_PROTECT_SMIME_TREATMENT_H_
#define SEALPOST_PROTECT_SMIME_TREATMENT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/status.h"
#include "smime/certificate_directory.h"
#include "smime/smime_config.h"

namespace sealpost::protect {

struct SmimeGroupPlan {
  struct Copy {
    std::string address;
    std::string certificate_id;
    std::string content;  // the S/MIME message (without our Received)
    // PlanSmimeGroupStream's instead of `content`: the message made a
    // slice at a time as it is read (once).
    std::shared_ptr<ByteSource> source;
  };
  struct Left {
    std::string address;
    std::string reason;  // why not S/MIME
  };
  std::vector<Copy> copies;
  std::vector<Left> portal;   // to the wrapper, as before S/MIME existed
  std::vector<Left> refused;  // S/MIME required and not possible: a DSN
};

// `original`: the client's message; `sender`: an internal sender whose
// own certificate is added as a recipient when usable ("" for none).
// Encryption failing for one recipient sends them to the portal, or, when
// S/MIME is required, refuses them: the same outcome as no certificate.
// `subject`, when set, replaces the original's Subject (the sender's
// keyword taken out). With `signer`, each copy is signed, then encrypted
// (RFC 8551 §3.6), and signed again when `options` say triple wrap.
// `options` (Set-SmimeConfig) choose the cipher and how to sign.
Result<SmimeGroupPlan> PlanSmimeGroup(
    smime::CertificateDirectory& certs, std::string_view original,
    const std::vector<std::string>& addresses, std::string_view sender,
    bool required, const std::optional<std::string>& subject = {},
    const smime::SigningIdentity* signer = nullptr,
    const smime::SmimeOptions& options = {});

// PlanSmimeGroup for a message too large to hold (issue 14): its MIME
// entity is read a slice at a time from what `open_entity` opens (an
// smime::EntitySource over its spool, a fresh one for each copy), and
// each copy's `source` makes its S/MIME message as the queue reads it
// into its body file: nothing whole in memory. `prefix` goes in front (a
// rule's added fields, the outer fields, MIME-Version). Only signing
// reads the entity here, once (smime::PresignEntity: signed with
// crypto::CmsSignStream, clear or opaque decided on the same bytes), and
// every copy carries that one signature (crypto::CmsStreamWriter::Signed),
// as PlanSmimeGroup's copies carry SignEntity's. A signer key that does not
// parse fails the plan, as in PlanSmimeGroup; a recipient certificate that does
// not parse leaves its recipient as PlanSmimeGroup does; a failure while the
// copy is read fails its staging (the message is refused with 4xx, nothing
// half-written kept).
Result<SmimeGroupPlan> PlanSmimeGroupStream(
    smime::CertificateDirectory& certs,
    const std::function<Result<std::unique_ptr<ByteSource>>()>& open_entity,
    std::string_view prefix, const std::vector<std::string>& addresses,
    std::string_view sender, bool required,
    const smime::SigningIdentity* signer,
    const smime::SmimeOptions& options = {});

// `original` signed by `signer` (smime/signed_mail.h), its outer fields
// kept (Subject replaced by `subject` when set): what a recipient who gets
// the message as is receives under a `sign` rule.
Result<std::string> SignMail(std::string_view original,
                             const smime::SigningIdentity& signer,
                             const std::optional<std::string>& subject,
                             const smime::SmimeOptions& options = {});

}  // namespace sealpost::protect

#endif  // SEALPOST_PROTECT_SMIME_TREATMENT_H_
