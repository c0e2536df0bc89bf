// SmimeStore: S/MIME certificates and CRLs on file (smime/), one area of
// Store (store.h).
//
// Thread-safety: implementations are safe to call from any thread.
#ifndef SEALPOST_STORE_SMIME_STORE_H_
#define SEALPOST_STORE_SMIME_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace sealpost::store {

// An S/MIME certificate on file (smime/certificate_directory.h): a
// person's certificate (kind "user"), a CA certificate that may complete a
// chain but is trusted for nothing ("chain"), or a trusted CA ("anchor").
struct SmimeCertRecord {
  std::string id;    // SHA-256 of the DER, lower-case hex
  std::string kind;  // user | chain | anchor
  std::string der;
  std::vector<std::string> emails;  // lower-case, from subjectAltName
  std::string subject;
  std::string issuer;
  std::string serial;  // hex
  int64_t not_before = 0;
  int64_t not_after = 0;
  // The private key (PKCS#8) wrapped under the master key; empty: none.
  std::string wrapped_key;
  std::string source;  // "import"
  int64_t created_at = 0;
};

// A certificate the admin removed (`cert remove`) and so refused: harvesting
// never stores it again, and an admin's import of it takes it off the list
// (smime/certificate_directory.h).
struct SmimeRefusedRecord {
  std::string id;  // SHA-256 of the DER, lower-case hex
  std::string der;
  int64_t refused_at = 0;
};

// A certificate revocation list, one per issuer (the newest kept).
struct SmimeCrlRecord {
  std::string issuer;  // the CRL issuer's name, as text
  std::string der;
  int64_t this_update = 0;
  int64_t next_update = 0;  // 0: none given
  int64_t created_at = 0;
  // Its CRL Number (RFC 5280 §5.2.3), lower-case hex without leading
  // zeros; empty: it has none.
  std::string number;
  // When it was fetched from a distribution point (smime/revocation.h);
  // 0: imported by an admin (`cert crl import`).
  int64_t fetched_at = 0;
};

// A CRL Number (SmimeCrlRecord::number, crypto::CrlInfo::number) as the
// messages and the audit write it: "none" when the CRL has none.
std::string CrlNumberText(std::string_view number);

// How a CRL compares with the one of its issuer on file: by CRL Number
// when both have one (a higher number is newer), else by thisUpdate.
// kDiffers: as new (the same CRL Number, or thisUpdate) but not the same
// bytes: a CA never issues two CRLs as one, so one of them is not what
// the CA made (or the CA reset its numbering).
enum class CrlAge { kNewer, kSame, kOlder, kDiffers };
CrlAge CompareCrls(const SmimeCrlRecord& crl, const SmimeCrlRecord& on_file);
// The fetched_at of the CRL on file once `crl`, the same CRL, is put
// again: a fetch confirms a fetched one now; an admin's import makes it
// imported, and a fetch does not undo that.
int64_t FetchedAtOfSame(const SmimeCrlRecord& crl,
                        const SmimeCrlRecord& on_file);

class SmimeStore {
 public:
  virtual ~SmimeStore() = default;

  // Inserts or replaces the certificate with this id, with its emails.
  virtual Status PutSmimeCert(const SmimeCertRecord& cert) = 0;
  virtual Result<std::optional<SmimeCertRecord>> GetSmimeCert(
      std::string_view id) = 0;
  // Oldest first; `kind` and `email` (lower-case) filter when not empty.
  virtual Result<std::vector<SmimeCertRecord>> ListSmimeCerts(
      std::string_view kind, std::string_view email) = 0;
  // NOT_FOUND when there is no such certificate.
  virtual Status DeleteSmimeCert(std::string_view id) = 0;
  // Deletes the certificate `id` and lists it as refused (its DER, refused
  // now), in one transaction: no moment sees it neither on file nor
  // refused. NOT_FOUND, nothing written, when no such certificate is on
  // file.
  virtual Status RefuseSmimeCert(std::string_view id) = 0;
  virtual Result<bool> IsSmimeCertRefused(std::string_view id) = 0;
  // Oldest first.
  virtual Result<std::vector<SmimeRefusedRecord>> ListRefusedSmimeCerts() = 0;
  // Takes `id` off the refused list: true when it was on it.
  virtual Result<bool> UnrefuseSmimeCert(std::string_view id) = 0;
  // Stores the CRL when it is newer than the one of its issuer on file
  // (CompareCrls), or none is (kNewer); keeps the one on file when it is
  // the same (kSame: its fetched_at becomes FetchedAtOfSame, and its CRL
  // Number is filled in when it was stored without one), newer (kOlder)
  // or as new but different (kDiffers): nothing written then. A replayed
  // old CRL never replaces a newer.
  virtual Result<CrlAge> PutSmimeCrl(const SmimeCrlRecord& crl) = 0;
  // Deletes the CRL of `issuer` and returns it, read in the statement that
  // deleted it (so that what is said to be gone is what went, even if
  // another one was stored just before); NOT_FOUND when none is on file.
  virtual Result<SmimeCrlRecord> DeleteSmimeCrl(std::string_view issuer) = 0;
  virtual Result<std::vector<SmimeCrlRecord>> ListSmimeCrls() = 0;
};

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SMIME_STORE_H_
