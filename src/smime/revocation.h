// RevocationChecker: asks the network whether a certificate is revoked
// when no CRL of its issuer on file spares it (docs/smime.md, "Revocation
// checking"): the CRL from the certificate's CRLDistributionPoints, checked
// as signed by the issuer and stored, else the OCSP responder of its
// Authority Information Access. http:// and https:// URLs (ldap:// and
// file:// are not fetched), no redirects, 5 s per request and 10 s in all
// per certificate and its chain, 1 MiB per CRL and 64 KiB per OCSP
// response by default (RevocationLimits).
//
// A fetched CRL spares a fetch until its nextUpdate, a day after the fetch
// at most (RefetchAt; an imported one until its nextUpdate): a CA's
// nextUpdate, or that of an old CRL anyone on the plain-HTTP path
// replays, may be months ahead, and would hide every revocation made
// since. When the fetch a day later fails, the CRL on file still decides
// until its nextUpdate (CertificateDirectory keeps it in the chain's
// CRLs): a blocked fetch never makes a revoked certificate usable. A
// fetched CRL never replaces a newer one of its issuer on file
// (store::CompareCrls: CRL Number, else thisUpdate): a replayed older one
// is refused and said so.
//
// The caller asks only about certificates that chain to a trusted CA (the
// chain checked without CRLs first): a certificate anyone can make never
// sends the server to a URL of its choosing. An answer that cannot be had
// is remembered for 5 minutes per URL, so that a responder that is down
// does not slow every message; OCSP answers are kept until their
// nextUpdate, a day at most for a `good` (an hour when they give none).
//
// Thread-safety: thread-safe (the caches are behind a mutex; no lock is
// held during a fetch).
#ifndef SEALPOST_SMIME_REVOCATION_H_
#define SEALPOST_SMIME_REVOCATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/thread_annotations.h"
#include "store/store.h"

namespace sealpost::smime {

// The longest a fetched CRL spares a fetch, whatever its nextUpdate says.
inline constexpr int64_t kFetchedCrlMaxSeconds = 24 * 3600;

// When `crl` on file stops sparing a fetch: its nextUpdate, and for a
// fetched one a day after the fetch at most; INT64_MAX when never (an
// imported CRL without a nextUpdate).
int64_t RefetchAt(const store::SmimeCrlRecord& crl);

struct OnlineRevocation {
  enum class Kind {
    kNone,         // the certificate names no http:// CRL or OCSP URL
    kCrl,          // a CRL was fetched (stored, or the same as on file)
    kGood,         // OCSP: not revoked
    kRevoked,      // OCSP: revoked
    kUnavailable,  // no answer could be had (why in `detail`)
  };
  Kind kind = Kind::kNone;
  std::string crl_der;  // kCrl
  std::string detail;   // where the answer came from, or why there is none
  // When the answer runs out: the CRL's or the OCSP response's nextUpdate
  // (a day after the fetch at most, but for a `revoked`), the end of a
  // failed URL's pause; 0: not before something changes.
  int64_t until = 0;
};

// The limits of the fetches (docs/configuration.md, smime.revocation_*).
struct RevocationLimits {
  int request_seconds = 5;         // OWACRLConnectionTimeout
  int total_seconds = 10;          // OWACRLRetrievalTimeout
  size_t max_crl_bytes = 1 << 20;  // a CRL
  static constexpr size_t kMaxOcspBytes = 64 << 10;
};

class RevocationChecker {
 public:
  RevocationChecker(store::Store& store, const Clock& clock,
                    RevocationLimits limits = {})
      : store_(store), clock_(clock), limits_(limits) {}

  const RevocationLimits& limits() const { return limits_; }

  // `certificate` (DER; a leaf or a CA of its chain) was issued by
  // `issuer` (DER), and no CRL of that issuer on file spares a fetch
  // (RefetchAt). No fetch goes on past `deadline` (unix seconds).
  OnlineRevocation Check(std::string_view certificate, std::string_view issuer,
                         int64_t deadline) SP_EXCLUDES(mu_);

 private:
  struct OcspCached {
    OnlineRevocation answer;
    int64_t until = 0;
  };
  // The CRL from the certificate's distribution points, stored unless the
  // one on file is newer (then refused, the URL paused); kNone when none
  // answered (`why` says why).
  OnlineRevocation FetchCrl(const std::vector<std::string>& urls,
                            std::string_view issuer, int64_t deadline,
                            std::string* why);
  OnlineRevocation AskOcsp(const std::vector<std::string>& urls,
                           std::string_view certificate,
                           std::string_view issuer, int64_t deadline,
                           std::string* why) SP_EXCLUDES(mu_);
  // Seconds a request may take now: the per-request limit, or what is left
  // before `deadline`.
  int SecondsLeft(int64_t deadline) const;
  bool RecentlyFailed(const std::string& url, std::string* why)
      SP_EXCLUDES(mu_);
  void Failed(const std::string& url, const std::string& why) SP_EXCLUDES(mu_);
  // Failed(), unless the fetch was refused by a limit of ours (too many
  // lookups at once), which says nothing about the URL.
  void FetchFailed(const std::string& url, const Status& status)
      SP_EXCLUDES(mu_);

  // Not owned: must outlive this object.
  store::Store& store_;
  const Clock& clock_;
  const RevocationLimits limits_;
  Mutex mu_;
  // By URL: until when it is not asked again, and why it failed.
  std::map<std::string, std::pair<int64_t, std::string>> failures_
      SP_GUARDED_BY(mu_);
  // By the certificate's SHA-256: the last OCSP answer.
  std::map<std::string, OcspCached> ocsp_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_REVOCATION_H_
