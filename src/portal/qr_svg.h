// A QR code as an inline SVG element, rendered on the server (the portal's
// CSP allows no script): libqrencode computes the module matrix, this
// draws it as one <path> of unit squares with a 4-module quiet zone
// (ISO/IEC 18004 §6.3.8). For the authenticator enrolment page.
//
// Thread-safety: pure function.
#ifndef SEALPOST_PORTAL_QR_SVG_H_
#define SEALPOST_PORTAL_QR_SVG_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::portal {

// `<svg ... role="img" aria-label="LABEL">` encoding `text` (8-bit mode,
// error correction level M). `label` is HTML-escaped.
Result<std::string> QrSvg(std::string_view text, std::string_view label);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_QR_SVG_H_
