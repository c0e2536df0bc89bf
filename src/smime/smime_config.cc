#include "smime/smime_config.h"

#include "store/update_setting.h"

namespace sealpost::smime {
namespace {

constexpr std::string_view kSettingKey = "smime";

}  // namespace

const std::vector<SmimeConfig::Property>& SmimeConfig::Properties() {
  using P = SmimeConfig::Property;
  static const std::vector<P> props = {
      {"OWAEncryptionAlgorithms",
       P::kEnum,
       "6610",
       {"6610", "660F", "660E", "AES256-GCM"},
       "content encryption: 6610 AES-256-CBC, 660F AES-192-CBC, 660E "
       "AES-128-CBC, AES256-GCM AuthEnvelopedData (RFC 5083)",
       "6601 DES, 6602 RC2 and 6603 3DES are not supported: they are weak; "
       "AES256-GCM is read by OpenSSL 3 and recent clients only"},
      {"OWASigningAlgorithms",
       P::kEnum,
       "800C",
       {"800C", "800D", "800E"},
       "signature digest: 800C SHA-256 (ours; Microsoft's is 8004 SHA-1), "
       "800D SHA-384, 800E SHA-512",
       "8003 MD5 and 8004 SHA-1 are not supported: they are broken for "
       "signatures"},
      {"OWAClearSign",
       P::kBool,
       "True",
       {},
       "clear-signed multipart/signed when the message is 7-bit clean; "
       "False: always opaque signed-data"},
      {"OWAAlwaysSign",
       P::kBool,
       "False",
       {},
       "sign every S/MIME message with the sender's key on file, as a "
       "--sign rule does"},
      {"OWAAlwaysEncrypt",
       P::kBool,
       "False",
       {"False"},
       "encrypt every message",
       "not implemented: a mail flow rule decides what is encrypted "
       "(--apply-template Encrypt, --require-smime)"},
      {"OWATripleWrapSignedEncryptedMail",
       P::kBool,
       "False",
       {},
       "signed mail is signed, encrypted and signed again (RFC 2634 §1.1)"},
      {"OWAIncludeCertificateChainWithoutRootCertificate",
       P::kBool,
       "True",
       {},
       "the issuing CAs, without the root, travel with a signature (ours; "
       "Microsoft's default is False)"},
      {"OWAIncludeCertificateChainAndRootCertificate",
       P::kBool,
       "False",
       {},
       "the issuing CAs and the root travel with a signature"},
      {"OWAIncludeSMIMECapabilitiesInMessage",
       P::kBool,
       "False",
       {},
       "a signature lists the ciphers we read (AES only) for replies"},
      {"OWACheckCRLOnSend",
       P::kBool,
       "False",
       {},
       "True: a recipient's certificate whose revocation status cannot be "
       "had (CRL distribution point and OCSP responder unreachable) is not "
       "used, the mail falls back as for a revoked one; False: it is used"},
      {"OWADisableCRLCheck",
       P::kBool,
       "False",
       {},
       "True: no revocation check at all (CRLs on file, fetched CRLs, "
       "OCSP); revoked certificates are then used"},
      {"OWABCCEncryptedEmailForking",
       P::kEnum,
       "0",
       {"0"},
       "0: each S/MIME recipient (a Bcc too) gets a copy of their own",
       "1 and 2 would show a Bcc recipient's certificate to the others"},
  };
  return props;
}

SmimeOptions SmimeConfig::Options() const {
  SmimeOptions o;
  const std::string& cipher = GetText("OWAEncryptionAlgorithms");
  o.cipher = cipher == "660E"         ? crypto::CmsCipher::kAes128Cbc
             : cipher == "660F"       ? crypto::CmsCipher::kAes192Cbc
             : cipher == "AES256-GCM" ? crypto::CmsCipher::kAes256Gcm
                                      : crypto::CmsCipher::kAes256Cbc;
  const std::string& digest = GetText("OWASigningAlgorithms");
  o.sign.digest = digest == "800D"   ? crypto::CmsDigest::kSha384
                  : digest == "800E" ? crypto::CmsDigest::kSha512
                                     : crypto::CmsDigest::kSha256;
  o.sign.capabilities = GetBool("OWAIncludeSMIMECapabilitiesInMessage");
  o.clear_sign = GetBool("OWAClearSign");
  o.always_sign = GetBool("OWAAlwaysSign");
  o.triple_wrap = GetBool("OWATripleWrapSignedEncryptedMail");
  o.chain = GetBool("OWAIncludeCertificateChainAndRootCertificate")
                ? ChainInclusion::kWithRoot
            : GetBool("OWAIncludeCertificateChainWithoutRootCertificate")
                ? ChainInclusion::kWithoutRoot
                : ChainInclusion::kNone;
  o.check_revocation = !GetBool("OWADisableCRLCheck");
  o.fail_closed_on_send = GetBool("OWACheckCRLOnSend");
  return o;
}

Result<SmimeConfig> SmimeConfig::Load(store::Store& store) {
  SmimeConfig config;
  SP_ASSIGN_OR_RETURN(auto text, store.GetSetting(kSettingKey));
  if (text.has_value()) SP_RETURN_IF_ERROR(config.LoadJson(*text));
  return config;
}

Status SmimeConfig::Save(store::Store& store) const {
  return store.PutSetting(kSettingKey, ToJson());
}

Result<SmimeConfig> SmimeConfig::Update(
    store::Store& store, const std::function<Status(SmimeConfig&)>& edit) {
  SmimeConfig saved;
  SP_RETURN_IF_ERROR(store::UpdateSetting(
      store, kSettingKey,
      [&](const std::optional<std::string>& text) -> Result<std::string> {
        saved = SmimeConfig();
        if (text.has_value()) SP_RETURN_IF_ERROR(saved.LoadJson(*text));
        SP_RETURN_IF_ERROR(edit(saved));
        return saved.ToJson();
      }));
  return saved;
}

}  // namespace sealpost::smime
