// TrustCache: what CertificateDirectory worked out from the store, kept so
// that the mail flow does not read and verify it all again for every
// message (docs/smime.md, "Speed"): the trust material (trusted CAs, chain
// certificates, CRLs and the settings) and, per recipient address, the
// certificate its mail may be encrypted to or why none.
//
// An entry is dropped (Drop) on any change of a certificate, trusted CA,
// CRL or S/MIME setting: by the directory itself for what it writes, and
// for other nodes' writes through the store's change notifications
// (server/shared_changes.h). A recipient's verdict also ends by itself at
// the first moment it could change without a write: a certificate's
// notAfter (or a future notBefore), a CRL's nextUpdate, the end of an
// online answer (OCSP nextUpdate, a failed responder's pause), and an
// hour at most. A fill begun before a Drop is not kept (Generation).
//
// Thread-safety: thread-safe.
#ifndef SEALPOST_SMIME_TRUST_CACHE_H_
#define SEALPOST_SMIME_TRUST_CACHE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/thread_annotations.h"
#include "smime/smime_config.h"
#include "store/store.h"

namespace sealpost::smime {

// Trust anchors, chain certificates and CRLs, with the settings.
struct TrustMaterial {
  std::vector<std::string> anchors;
  std::vector<std::string> intermediates;
  std::vector<std::string> crls;
  std::vector<store::SmimeCrlRecord> crl_records;  // the same, with dates
  SmimeOptions options;
  // The first moment a verdict made with this material may change by the
  // clock alone (a CA's or CRL's date); INT64_MAX when none.
  int64_t valid_until = INT64_MAX;
};

// The certificate mail to one address may be encrypted to.
struct RecipientCertificate {
  std::string id;
  std::string der;
};
struct Lookup {
  std::optional<RecipientCertificate> certificate;
  std::string reason;  // when none: why, for the trace and a DSN
};

class TrustCache {
 public:
  // Verdicts are asked again after this long at most.
  static constexpr int64_t kMaxSeconds = 3600;

  // Taken before reading the store for a fill, handed back with it.
  uint64_t Generation() const SP_EXCLUDES(mu_);
  std::shared_ptr<const TrustMaterial> Trust() const SP_EXCLUDES(mu_);
  void PutTrust(uint64_t generation, std::shared_ptr<const TrustMaterial> t)
      SP_EXCLUDES(mu_);

  // The verdict for `address` (exact: local parts are case-sensitive) at
  // `now`, when one is kept.
  std::optional<Lookup> Find(const std::string& address, int64_t now) const
      SP_EXCLUDES(mu_);
  void Put(uint64_t generation, const std::string& address, Lookup lookup,
           int64_t until) SP_EXCLUDES(mu_);

  // Forgets everything.
  void Drop() SP_EXCLUDES(mu_);

 private:
  struct Entry {
    Lookup lookup;
    int64_t until = 0;
  };
  mutable Mutex mu_;
  uint64_t generation_ SP_GUARDED_BY(mu_) = 0;
  std::shared_ptr<const TrustMaterial> trust_ SP_GUARDED_BY(mu_);
  std::unordered_map<std::string, Entry> lookups_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_TRUST_CACHE_H_
