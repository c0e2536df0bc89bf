// CertificateDirectory: the S/MIME certificates on file (SPEC §4 `sealpost
// cert`): people's certificates (partners', and our own users' with their
// private keys, wrapped under the master key by the key service), the
// trusted CAs (Set-SmimeConfig -SMIMECertificateIssuingCA) and CRLs. It
// answers the one question the mail flow asks: which certificate, if any,
// may this recipient's mail be encrypted to, and if none, why.
//
// A certificate is usable only when it chains to a trusted CA, is within
// its dates, is not revoked by a CRL on file, allows encryption (key usage,
// extended key usage, key size) and names the recipient's address in its
// subjectAltName (RFC 5280 §7.5: local part exact, domain any case).
// Imported files are untrusted input (crypto/x509.h caps and checks them).
//
// Revocation: the CRLs on file, and, when none of the issuer is current,
// the network (smime/revocation.h) for the certificates mail is encrypted
// to and the signers of mail that arrives; OWADisableCRLCheck and
// OWACheckCRLOnSend (smime_config.h) decide as in Exchange.
//
// Verdicts are cached (smime/trust_cache.h) until something they depend on
// changes: DropCaches is called for other nodes' writes.
//
// Thread-safety: thread-safe; it keeps no state but its caches and the
// revocation checker's.
#ifndef SEALPOST_SMIME_CERTIFICATE_DIRECTORY_H_
#define SEALPOST_SMIME_CERTIFICATE_DIRECTORY_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_source.h"
#include "base/clock.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "crypto/x509.h"
#include "license/key_service.h"
#include "smime/revocation.h"
#include "smime/smime_config.h"
#include "smime/trust_cache.h"
#include "store/store.h"

namespace sealpost::smime {

enum class CertStatus {
  kValid,
  kExpired,
  kNotYetValid,
  kRevoked,
  kUntrusted,
  kWrongKeyUsage,
};
// "valid", "expired", "not yet valid", "revoked", "untrusted",
// "wrong key usage".
std::string_view CertStatusName(CertStatus status);

// A certificate on file as the admin sees it (never its key).
struct CertView {
  store::SmimeCertRecord record;  // wrapped_key cleared
  bool has_private_key = false;
  std::string key_type;
  CertStatus status = CertStatus::kUntrusted;
  std::string reason;  // why it is not valid; empty when valid
  // How revocation was checked on line, when it was ("OCSP http://...:
  // good", "the CRL fetched from ..."); empty otherwise.
  std::string revocation;
  // When the network's answer runs out (0: none was asked).
  int64_t online_until = 0;
};

struct ImportResult {
  std::string format;  // PEM, DER, PKCS#7, PKCS#12
  std::vector<CertView> certificates;
  // The ids of those that were refused (`cert remove`) and no longer are.
  std::vector<std::string> unrefused;
};

// A certificate `cert remove` refused, as `cert list --refused` shows it.
struct RefusedCert {
  store::SmimeCertRecord record;  // read from its DER; no key, no source
  int64_t refused_at = 0;
};

// What a key on file opened.
struct Decrypted {
  std::string certificate_id;
  std::string content;
};

// What one of our users signs with: a valid certificate naming them that
// may sign, its private key, and the CA certificates on file that issued it.
struct SigningIdentity {
  std::string id;
  std::string der;
  SecretBytes private_key;
  std::vector<std::string> chain;
};

class CertificateDirectory {
 public:
  // `own_domains`: the organisation's domains (smtp.accepted_domains);
  // private keys are kept only for addresses in them.
  // `limits`: of the revocation fetches (smime.revocation_* settings).
  CertificateDirectory(store::Store& store, const license::KeyService& keys,
                       const Clock& clock, std::vector<std::string> own_domains,
                       RevocationLimits limits = {})
      : store_(store),
        keys_(keys),
        clock_(clock),
        own_domains_(std::move(own_domains)),
        revocation_(store, clock, limits) {}

