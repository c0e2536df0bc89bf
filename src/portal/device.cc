#include "portal/device.h"

#include <algorithm>
#include <initializer_list>

#include "license/directory.h"
#include "license/license_service.h"

namespace sealpost::portal {
namespace {

bool Contains(std::string_view text, std::string_view word) {
  return text.find(word) != std::string_view::npos;
}

bool ContainsAny(std::string_view text,
                 std::initializer_list<std::string_view> words) {
  return std::any_of(words.begin(), words.end(),
                     [&](std::string_view w) { return Contains(text, w); });
}

}  // namespace

std::string_view DeviceKind(std::string_view user_agent) {
  std::string_view ua = user_agent.substr(0, 512);
  if (ua.empty() || ContainsAny(ua, {"bot", "Bot", "spider", "crawl", "curl/",
                                     "Wget/", "python-", "Go-http-client"})) {
    return "unknown";
  }
  const bool android = Contains(ua, "Android");
  if (ContainsAny(ua, {"iPad", "Tablet", "Kindle", "Silk/"}) ||
      (android && !Contains(ua, "Mobile"))) {
    return "tablet";
  }
  if (android || ContainsAny(ua, {"Mobi", "iPhone", "iPod", "Windows Phone"})) {
    return "mobile";
  }
  if (ContainsAny(ua, {"Windows NT", "Macintosh", "X11", "Linux", "CrOS"})) {
    return "desktop";
  }
  return "unknown";
}

std::string_view SignInMethod(std::string_view session_kind) {
  if (session_kind == license::kPortalOtpSession) {
    return license::kSignInPasscode;
  }
  if (session_kind == license::kPortalOidcSession) {
    return license::kSignInProvider;
  }
  if (session_kind == license::kPortalSession) return license::kSignInOrg;
  return "";
}

}  // namespace sealpost::portal
