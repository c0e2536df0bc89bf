// What a CMS (RFC 5652) object really is, for the mail flow's "already
// S/MIME encrypted" test: a Content-Type header is only a claim, so the
// part's bytes are parsed as a whole CMS ContentInfo.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_CMS_H_
#define SEALPOST_CRYPTO_CMS_H_

#include <string_view>

namespace sealpost::crypto {

// True when `der` is one complete DER (or BER) ContentInfo whose content
// type is EnvelopedData (RFC 5652 §6) or AuthEnvelopedData (RFC 5083), with
// at least one recipient and no bytes after it.
bool IsCmsEnvelopedData(std::string_view der);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_CMS_H_