  // `cert import`: people's certificates ("user"), CA certificates that
  // came with them ("chain": they may complete a chain, they are trusted
  // for nothing). A PKCS#12's private key is kept, wrapped. A certificate
  // `cert remove` refused is refused no longer: the admin chose it again.
  Result<ImportResult> Import(std::string_view file,
                              const SecretBytes& password);
  // People's and chain certificates; `email` filters when not empty.
  Result<std::vector<CertView>> List(std::string_view email);
  // By id or a unique prefix of at least 8 hex digits.
  Result<CertView> Get(std::string_view id);
  // `cert remove`: deletes a person's or chain certificate and refuses it,
  // so that Harvest never stores it again (the partner's next signed mail
  // carries it) until Import takes it back. Returns the removed id.
  // Trusted CAs are removed with TrustRemove.
  Result<std::string> Remove(std::string_view id);
  // `cert list --refused`: the refused certificates, oldest refusal first;
  // `email` filters when not empty.
  Result<std::vector<RefusedCert>> Refused(std::string_view email);

  // `cert trust import|list|remove`: CA certificates (basicConstraints cA,
  // not expired) become trust anchors.
  Result<ImportResult> TrustImport(std::string_view file);
  Result<std::vector<CertView>> TrustList();
  Result<std::string> TrustRemove(std::string_view id);

  // `cert crl import`: a full CRL signed by a CA on file, not dated ahead
  // (RefuseFutureCrl); FAILED_PRECONDITION when a newer one of its issuer
  // is on file, or one as new with other content (store::CompareCrls).
  Result<crypto::CrlInfo> CrlImport(std::string_view file);
  // `cert crl remove`: the CRL of `issuer` (its name as `cert crl list`
  // shows it), so that an older one may be imported; returns the CRL
  // removed (for the audit).
  Result<store::SmimeCrlRecord> CrlRemove(std::string_view issuer);
  Result<std::vector<store::SmimeCrlRecord>> Crls();

  // The usable certificate for each address (same order). When several
  // are: one the admin imported before any harvested one (a harvested one
  // only while none imported is usable), then the newest (latest
  // notBefore). Cached per address.
  Result<std::vector<Lookup>> ForRecipients(
      const std::vector<std::string>& addresses);

  // The S/MIME settings (cached with the trust material).
  Result<SmimeOptions> Options();
  // Saves them whole (tests); the next question uses them.
  Status SaveConfig(const SmimeConfig& config);
  // `smime set`: changes the stored settings with `edit`
  // (SmimeConfig::Update); the next question uses them.
  Result<SmimeConfig> UpdateConfig(
      const std::function<Status(SmimeConfig&)>& edit);
  // Forgets every cached verdict, trust material and setting: another
  // node changed certificates, CAs, CRLs or settings (or may have).
  void DropCaches() { cache_.Drop(); }

  // The newest usable signing identity of `address`; NOT_FOUND saying why
  // when there is none. `chain`: which issuing CAs on file travel with it.
  Result<SigningIdentity> SigningIdentityFor(
      std::string_view address,
      ChainInclusion chain = ChainInclusion::kWithoutRoot);

  // The status of a certificate that is not on file (a signer's), its
  // chain completed by `carried` (the certificates its message carried,
  // trusted for nothing) and the chain certificates on file.
  Result<CertView> EvaluateSigner(std::string_view der,
                                  const std::vector<std::string>& carried);

  // The private key of a certificate on file (for decryption: `smime
  // test`, inbound); NOT_FOUND when none is kept.
  Result<SecretBytes> PrivateKeyOf(const store::SmimeCertRecord& record) const;

  // The content of a DER (Auth)EnvelopedData, opened with the private key
  // of certificate `id` on file: NOT_FOUND when no key is kept for it,
  // DecryptionFailedError() when it does not open.
  Result<std::string> Decrypt(std::string_view id, std::string_view der);

