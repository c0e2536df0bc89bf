// CertificateDirectory's verdicts: the status of a certificate (chain,
// dates, revocation of each certificate of the chain, key usage) and the
// certificate each recipient's mail may be encrypted to, cached
// (trust_cache.h).
#include <algorithm>

#include "base/strings.h"
#include "crypto/revocation.h"
#include "smime/certificate_directory.h"

namespace sealpost::smime {
namespace {

bool IsCurrent(const store::SmimeCrlRecord& c, int64_t now) {
  return c.this_update <= now + kCrlClockSkewSeconds &&
         (c.next_update == 0 || now < c.next_update);
}

// The first moment after `now` at which something dated in `t` changes a
// verdict: a CA's or a CRL's dates.
int64_t FirstChange(const std::vector<store::SmimeCertRecord>& cas,
                    const std::vector<store::SmimeCrlRecord>& crls,
                    int64_t now) {
  int64_t first = INT64_MAX;
  auto at = [&](int64_t when) {
    if (when > now) first = std::min(first, when);
  };
  for (const auto& ca : cas) {
    at(ca.not_before);
    at(ca.not_after + 1);
  }
  for (const auto& c : crls) {
    at(c.this_update - kCrlClockSkewSeconds);
    if (c.next_update != 0) at(c.next_update);
    if (c.fetched_at != 0) at(RefetchAt(c));
  }
  return first;
}

bool NamesAddress(const crypto::CertificateInfo& info,
                  std::string_view address) {
  return std::any_of(
      info.emails.begin(), info.emails.end(),
      [&](const std::string& e) { return EmailMatches(e, address); });
}

// Whether `r` is to be encrypted to rather than `best`, both usable: one
// the admin imported (`cert import`) before any harvested one, whatever
// their dates (a harvest takes the certificate of any signer whose chain
// reaches any trusted CA, not the one the admin agreed with the partner),
// then the newest (notBefore).
bool Preferred(const store::SmimeCertRecord& r,
               const store::SmimeCertRecord& best) {
  const bool imported = r.source == "import";
  if (imported != (best.source == "import")) return imported;
  return r.not_before > best.not_before;
}

// What the network said for the levels of one chain (CheckOnline). The
// CRLs on file decide but for those of an issuer the network answered for
// with a CRL (it replaces the one on file), or an out-of-date one of an
// issuer it answered for otherwise. A current CRL on file that is due to
// be fetched again still decides when the fetch fails or OCSP answers
// instead: a blocked fetch must not make a revoked certificate usable.
struct OnlineAnswers {
  bool asked = false;
  std::vector<std::string> replaced;  // issuer names
  std::vector<std::string> fetched;   // CRLs, DER
  std::vector<std::string> notes;
};

// The CRL of `issuer` on file, or null.
const store::SmimeCrlRecord* CrlOnFile(const TrustMaterial& trust,
                                       std::string_view issuer) {
  auto it = std::find_if(
      trust.crl_records.begin(), trust.crl_records.end(),
      [&](const store::SmimeCrlRecord& c) { return c.issuer == issuer; });
  return it == trust.crl_records.end() ? nullptr : &*it;
}

// The note for a level whose fetch failed while `current`, its issuer's
// CRL on file, still decides. One without a nextUpdate has no date after
// which it is out of date: it decides until a fetch brings a newer one.
std::string KeptCrlNote(const store::SmimeCrlRecord& current,
                        const std::string& why) {
  return std::string(current.next_update != 0
                         ? "the CRL on file decides until its nextUpdate"
                         : "the CRL on file (without a nextUpdate) decides "
                           "until a newer one is fetched") +
         ", not fetched again: " + why;
}

// Whether `stale`, the out-of-date CRL on file of the issuer of level
// `i` of `links` (past its nextUpdate at `now`), lists that level's
// certificate as revoked: its verdict by this CRL alone at the last moment
// the CRL was current.
// A fetch that fails (anyone on the plain-HTTP path can block it) must not
// make a certificate it revokes usable.
bool RevokedByOutOfDateCrl(const store::SmimeCrlRecord& stale,
                           const std::vector<crypto::ChainLink>& links,
                           size_t i, const TrustMaterial& trust, int64_t now) {
  // Without a nextUpdate it is never out of date; one from the future is
  // not yet current, not out of date.
  if (stale.next_update == 0 || now < stale.next_update) return false;
  return crypto::VerifyCertificateChain(links[i].der, trust.intermediates,
                                        trust.anchors, {stale.der},
                                        stale.next_update - 1)
             .kind == crypto::ChainVerdict::Kind::kRevoked;
}

// Takes the network's `answer` for level `i` of `links` into `answers`
// (and how long it holds into `view`); `current`: the current CRL of its
// issuer on file, or null. The verdict when the answer decides the chain
// alone: revoked, or unavailable when `fail_closed` (OWACheckCRLOnSend
// True, for sending).
std::optional<crypto::ChainVerdict> TakeAnswer(
    OnlineRevocation answer, const std::vector<crypto::ChainLink>& links,
    size_t i, const store::SmimeCrlRecord* current, bool fail_closed,
    OnlineAnswers& answers, CertView* view) {
  using Kind = crypto::ChainVerdict::Kind;
  using Answer = OnlineRevocation::Kind;
  if (answer.kind == Answer::kNone) return std::nullopt;
  answers.asked = true;
  if (answer.kind == Answer::kCrl || current == nullptr) {
    answers.replaced.push_back(links[i].issuer_name);
  }
  if (answer.until != 0) {
    view->online_until = view->online_until == 0
                             ? answer.until
                             : std::min(view->online_until, answer.until);
  }
  switch (answer.kind) {
    case Answer::kNone:
      break;
    case Answer::kCrl:
      answers.fetched.push_back(std::move(answer.crl_der));
      answers.notes.push_back(answer.detail);
      break;
    case Answer::kGood:
      answers.notes.push_back(answer.detail);
      break;
    case Answer::kRevoked:
      if (i == 0) return crypto::ChainVerdict{Kind::kRevoked, answer.detail};
      // links[i - 1].issuer_name is the subject of this CA.
      return crypto::ChainVerdict{Kind::kUntrusted,
                                  "a CA certificate of its chain is revoked (" +
                                      links[i - 1].issuer_name + ": " +
                                      answer.detail + ")"};
    case Answer::kUnavailable:
      if (current != nullptr) {
        answers.notes.push_back(KeptCrlNote(*current, answer.detail));
        break;
      }
      if (fail_closed) {
        return crypto::ChainVerdict{
            Kind::kUntrusted,
            "revocation status unavailable (OWACheckCRLOnSend True): " +
                answer.detail};
      }
      answers.notes.push_back("revocation status unavailable, not checked: " +
                              answer.detail);
      break;
  }
  return std::nullopt;
}

// The chain's verdict with the CRLs `answers` leaves on file and those it
// fetched; its notes go to `view`.
crypto::ChainVerdict VerifyWithAnswers(std::string_view der,
                                       const TrustMaterial& trust,
                                       OnlineAnswers answers, int64_t now,
                                       CertView* view) {
  for (const auto& n : answers.notes) {
    view->revocation += (view->revocation.empty() ? "" : "; ") + n;
  }
  std::vector<std::string> crls = std::move(answers.fetched);
  for (const auto& c : trust.crl_records) {
    if (std::find(answers.replaced.begin(), answers.replaced.end(), c.issuer) ==
        answers.replaced.end()) {
      crls.push_back(c.der);
    }
  }
  return crypto::VerifyCertificateChain(der, trust.intermediates, trust.anchors,
                                        crls, now);
}

}  // namespace

Result<std::shared_ptr<const TrustMaterial>> CertificateDirectory::LoadTrust() {
  if (auto cached = cache_.Trust()) return cached;
  const uint64_t generation = cache_.Generation();
  auto t = std::make_shared<TrustMaterial>();
  SP_ASSIGN_OR_RETURN(auto anchors, store_.ListSmimeCerts("anchor", ""));
  SP_ASSIGN_OR_RETURN(auto chain, store_.ListSmimeCerts("chain", ""));
  SP_ASSIGN_OR_RETURN(t->crl_records, store_.ListSmimeCrls());
  SP_ASSIGN_OR_RETURN(SmimeConfig config, SmimeConfig::Load(store_));
  t->options = config.Options();
  std::vector<store::SmimeCertRecord> cas = anchors;
  cas.insert(cas.end(), chain.begin(), chain.end());
  t->valid_until = FirstChange(cas, t->crl_records, clock_.NowUnix());
  for (auto& a : anchors) t->anchors.push_back(std::move(a.der));
  for (auto& c : chain) t->intermediates.push_back(std::move(c.der));
  for (const auto& c : t->crl_records) t->crls.push_back(c.der);
  cache_.PutTrust(generation, t);
  return std::shared_ptr<const TrustMaterial>(std::move(t));
}

Result<SmimeOptions> CertificateDirectory::Options() {
  SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
  return trust->options;
}

Status CertificateDirectory::SaveConfig(const SmimeConfig& config) {
  Status s = config.Save(store_);
  cache_.Drop();
  return s;
}

Result<SmimeConfig> CertificateDirectory::UpdateConfig(
    const std::function<Status(SmimeConfig&)>& edit) {
  auto saved = SmimeConfig::Update(store_, edit);
  cache_.Drop();
  return saved;
}

std::optional<crypto::ChainVerdict> CertificateDirectory::CheckOnline(
    std::string_view der, const TrustMaterial& trust, Online online,
    CertView* view) {
  const int64_t now = clock_.NowUnix();
  // Only a chain that reaches a trusted CA may send the server to the URLs
  // its certificates name: anyone can make a certificate, not one our CAs
  // signed (a CA of the chain vouches for the one below it).
  std::vector<crypto::ChainLink> links;
  crypto::ChainVerdict base = crypto::VerifyCertificateChain(
      der, trust.intermediates, trust.anchors, {}, now, &links);
  if (base.kind != crypto::ChainVerdict::Kind::kValid) return base;
  OnlineAnswers answers;
  const int64_t deadline = now + revocation_.limits().total_seconds;
  for (size_t i = 0; i < links.size(); ++i) {
    const store::SmimeCrlRecord* on_file =
        CrlOnFile(trust, links[i].issuer_name);
    const bool current = on_file != nullptr && IsCurrent(*on_file, now);
    // Imported, or fetched less than a day ago (RefetchAt): it answers for
    // this level without asking the network.
    if (current && now < RefetchAt(*on_file)) continue;
    OnlineRevocation answer =
        revocation_.Check(links[i].der, links[i].issuer_der, deadline);
    // The CRL is on file now: the trust material loaded before lacks it.
    if (answer.kind == OnlineRevocation::Kind::kCrl) cache_.Drop();
    // No answer, and the CRL on file is out of date: its revocations
    // still count (those it does not list are unavailable, as without it).
    if (answer.kind == OnlineRevocation::Kind::kUnavailable &&
        on_file != nullptr && !current &&
        RevokedByOutOfDateCrl(*on_file, links, i, trust, now)) {
      answer.kind = OnlineRevocation::Kind::kRevoked;
      answer.detail =
          "revoked in its issuer's CRL (the one on file, out of date but "
          "listing it; not fetched again: " +
          answer.detail + ")";
    }
    if (auto verdict = TakeAnswer(
            std::move(answer), links, i, current ? on_file : nullptr,
            online == Online::kSend && trust.options.fail_closed_on_send,
            answers, view)) {
      return verdict;
    }
  }
  if (!answers.asked) return std::nullopt;
  return VerifyWithAnswers(der, trust, std::move(answers), now, view);
}

CertView CertificateDirectory::Evaluate(store::SmimeCertRecord record,
                                        const TrustMaterial& trust,
                                        Online online) {
  CertView v;
  v.has_private_key = !record.wrapped_key.empty();
  record.wrapped_key.clear();
  auto info = crypto::InspectCertificate(record.der);
  if (!info.ok()) {
    v.record = std::move(record);
    v.status = CertStatus::kUntrusted;
    v.reason = "the stored certificate does not parse";
    return v;
  }
  v.key_type = info->key_type;
  using Kind = crypto::ChainVerdict::Kind;
  const bool check_revocation = trust.options.check_revocation;
  std::optional<crypto::ChainVerdict> online_verdict;
  if (online != Online::kNo && check_revocation && record.kind != "anchor") {
    online_verdict = CheckOnline(record.der, trust, online, &v);
  }
  static const std::vector<std::string> kNoCrls;
  crypto::ChainVerdict verdict =
      record.kind == "anchor"
          ? crypto::VerifyCertificateChain(record.der, {}, {record.der}, {},
                                           clock_.NowUnix())
      : online_verdict
          ? std::move(*online_verdict)
          : crypto::VerifyCertificateChain(
                record.der, trust.intermediates, trust.anchors,
                check_revocation ? trust.crls : kNoCrls, clock_.NowUnix());
  switch (verdict.kind) {
    case Kind::kValid:
      v.status = CertStatus::kValid;
      break;
    case Kind::kExpired:
      v.status = CertStatus::kExpired;
      break;
    case Kind::kNotYetValid:
      v.status = CertStatus::kNotYetValid;
      break;
    case Kind::kRevoked:
      v.status = CertStatus::kRevoked;
      break;
    case Kind::kUntrusted:
      v.status = CertStatus::kUntrusted;
      break;
  }
  v.reason = verdict.reason;
  // A trusted CA whose extendedKeyUsage leaves out e-mail vouches for no
  // mail certificate (VerifyCertificateChain): said where the admin looks
  // (`cert trust import`, `cert trust list`), not only under each
  // certificate it issued.
  if (v.status == CertStatus::kValid && record.kind == "anchor" &&
      !info->eku_allows_mail) {
    v.status = CertStatus::kWrongKeyUsage;
    v.reason =
        "its extendedKeyUsage has neither emailProtection nor "
        "anyExtendedKeyUsage: it vouches for no mail certificate";
  }
  if (v.status == CertStatus::kValid && record.kind == "user") {
    if (!info->can_encrypt) {
      v.status = CertStatus::kWrongKeyUsage;
      v.reason = info->usage_problem;
    } else if (info->emails.empty()) {
      v.status = CertStatus::kWrongKeyUsage;
      v.reason = "it names no e-mail address (subjectAltName rfc822Name)";
    }
  }
  v.record = std::move(record);
  return v;
}

Result<Lookup> CertificateDirectory::LookUp(const std::string& address,
                                            const TrustMaterial& trust,
                                            int64_t* until) {
  const int64_t now = clock_.NowUnix();
  Lookup out;
  SP_ASSIGN_OR_RETURN(auto records,
                      store_.ListSmimeCerts("user", AsciiLower(address)));
  if (records.empty()) {
    out.reason = "no certificate on file for " + address;
    return out;
  }
  *until = std::min(*until, trust.valid_until);
  const store::SmimeCertRecord* best = nullptr;
  for (const auto& r : records) {
    CertView v = Evaluate(r, trust, Online::kSend);
    // Its own dates change the verdict too, and so does the end of what
    // the network said.
    if (r.not_before > now) *until = std::min(*until, r.not_before);
    *until = std::min(*until, r.not_after + 1);
    if (v.online_until != 0) *until = std::min(*until, v.online_until);
    if (v.status != CertStatus::kValid) {
      if (out.reason.empty()) {
        out.reason = "certificate " + r.id.substr(0, 16) + " is " +
                     std::string(CertStatusName(v.status)) + ": " + v.reason;
      }
      continue;
    }
    auto info = crypto::InspectCertificate(r.der);
    if (!info.ok() || !NamesAddress(*info, address)) {
      if (out.reason.empty()) {
        out.reason = "certificate " + r.id.substr(0, 16) +
                     " does not name exactly " + address;
      }
      continue;
    }
    if (best == nullptr || Preferred(r, *best)) best = &r;
  }
  if (best != nullptr) {
    out.certificate = RecipientCertificate{best->id, best->der};
    out.reason.clear();
  }
  return out;
}

Result<std::vector<Lookup>> CertificateDirectory::ForRecipients(
    const std::vector<std::string>& addresses) {
  std::vector<Lookup> out(addresses.size());
  const int64_t now = clock_.NowUnix();
  for (size_t i = 0; i < addresses.size(); ++i) {
    const std::string& address = addresses[i];
    if (auto cached = cache_.Find(address, now)) {
      out[i] = std::move(*cached);
      continue;
    }
    const uint64_t generation = cache_.Generation();
    SP_ASSIGN_OR_RETURN(auto trust, LoadTrust());
    int64_t until = now + TrustCache::kMaxSeconds;
    SP_ASSIGN_OR_RETURN(out[i], LookUp(address, *trust, &until));
    cache_.Put(generation, address, out[i], until);
  }
  return out;
}

}  // namespace sealpost::smime
