#include "smime/client_mail.h"

#include <algorithm>
#include <optional>

#include "crypto/random.h"
#include "mime/facts.h"
#include "smime/enveloped_mail.h"
#include "smime/signed_mail.h"

namespace sealpost::smime {
namespace {

// Sign, encrypt, sign again: three layers at most are made here (triple
// wrap), so four are plenty to open; more is someone's attempt to make the
// server work.
constexpr int kMaxLayers = 4;

std::string NewBoundary() { return "=_sp_signed_" + crypto::RandomToken(12); }

}  // namespace

Result<OpenedMail> OpenMail(CertificateDirectory& certs,
                            std::string_view message,
                            std::string_view address) {
  OpenedMail out;
  // The original's fields stay outside every layer (RFC 8551 §3.1).
  const std::string outer =
      SplitEntity(message).outer_fields + "MIME-Version: 1.0\r\n";
  std::string current(message);
  int layers = 0;
  for (; layers < kMaxLayers; ++layers) {
    auto facts = mime::ExtractFacts(current, 0);
    if (!facts.ok()) break;
    if (facts->claims_smime_encrypted) {
      SP_ASSIGN_OR_RETURN(std::optional<Decrypted> d,
                          certs.DecryptFor(address, facts->smime_content));
      if (!d) {
        return PermissionDeniedError(
            "no private key of " + std::string(address) +
            " on file opens this message (it was not encrypted to your "
            "certificate, or your key is not on file)");
      }
      out.certificate_id = d->certificate_id;
      current = outer + d->content;
      continue;
    }
    SP_ASSIGN_OR_RETURN(std::optional<SignatureCheck> check,
                        CheckSignature(certs, current));
    if (!check) break;
    std::string content = std::move(check->content);
    out.signatures.push_back(std::move(*check));
    // A signature that does not verify leaves its layer as it came.
    if (content.empty()) break;
    current = outer + content;
  }
  if (layers == 0 && out.signatures.empty()) {
    return InvalidArgumentError(
        "not S/MIME mail (no application/pkcs7-mime or multipart/signed "
        "at the top)");
  }
  out.message = std::move(current);
  return out;
}

Result<SmimeMail> ProtectMail(CertificateDirectory& certs,
                              std::string_view original,
                              std::string_view sender,
                              const std::vector<std::string>& recipients,
                              bool sign, const SmimeOptions& options) {
  if (recipients.empty()) return InvalidArgumentError("no recipient");
  SP_ASSIGN_OR_RETURN(std::vector<Lookup> lookups,
                      certs.ForRecipients(recipients));
  SmimeMail out;
  std::vector<std::string> ders;
  std::string missing;
  for (size_t i = 0; i < recipients.size(); ++i) {
    if (!lookups[i].certificate) {
      missing += (missing.empty() ? "" : "; ") + lookups[i].reason;
      continue;
    }
    ders.push_back(lookups[i].certificate->der);
    out.certificate_ids.push_back(lookups[i].certificate->id);
  }
  if (!missing.empty()) {
    return FailedPreconditionError(
        "no usable S/MIME certificate for every recipient, nothing was "
        "made: " +
        missing);
  }
  SP_ASSIGN_OR_RETURN(auto own, certs.ForRecipients({std::string(sender)}));
  if (own.front().certificate &&
      std::find(ders.begin(), ders.end(), own.front().certificate->der) ==
          ders.end()) {
    ders.push_back(own.front().certificate->der);
    out.certificate_ids.push_back(own.front().certificate->id);
  }
  std::optional<SigningIdentity> signer;
  if (sign || options.always_sign) {
    auto id = certs.SigningIdentityFor(sender, options.chain);
    if (id.ok()) {
      signer = std::move(*id);
      out.signer_id = signer->id;
    } else if (id.status().code() != StatusCode::kNotFound) {
      return id.status();
    } else if (sign) {
      return FailedPreconditionError("cannot sign as " + std::string(sender) +
                                     ": " + id.status().message());
    } else {
      out.note = "not signed: " + id.status().message();
    }
  }
  EntitySplit split = SplitEntity(original);
  std::string entity = std::move(split.entity);
  if (signer) {
    SP_ASSIGN_OR_RETURN(entity,
                        SignEntity(entity, *signer, NewBoundary(), options));
  }
  SP_ASSIGN_OR_RETURN(entity, EncryptToEntity(entity, ders, options.cipher));
  if (signer && options.triple_wrap) {
    SP_ASSIGN_OR_RETURN(entity,
                        SignEntity(entity, *signer, NewBoundary(), options));
  }
  out.message = split.outer_fields + "MIME-Version: 1.0\r\n" + entity;
  return out;
}

}  // namespace sealpost::smime