  // The content of a DER (Auth)EnvelopedData sent to `address` (one of
  // ours), opened with the private key of a certificate on file that names
  // it, whatever its status (an expired certificate's key still opens the
  // mail sent while it was valid); nullopt when no key on file opens it.
  Result<std::optional<Decrypted>> DecryptFor(std::string_view address,
                                              std::string_view der);

  // DecryptFor for an (Auth)EnvelopedData too large to hold (issue 14), read
  // from `cms` a slice at a time, its content written to `out` a slice at a
  // time (crypto::CmsDecryptStream: thrown away by the caller unless OK).
  // Only the key of the first certificate a RecipientInfo names is
  // unwrapped. The id of the certificate whose key opened it; nullopt,
  // nothing written, when no key on file for `address` is a recipient.
  // DecryptionFailedError() when it is damaged or cut short.
  Result<std::optional<std::string>> DecryptStreamFor(
      std::string_view address, ByteSource& cms,
      const std::function<Status(std::string_view)>& out);

  // Harvesting (smime.harvest): keeps `der`, the certificate of a signer
  // the caller has verified (signature, chain, CRL), as the certificate of
  // the addresses it names. Nothing is stored (false) when it is on file
  // already, a certificate on file for one of its addresses is as new or
  // newer (notBefore), it may not encrypt, it names one of our own
  // domains (our users' certificates are the admin's to import), or the
  // admin refused it (Remove; logged at info). It is encrypted to only
  // while no certificate imported for the address is usable
  // (ForRecipients).
  Result<bool> Harvest(std::string_view der);

 private:
  // Whether Evaluate may ask the network, and for what.
  enum class Online { kNo, kSend, kVerify };
  // The cached trust material, loaded when none is.
  Result<std::shared_ptr<const TrustMaterial>> LoadTrust();
  // ForRecipients for one address, uncached; `until`: when the answer may
  // change by the clock alone.
  Result<Lookup> LookUp(const std::string& address, const TrustMaterial& trust,
                        int64_t* until);
  CertView Evaluate(store::SmimeCertRecord record, const TrustMaterial& trust,
                    Online online = Online::kNo);
  // The verdict with the network's answer for each certificate of the
  // chain whose issuer has no current CRL on file (its notes and how long
  // they hold go to `view`); nullopt: the CRLs on file decide (nothing was
  // asked: no URL named, or the CRLs on file are current).
  std::optional<crypto::ChainVerdict> CheckOnline(std::string_view der,
                                                  const TrustMaterial& trust,
                                                  Online online,
                                                  CertView* view);
  Result<store::SmimeCertRecord> Resolve(std::string_view id,
                                         bool anchors_only);
  // Resolve, then deletes the certificate (refusing it too unless it is a
  // trusted CA) and drops the cached verdicts (Remove, TrustRemove);
  // returns the removed id.
  Result<std::string> Delete(std::string_view id, bool anchors_only);
  // Takes each of `records` off the refused list (Import); the ids that
  // were on it.
  Result<std::vector<std::string>> Unrefuse(
      const std::vector<store::SmimeCertRecord>& records);
  bool IsOwnAddress(std::string_view email) const;
  // Stores `records` and drops the cached verdicts.
  Status Put(const std::vector<store::SmimeCertRecord>& records);
  // Put, then what an import answers: each record's status.
  Result<ImportResult> StoreAndEvaluate(
      std::string format, const std::vector<store::SmimeCertRecord>& records);

  // Not owned (references and pointers below): must outlive this object.
  store::Store& store_;
  const license::KeyService& keys_;
  const Clock& clock_;
  const std::vector<std::string> own_domains_;
  RevocationChecker revocation_;
  TrustCache cache_;
};

// RFC 5280 §7.5: an rfc822Name matches an address when the local parts are
// equal and the domains equal ignoring ASCII case.
bool EmailMatches(std::string_view certificate_email, std::string_view address);

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_CERTIFICATE_DIRECTORY_H_
