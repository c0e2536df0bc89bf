// What the sender's "Opened by" says about each open besides who and when:
// the reader's device as a coarse kind, read from the User-Agent header
// (which itself is never kept), and the way the reader signed in.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_PORTAL_DEVICE_H_
#define SEALPOST_PORTAL_DEVICE_H_

#include <string_view>

namespace sealpost::portal {

// "tablet", "mobile", "desktop" or "unknown" for a User-Agent header value
// (any bytes; only the first 512 are looked at). Tablets first: an iPad or
// an Android device without "Mobile" (Google's advice to tablet makers);
// then phones ("Mobi", iPhone, Android); then desktop systems (Windows,
// macOS, X11 / Linux, ChromeOS). A bot, a tool or no header is "unknown".
std::string_view DeviceKind(std::string_view user_agent);

// "passcode", "oidc" or "org" for a portal session kind
// (license::kPortalOtpSession, kPortalOidcSession, kPortalSession); ""
// for any other.
std::string_view SignInMethod(std::string_view session_kind);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_DEVICE_H_
