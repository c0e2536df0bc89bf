#include "smime/recipient_check.h"

#include <algorithm>

#include "base/clock.h"
#include "crypto/random.h"
#include "crypto/smime_cms.h"

namespace sealpost::smime {
namespace {

std::string_view CipherName(crypto::CmsCipher c) {
  switch (c) {
    case crypto::CmsCipher::kAes128Cbc:
      return "AES-128-CBC";
    case crypto::CmsCipher::kAes192Cbc:
      return "AES-192-CBC";
    case crypto::CmsCipher::kAes256Gcm:
      return "AES-256-GCM AuthEnvelopedData";
    case crypto::CmsCipher::kAes256Cbc:
      break;
  }
  return "AES-256-CBC";
}

}  // namespace

Result<std::vector<TestStep>> TestRecipient(CertificateDirectory& certs,
                                            std::string_view address,
                                            const SmimeOptions& options) {
  std::vector<TestStep> steps;
  std::string who(address);
  SP_ASSIGN_OR_RETURN(auto lookups, certs.ForRecipients({who}));
  const Lookup& l = lookups.front();
  if (!l.certificate) {
    steps.push_back(
        {"Find the certificate for " + who, false, false,
         l.reason + " (see `sealpost cert list --email " + who + "`)"});
    return steps;
  }
  const std::string& id = l.certificate->id;
  SP_ASSIGN_OR_RETURN(CertView view, certs.Get(id));
  steps.push_back({"Find the certificate for " + who, true, false,
                   "certificate " + id.substr(0, 16) + ", " +
                       view.record.subject + ", valid until " +
                       FormatRfc3339(view.record.not_after)});

  // ForRecipients chose a valid one: chained to a trusted CA, in date, not
  // revoked by a CRL on file. Say which CRL, or that there is none.
  SP_ASSIGN_OR_RETURN(auto crls, certs.Crls());
  auto crl = std::find_if(crls.begin(), crls.end(), [&](const auto& c) {
    return c.issuer == view.record.issuer;
  });
  bool valid = view.status == CertStatus::kValid;
  std::string revocation =
      !view.revocation.empty() ? view.revocation
      : crl != crls.end()
          ? "not revoked in the CRL of \"" + crl->issuer + "\" issued " +
                FormatRfc3339(crl->this_update)
          : "no CRL on file for \"" + view.record.issuer +
                "\": revocation not checked (`sealpost cert crl import`)";
  steps.push_back(
      {"Check the chain and revocation", valid, false,
       valid ? "chains to a trusted CA; " + revocation
             : std::string(CertStatusName(view.status)) + ": " + view.reason});
  if (!valid) return steps;

  std::string probe =
      "Content-Type: text/plain; charset=us-ascii\r\n\r\nsealpost smime test " +
      crypto::RandomToken(16) + "\r\n";
  auto der = crypto::CmsEncrypt(probe, {l.certificate->der}, options.cipher);
  std::string cipher(CipherName(options.cipher));
  if (!der.ok()) {
    steps.push_back({"Encrypt a probe with " + cipher, false, false,
                     der.status().message()});
    return steps;
  }
  steps.push_back({"Encrypt a probe with " + cipher, true, false,
                   std::to_string(der->size()) + " bytes of CMS"});

  if (!view.has_private_key) {
    steps.push_back({"Decrypt the probe", true, true,
                     "skipped: no private key on file for this certificate "
                     "(a partner's); only its holder can decrypt"});
    return steps;
  }
  auto plain = certs.Decrypt(id, *der);
  bool same = plain.ok() && *plain == probe;
  steps.push_back(
      {"Decrypt the probe", same, false,
       same         ? "the private key on file opened it; the content matches"
       : plain.ok() ? "decrypted, but the content differs"
                    : "the private key on file does not open it: " +
                          plain.status().message()});
  return steps;
}

}  // namespace sealpost::smime
