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

#include <functional>
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
  // Writes these settings whole, whatever is stored (tests); a change of
  // some of them is Update.
  Status Save(store::Store& store) const;
  // Changes the stored settings with `edit` (store::UpdateSetting: it may
  // run more than once, each time on the settings stored then; an error
  // stops the change), so that two admins' changes at once both hold;
  // the settings as saved.
  static Result<SmimeConfig> Update(
      store::Store& store, const std::function<Status(SmimeConfig&)>& edit);
};

}  // namespace sealpost::smime

#endif  // SEALPOST_SMIME_SMIME_CONFIG_H_
