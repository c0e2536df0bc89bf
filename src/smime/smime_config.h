// SmimeConfig: the organisation's S/MIME settings with the names and values
// of Exchange's Get-/Set-SmimeConfig (ome-inventory.md §7), so that admins
// recognise them, but safer defaults where Microsoft's are weak (SHA-256
// signatures, not SHA-1; the chain without its root travels with a
// signature). Values we do not implement are refused with an error naming
// what is supported (docs/smime.md, "Settings"). Persisted as one JSON
// document in the store's settings under "smime"; changed at run time by
// `sealpost smime set`. SMIMECertificateIssuingCA is not stored here: it
// is the trusted CA collection (`cert trust`).
//
// Thread-safety: a value type.
#ifndef SEALPOST_SMIME_SMIME_CONFIG_H_
#define SEALPOST_SMIME_SMIME_CONFIG_H_

#include <string_view>
#include <vector>

#include "base/status.h"
#include "crypto/smime_cms.h"
#include "license/property_set.h"
#include "store/store.h"

namespace sealpost::smime {

// Which CA certificates travel with a signature.
enum class ChainInclusion { kNone, kWithoutRoot, kWithRoot };

// What the settings mean for the mail flow.
struct SmimeOptions {
  crypto::CmsCipher cipher = crypto::CmsCipher::kAes256Cbc;
  crypto::CmsSignOptions sign;
  bool clear_sign = true;    // OWAClearSign
  bool always_sign = false;  // OWAAlwaysSign: every S/MIME copy is signed
  bool triple_wrap = false;  // OWATripleWrapSignedEncryptedMail
  ChainInclusion chain = ChainInclusion::kWithoutRoot;
  // Revocation (docs/smime.md, "Revocation checking"): !OWADisableCRLCheck,
  // and OWACheckCRLOnSend (a recipient's certificate whose revocation
  // status cannot be had is not used).
  bool check_revocation = true;
  bool fail_closed_on_send = false;
};

class SmimeConfig : public license::PropertySet {
 public:
  static const std::vector<Property>& Properties();

  SmimeConfig() : PropertySet(Properties(), "S/MIME", "sealpost smime get") {}

  SmimeOptions Options() const;

  // The stored settings (defaults when none are stored).
  static Result<SmimeConfig> Load(store::Store& store);
  Status Save(store::Store& store) const;
};

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SMIME_CONFIG_H_
