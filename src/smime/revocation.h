// RevocationChecker: asks the network whether a certificate is revoked
// when no current CRL for its issuer is on file (docs/smime.md,
// "Revocation checking"): the CRL from the certificate's
// CRLDistributionPoints, checked as signed by the issuer and stored like an
// imported one (so it is used until its nextUpdate without another fetch),
// else the OCSP responder of its Authority Information Access. Only http://
// URLs, no redirects, 5 s per request and 10 s in all, 1 MiB at most.
//
// The caller asks only about certificates that chain to a trusted CA (the
// chain checked without CRLs first): a certificate anyone can make never
// sends the server to a URL of its choosing. An answer that cannot be had
// is remembered for 5 minutes per URL, so that a responder that is down
// does not slow every message; OCSP answers are kept until their
// nextUpdate (an hour when they give none).
//
// Thread-safety: thread-safe (the caches are behind a mutex; no lock is
// held during a fetch).
#ifndef SEALPOST_SMIME_REVOCATION_H_
#define SEALPOST_SMIME_REVOCATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/thread_annotations.h"
#include "store/store.h"

namespace sealpost::smime {

struct OnlineRevocation {
  enum class Kind {
    kNone,         // the certificate names no http:// CRL or OCSP URL
    kCrl,          // a CRL was fetched and stored: check against it
    kGood,         // OCSP: not revoked
    kRevoked,      // OCSP: revoked
    kUnavailable,  // no answer could be had (why in `detail`)
  };
  Kind kind = Kind::kNone;
  std::string crl_der;  // kCrl
  std::string detail;   // where the answer came from, or why there is none
};

class RevocationChecker {
 public:
  RevocationChecker(store::Store& store, const Clock& clock)
      : store_(store), clock_(clock) {}

  // `leaf` (DER) was issued by `issuer` (DER), and no current CRL of that
  // issuer is on file.
  OnlineRevocation Check(std::string_view leaf, std::string_view issuer)
      SP_EXCLUDES(mu_);

 private:
  struct OcspCached {
    OnlineRevocation answer;
    int64_t until = 0;
  };
  bool RecentlyFailed(const std::string& url, std::string* why)
      SP_EXCLUDES(mu_);
  void Failed(const std::string& url, const std::string& why) SP_EXCLUDES(mu_);

  // Not owned: must outlive this object.
  store::Store& store_;
  const Clock& clock_;
  Mutex mu_;
  // By URL: until when it is not asked again, and why it failed.
  std::map<std::string, std::pair<int64_t, std::string>> failures_
      SP_GUARDED_BY(mu_);
  // By the certificate's SHA-256: the last OCSP answer.
  std::map<std::string, OcspCached> ocsp_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_REVOCATION_H_
