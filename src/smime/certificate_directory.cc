#include "smime/certificate_directory.h"

#include "base/enum_names.h"

#include <algorithm>

#include "base/log.h"
#include "base/strings.h"
#include "crypto/revocation.h"
#include "crypto/smime_cms.h"
#include "crypto/smime_cms_stream.h"

namespace sealpost::smime {
namespace {

constexpr size_t kMinIdPrefix = 8;

// Associated data of a wrapped private key: it opens only as the key of
// this certificate.
std::string KeyPurpose(std::string_view fingerprint) {
  return "sealpost smime private key v1 " + std::string(fingerprint);
}

store::SmimeCertRecord RecordOf(const crypto::CertificateInfo& info,
                                std::string kind) {
  store::SmimeCertRecord r;
  r.id = info.fingerprint;
  r.kind = std::move(kind);
  r.der = info.der;
  for (const auto& e : info.emails) {
    std::string lower = AsciiLower(e);
    if (std::find(r.emails.begin(), r.emails.end(), lower) == r.emails.end()) {
      r.emails.push_back(lower);
    }
  }
  r.subject = info.subject;
  r.issuer = info.issuer;
  r.serial = info.serial;
  r.not_before = info.not_before;
  r.not_after = info.not_after;
  r.source = "import";
  return r;
}

}  // namespace

std::string_view CertStatusName(CertStatus status) {
  static constexpr NameTable<CertStatus, 6> kNames = {{
      {CertStatus::kValid, "valid"},
      {CertStatus::kExpired, "expired"},
      {CertStatus::kNotYetValid, "not yet valid"},
      {CertStatus::kRevoked, "revoked"},
      {CertStatus::kUntrusted, "untrusted"},
      {CertStatus::kWrongKeyUsage, "wrong key usage"},
  }};
  return NameOf(kNames, status, "untrusted");
}

bool EmailMatches(std::string_view certificate_email,
                  std::string_view address) {
  size_t a = certificate_email.rfind('@');
  size_t b = address.rfind('@');
  if (a == std::string_view::npos || b == std::string_view::npos) return false;
  return certificate_email.substr(0, a) == address.substr(0, b) &&
         AsciiLower(certificate_email.substr(a + 1)) ==
             AsciiLower(address.substr(b + 1));
}

Status CertificateDirectory::Put(
    const std::vector<store::SmimeCertRecord>& records) {
  Status s;
  for (const auto& r : records) {
    s = store_.PutSmimeCert(r);
    if (!s.ok()) break;
  }
  // Even after a failure: the records before it are on file.
  cache_.Drop();
  return s;
}

Result<ImportResult> CertificateDirectory::StoreAndEvaluate(
    std::string format, const std::vector<store::SmimeCertRecord>& records) {
  SP_RETURN_IF_ERROR(Put(records));
  SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
  ImportResult out;
  out.format = std::move(format);
  for (const auto& r : records) out.certificates.push_back(Evaluate(r, *trust));
  return out;
}

bool CertificateDirectory::IsOwnAddress(std::string_view email) const {
  std::string d = DomainOf(email);
  return !d.empty() && std::find(own_domains_.begin(), own_domains_.end(), d) !=
                           own_domains_.end();
}

Result<ImportResult> CertificateDirectory::Import(std::string_view file,
                                                  const SecretBytes& password) {
  SP_ASSIGN_OR_RETURN(crypto::CertificateFile parsed,
                      crypto::ReadCertificateFile(file, password));
  std::string wrapped_key;
  if (parsed.key_certificate >= 0) {
    const auto& owner = parsed.certificates[parsed.key_certificate];
    bool ours =
        std::any_of(owner.emails.begin(), owner.emails.end(),
                    [&](const std::string& e) { return IsOwnAddress(e); });
    if (!ours) {
      return InvalidArgumentError(
          "private keys are kept only for this organisation's users "
          "(smtp.accepted_domains); import the partner's certificate "
          "without its key");
    }
    SP_ASSIGN_OR_RETURN(
        wrapped_key,
        keys_.WrapSecret(parsed.private_key, KeyPurpose(owner.fingerprint)));
  }
  std::vector<store::SmimeCertRecord> records;
  for (size_t i = 0; i < parsed.certificates.size(); ++i) {
    const auto& info = parsed.certificates[i];
    store::SmimeCertRecord r = RecordOf(info, info.is_ca ? "chain" : "user");
    SP_ASSIGN_OR_RETURN(auto existing, store_.GetSmimeCert(r.id));
    if (existing) {
      if (existing->kind == "anchor") r.kind = "anchor";
      r.wrapped_key = existing->wrapped_key;
      r.created_at = existing->created_at;
    }
    if (static_cast<int>(i) == parsed.key_certificate) {
      r.wrapped_key = wrapped_key;
    }
    records.push_back(std::move(r));
  }
  SP_ASSIGN_OR_RETURN(ImportResult result,
                      StoreAndEvaluate(parsed.format, records));
  // Only once it is on file: a failed import leaves the refusal standing.
  SP_ASSIGN_OR_RETURN(result.unrefused, Unrefuse(records));
  return result;
}

Result<std::vector<std::string>> CertificateDirectory::Unrefuse(
    const std::vector<store::SmimeCertRecord>& records) {
  std::vector<std::string> unrefused;
  for (const auto& r : records) {
    SP_ASSIGN_OR_RETURN(bool was, store_.UnrefuseSmimeCert(r.id));
    if (!was) continue;
    log::Info("S/MIME: certificate {} imported by the admin: no longer refused",
              r.id.substr(0, 16));
    unrefused.push_back(r.id);
  }
  return unrefused;
}

Result<std::vector<CertView>> CertificateDirectory::List(
    std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
  SP_ASSIGN_OR_RETURN(auto records,
                      store_.ListSmimeCerts("", AsciiLower(email)));
  std::vector<CertView> out;
  for (auto& r : records) {
    if (r.kind == "anchor") continue;
    out.push_back(Evaluate(std::move(r), *trust));
  }
  return out;
}

Result<store::SmimeCertRecord> CertificateDirectory::Resolve(
    std::string_view id, bool anchors_only) {
  std::string want = AsciiLower(Trim(id));
  if (want.size() < kMinIdPrefix ||
      want.find_first_not_of("0123456789abcdef") != std::string::npos) {
    return InvalidArgumentError(
        "a certificate id is its SHA-256 fingerprint in hex (at least the "
        "first 8 digits)");
  }
  SP_ASSIGN_OR_RETURN(auto all, store_.ListSmimeCerts("", ""));
  std::vector<store::SmimeCertRecord> found;
  for (auto& r : all) {
    if ((r.kind == "anchor") != anchors_only) continue;
    if (r.id.starts_with(want)) found.push_back(std::move(r));
  }
  if (found.empty()) {
    return NotFoundError(
        std::string(anchors_only ? "no trusted CA " : "no certificate ") +
        want);
  }
  if (found.size() > 1) {
    return InvalidArgumentError("the id " + want +
                                " names several certificates; give more "
                                "digits");
  }
  return std::move(found.front());
}

Result<CertView> CertificateDirectory::Get(std::string_view id) {
  SP_ASSIGN_OR_RETURN(store::SmimeCertRecord r, Resolve(id, false));
  SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
  return Evaluate(std::move(r), *trust, Online::kSend);
}

Result<std::string> CertificateDirectory::Remove(std::string_view id) {
  return Delete(id, false);
}

Result<std::vector<RefusedCert>> CertificateDirectory::Refused(
    std::string_view email) {
  SP_ASSIGN_OR_RETURN(auto refused, store_.ListRefusedSmimeCerts());
  const std::string want = AsciiLower(email);
  std::vector<RefusedCert> out;
  for (const auto& r : refused) {
    RefusedCert c;
    auto info = crypto::InspectCertificate(r.der);
    if (info.ok()) c.record = RecordOf(*info, info->is_ca ? "chain" : "user");
    c.record.id = r.id;
    c.record.source.clear();
    c.refused_at = r.refused_at;
    if (!want.empty() &&
        std::find(c.record.emails.begin(), c.record.emails.end(), want) ==
            c.record.emails.end()) {
      continue;
    }
    out.push_back(std::move(c));
  }
  return out;
}

Result<std::string> CertificateDirectory::Delete(std::string_view id,
                                                 bool anchors_only) {
  SP_ASSIGN_OR_RETURN(store::SmimeCertRecord r, Resolve(id, anchors_only));
  // A person's certificate removed would come back with the partner's next
  // signed mail (Harvest): refused, it does not.
  Status deleted = anchors_only ? store_.DeleteSmimeCert(r.id)
                                : store_.RefuseSmimeCert(r.id);
  cache_.Drop();
  SP_RETURN_IF_ERROR(deleted);
  return r.id;
}

Result<ImportResult> CertificateDirectory::TrustImport(std::string_view file) {
  SP_ASSIGN_OR_RETURN(crypto::CertificateFile parsed,
                      crypto::ReadCertificateFile(file, SecretBytes()));
  if (parsed.key_certificate >= 0) {
    return InvalidArgumentError("a trusted CA is imported without its key");
  }
  int64_t now = clock_.NowUnix();
  std::vector<store::SmimeCertRecord> records;
  for (const auto& info : parsed.certificates) {
    if (!info.is_ca) {
      return InvalidArgumentError(
          "\"" + info.subject +
          "\" is not a CA certificate (basicConstraints cA); import "
          "people's certificates with `cert import`");
    }
    if (info.not_after < now) {
      return InvalidArgumentError("\"" + info.subject + "\" has expired");
    }
    store::SmimeCertRecord r = RecordOf(info, "anchor");
    SP_ASSIGN_OR_RETURN(auto existing, store_.GetSmimeCert(r.id));
    if (existing) r.created_at = existing->created_at;
    records.push_back(std::move(r));
  }
  return StoreAndEvaluate(parsed.format, records);
}

Result<std::vector<CertView>> CertificateDirectory::TrustList() {
  SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
  SP_ASSIGN_OR_RETURN(auto records, store_.ListSmimeCerts("anchor", ""));
  std::vector<CertView> out;
  for (auto& r : records) out.push_back(Evaluate(std::move(r), *trust));
  return out;
}

Result<std::string> CertificateDirectory::TrustRemove(std::string_view id) {
  return Delete(id, true);
}

Result<crypto::CrlInfo> CertificateDirectory::CrlImport(std::string_view file) {
  SP_ASSIGN_OR_RETURN(crypto::CrlInfo crl, crypto::ReadCrl(file));
  SP_RETURN_IF_ERROR(RefuseFutureCrl(crl.this_update, clock_.NowUnix()));
  SP_ASSIGN_OR_RETURN(auto cas, store_.ListSmimeCerts("", ""));
  bool signed_by_ca = std::any_of(
      cas.begin(), cas.end(), [&](const store::SmimeCertRecord& ca) {
        return ca.kind != "user" && crypto::CrlIssuedBy(crl.der, ca.der);
      });
  if (!signed_by_ca) {
    return InvalidArgumentError(
        "the CRL of \"" + crl.issuer +
        "\" is not signed by a CA on file (`cert trust import` it first)");
  }
  auto stored = store_.PutSmimeCrl(
      {crl.issuer, crl.der, crl.this_update, crl.next_update, 0, crl.number});
  cache_.Drop();
  SP_RETURN_IF_ERROR(stored.status());
  if (*stored == store::CrlAge::kOlder) {
    // Silently keeping the newer one would read as an import that worked.
    return FailedPreconditionError(
        "a newer CRL of \"" + crl.issuer +
        "\" is on file (`cert crl list`); this one (CRL number " +
        store::CrlNumberText(crl.number) +
        ") would hide the revocations made since: remove the one on file "
        "first (`cert crl remove`) if you mean to go back to it");
  }
  if (*stored == store::CrlAge::kDiffers) {
    // Nothing was stored: saying so beats an import that reads as done.
    return FailedPreconditionError(
        "a CRL with the same CRL Number but different content is on file "
        "for \"" +
        crl.issuer + "\" (CRL number " + store::CrlNumberText(crl.number) +
        "; `cert crl list`): one of them is not what the CA issued; remove "
        "the one on file first (`cert crl remove`) if this one is");
  }
  return crl;
}

Result<store::SmimeCrlRecord> CertificateDirectory::CrlRemove(
    std::string_view issuer) {
  // The store says which CRL it deleted (read in the DELETE itself): one
  // stored by a fetch or another admin a moment before is the one named.
  auto removed = store_.DeleteSmimeCrl(issuer);
  cache_.Drop();
  return removed;
}

Result<std::vector<store::SmimeCrlRecord>> CertificateDirectory::Crls() {
  return store_.ListSmimeCrls();
}

Result<SigningIdentity> CertificateDirectory::SigningIdentityFor(
    std::string_view address, ChainInclusion chain) {
  SP_ASSIGN_OR_RETURN(auto records,
                      store_.ListSmimeCerts("user", AsciiLower(address)));
  SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
  const store::SmimeCertRecord* best = nullptr;
  std::string why =
      "no certificate with a private key on file for " + std::string(address);
  for (const auto& r : records) {
    if (r.wrapped_key.empty()) continue;
    CertView v = Evaluate(r, *trust);
    auto info = crypto::InspectCertificate(r.der);
    bool names =
        info.ok() && std::any_of(info->emails.begin(), info->emails.end(),
                                 [&](const std::string& e) {
                                   return EmailMatches(e, address);
                                 });
    // A certificate that may sign but not encrypt is fine here.
    bool usable = (v.status == CertStatus::kValid ||
                   v.status == CertStatus::kWrongKeyUsage) &&
                  info.ok() && info->can_sign && names;
    if (!usable) {
      why = "certificate " + r.id.substr(0, 16) + " cannot sign: " +
            (v.status != CertStatus::kValid &&
                     v.status != CertStatus::kWrongKeyUsage
                 ? std::string(CertStatusName(v.status)) + ", " + v.reason
                 : "key usage or address");
      continue;
    }
    if (best == nullptr || r.not_before > best->not_before) best = &r;
  }
  if (best == nullptr) return NotFoundError(why);
  SigningIdentity id;
  id.id = best->id;
  id.der = best->der;
  SP_ASSIGN_OR_RETURN(id.private_key, PrivateKeyOf(*best));
  if (chain == ChainInclusion::kNone) return id;
  // The issuing CAs on file (chain certificates and trust anchors), walked
  // up by name from the signer's issuer; the root is the self-issued one.
  SP_ASSIGN_OR_RETURN(auto cas, store_.ListSmimeCerts("chain", ""));
  SP_ASSIGN_OR_RETURN(auto anchors, store_.ListSmimeCerts("anchor", ""));
  for (auto& a : anchors) cas.push_back(std::move(a));
  std::string issuer = best->issuer;
  for (int depth = 0; depth < 8; ++depth) {
    auto ca = std::find_if(cas.begin(), cas.end(), [&](const auto& c) {
      return c.subject == issuer && !c.der.empty();
    });
    if (ca == cas.end()) break;
    bool root = ca->subject == ca->issuer;
    if (!root || chain == ChainInclusion::kWithRoot) {
      id.chain.push_back(std::move(ca->der));
    }
    ca->der.clear();  // used
    if (root) break;
    issuer = ca->issuer;
  }
  return id;
}

Result<CertView> CertificateDirectory::EvaluateSigner(
    std::string_view der, const std::vector<std::string>& carried) {
  SP_ASSIGN_OR_RETURN(auto on_file, LoadTrust());
  // The carried certificates complete this chain only: a copy.
  auto trust = std::make_shared<TrustMaterial>(*on_file);
  for (const auto& c : carried) {
    if (c != der) trust->intermediates.push_back(c);
  }
  store::SmimeCertRecord r;
  r.kind = "user";
  r.der = std::string(der);
  return Evaluate(std::move(r), *trust, Online::kVerify);
}

Result<SecretBytes> CertificateDirectory::PrivateKeyOf(
    const store::SmimeCertRecord& record) const {
  if (record.wrapped_key.empty()) {
    return NotFoundError("no private key on file for certificate " +
                         record.id.substr(0, 16));
  }
  return keys_.UnwrapSecret(record.wrapped_key, KeyPurpose(record.id));
}

Result<std::string> CertificateDirectory::Decrypt(std::string_view id,
                                                  std::string_view der) {
  SP_ASSIGN_OR_RETURN(auto record, store_.GetSmimeCert(id));
  if (!record || record->wrapped_key.empty()) {
    return NotFoundError("no private key on file for certificate " +
                         std::string(id.substr(0, 16)));
  }
  SP_ASSIGN_OR_RETURN(SecretBytes key, PrivateKeyOf(*record));
  return crypto::CmsDecrypt(der, record->der, key);
}

namespace {

// Whether `r` is a user's certificate with its key on file that names
// `address`: the keys DecryptFor and DecryptStreamFor try.
bool OpensFor(const store::SmimeCertRecord& r, std::string_view address) {
  if (r.wrapped_key.empty()) return false;
  auto info = crypto::InspectCertificate(r.der);
  return info.ok() && std::any_of(info->emails.begin(), info->emails.end(),
                                  [&](const std::string& e) {
                                    return EmailMatches(e, address);
                                  });
}

// The key of `r` to try on a message, or its error, logged (without the
// key): one that no longer unwraps (its row damaged, the master key it was
// wrapped under gone) is passed over, in memory and streamed alike, so that
// another certificate of the user's opens what was sent to it; its error
// is the answer only when none does.
Result<SecretBytes> KeyToTry(const CertificateDirectory& directory,
                             const store::SmimeCertRecord& r) {
  auto key = directory.PrivateKeyOf(r);
  if (!key.ok()) {
    log::Warn("S/MIME: the private key of certificate {} does not unwrap: {}",
              r.id.substr(0, 16), key.status().ToString());
    // INTERNAL, whatever the unwrap said: the server's key, not the
    // message, is at fault (a decryption failure would read as a damaged
    // message, or as mail that is no S/MIME).
    return InternalError("the private key of certificate " +
                         r.id.substr(0, 16) + " on file does not unwrap");
  }
  return key;
}

// The keys DecryptFor and DecryptStreamFor try for `address`, in the order
// of `records` (which they point into): crypto's CmsDecrypt and
// CmsDecryptStream unwrap (KeyToTry) only those a RecipientInfo names.
struct KeysToTry {
  std::vector<const store::SmimeCertRecord*> records;
  std::vector<crypto::CmsKeyRef> refs;
};
KeysToTry KeysFor(const CertificateDirectory& directory,
                  const std::vector<store::SmimeCertRecord>& records,
                  std::string_view address) {
  KeysToTry keys;
  for (const auto& r : records) {
    if (!OpensFor(r, address)) continue;
    keys.records.push_back(&r);
    keys.refs.push_back(
        {r.der, nullptr, [&directory, &r] { return KeyToTry(directory, r); }});
  }
  return keys;
}

}  // namespace

Result<std::optional<Decrypted>> CertificateDirectory::DecryptFor(
    std::string_view address, std::string_view der) {
  SP_ASSIGN_OR_RETURN(auto records,
                      store_.ListSmimeCerts("user", AsciiLower(address)));
  const KeysToTry keys = KeysFor(*this, records, address);
  std::string content;
  SP_ASSIGN_OR_RETURN(std::optional<size_t> which,
                      crypto::CmsDecrypt(der, keys.refs, &content));
  if (!which) return std::optional<Decrypted>();
  return std::optional<Decrypted>(
      Decrypted{keys.records[*which]->id, std::move(content)});
}

Result<std::optional<std::string>> CertificateDirectory::DecryptStreamFor(
    std::string_view address, ByteSource& cms,
    const std::function<Status(std::string_view)>& out) {
  SP_ASSIGN_OR_RETURN(auto records,
                      store_.ListSmimeCerts("user", AsciiLower(address)));
  const KeysToTry keys = KeysFor(*this, records, address);
  SP_ASSIGN_OR_RETURN(std::optional<size_t> which,
                      crypto::CmsDecryptStream(cms, keys.refs, out));
  if (!which) return std::optional<std::string>();
  return std::optional<std::string>(keys.records[*which]->id);
}

Result<bool> CertificateDirectory::Harvest(std::string_view der) {
  auto info = crypto::InspectCertificate(der);
  if (!info.ok() || info->is_ca || !info->can_encrypt || info->emails.empty()) {
    return false;
  }
  for (const auto& e : info->emails) {
    if (IsOwnAddress(e)) return false;
  }
  SP_ASSIGN_OR_RETURN(auto existing, store_.GetSmimeCert(info->fingerprint));
  if (existing) return false;
  for (const auto& e : info->emails) {
    SP_ASSIGN_OR_RETURN(auto on_file,
                        store_.ListSmimeCerts("user", AsciiLower(e)));
    for (const auto& r : on_file) {
      if (r.not_before >= info->not_before) return false;
    }
  }
  const std::string id16 = info->fingerprint.substr(0, 16);
  SP_ASSIGN_OR_RETURN(bool refused,
                      store_.IsSmimeCertRefused(info->fingerprint));
  if (refused) {
    log::Info(
        "S/MIME: certificate {} of {} not harvested: the admin refused it "
        "(`cert remove`; `cert import` of it takes it back)",
        id16, info->emails.front());
    return false;
  }
  store::SmimeCertRecord r = RecordOf(*info, "user");
  r.source = "harvest";
  SP_RETURN_IF_ERROR(Put({r}));
  // Another harvest of it (a second message, another node) stored it and
  // the admin removed it between this one's check and its Put: it must not
  // stay on file.
  SP_ASSIGN_OR_RETURN(refused, store_.IsSmimeCertRefused(r.id));
  if (refused) {
    Status deleted = store_.DeleteSmimeCert(r.id);
    cache_.Drop();
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) {
      return deleted;
    }
    log::Info("S/MIME: certificate {} not harvested: refused meanwhile", id16);
    return false;
  }
  return true;
}

}  // namespace sealpost::smime
