#include "crypto/cms.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/objects.h>

namespace sealpost::crypto {

bool IsCmsEnvelopedData(std::string_view der) {
  if (der.empty() || der.size() > static_cast<size_t>(INT32_MAX)) {
    return false;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  CMS_ContentInfo* cms = d2i_CMS_ContentInfo(nullptr, &p, der.size());
  if (cms == nullptr) return false;
  bool trailing =
      p != reinterpret_cast<const unsigned char*>(der.data()) + der.size();
  int type = OBJ_obj2nid(CMS_get0_type(cms));
  bool enveloped = (type == NID_pkcs7_enveloped ||
                    type == NID_id_smime_ct_authEnvelopedData);
  bool has_recipients = false;
  if (enveloped) {
    STACK_OF(CMS_RecipientInfo)* ris = CMS_get0_RecipientInfos(cms);
    has_recipients = ris != nullptr && sk_CMS_RecipientInfo_num(ris) > 0;
  }
  CMS_ContentInfo_free(cms);
  return enveloped && has_recipients && !trailing;
}

}  // namespace sealpost::crypto
