// Shared by the portal's handlers: who is asking (browser cookie, session,
// CSRF token), page rendering inside the branded layout with the security
// headers, redirects and notices. Internal to src/portal.
//
// Thread-safety: free functions and value types.
#ifndef SEALPOST_PORTAL_WEB_H_
#define SEALPOST_PORTAL_WEB_H_

#include <kainjow/mustache.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "branding/branding.h"
#include "http/form.h"
#include "http/http.h"
#include "license/directory.h"
#include "mime/compose.h"
#include "portal/page_render.h"
#include "portal/portal.h"

namespace sealpost::portal {

using Data = kainjow::mustache::data;

inline constexpr std::string_view kBrowserCookie = "__Host-sp_b";
inline constexpr std::string_view kSessionCookie = "__Host-sp_s";
// Organisation users in this directory group see the admin dashboard.
inline constexpr std::string_view kAdministratorsGroup = "Administrators";
// Appended to a portal session kind for a sign-in whose authenticator
// code is still to come: such a session opens the second-factor page only.
inline constexpr std::string_view kSecondFactorPending = "+second-factor";
// Appended to a portal session kind for a sign-in that gave a code from
// the authenticator app (or added the app): only such a session opens a
// message once the address has an app, whenever the session began.
inline constexpr std::string_view kSecondFactorGiven = "+app-code";

struct Portal::Visitor {
  std::string browser;  // random per browser; the CSRF secret
  bool new_browser = false;
  std::string csrf;  // the token forms must carry
  std::string session_token;
  std::string email;           // signed-in address, "" when not signed in
  std::string session_kind;    // portal | portal-otp | portal-oidc
  bool gave_app_code = false;  // the session's kind had kSecondFactorGiven
  int64_t session_expires_at = 0;
  bool can_compose = false;  // the header links to /compose (Portal::Identify)
  bool is_admin = false;     // in kAdministratorsGroup: /admin (ditto)
  // In license::kEDiscoveryManagerGroup: /search (ditto).
  bool is_ediscovery = false;
  // A sign-in waiting for its second factor (kSecondFactorPending): the
  // address and the session kind it becomes; `email` stays "".
  std::string pending_email;
  std::string pending_kind;
  bool org_user() const { return session_kind == license::kPortalSession; }
  // Whether this is `owner`'s own organisation session: a passcode or a
  // provider for the same address is a mailbox, never the message's owner.
  bool owns(const std::string& owner) const {
    return org_user() && email == owner;
  }
};

// The page a handler's step (ReadPosted, FindSignInMessage, ...) ended
// with, or null when the step went on:
//   if (auto* page = Ended(posted)) return std::move(*page);
template <class Step>
http::Response* Ended(std::variant<Step, http::Response>& step) {
  return std::get_if<http::Response>(&step);
}

struct Portal::PostedForm {
  Visitor visitor;
  http::Form form;
};

// Reads the cookies and the session (an expired or unknown session counts
// as signed out).
Portal::Visitor IdentifyVisitor(const http::Request& req,
                                license::Directory& directory);

// A POST is accepted only with the browser cookie and the matching csrf
// field, and (when the browser sends one) an Origin of our own.
bool CsrfOk(const http::Request& req, const Portal::Visitor& v,
            const http::Form& form, std::string_view public_url);
// Parses the form of a POST (urlencoded or multipart).
Result<http::Form> ReadForm(const http::Request& req);
// The files the writer uploaded with a reply or a new message become
// attachments of `c` (application/octet-stream when the browser gave no
// type; empty file fields are skipped).
void AttachUploads(const http::Form& form, mime::ComposeRequest& c);

std::string RenderTemplate(std::string_view tmpl, const Data& data);

// Not owned (the pointers below): the handler's, which outlive the page.
struct Chrome {
  std::string title;
  const branding::Branding* brand = nullptr;  // null: the default look
  const Portal::Visitor* visitor = nullptr;
};

// The page `content` inside the branded layout, with the portal's CSP,
// no-store caching, and the browser cookie set when it was new.
http::Response PageResponse(int status, const std::string& content,
                            const Chrome& chrome);
// The same for `page` rendered with `data`, straight into the layout's
// buffer (one copy of the page, not three).
http::Response PageResponse(int status, const PageTemplate& page,
                            const PageData& data, const Chrome& chrome);
http::Response RedirectResponse(std::string_view location,
                                const Portal::Visitor& v);
http::Response NoticeResponse(int status, std::string_view heading,
                              std::string_view text, const Chrome& chrome,
                              std::string_view back = {},
                              std::string_view back_text = {});
// The guard of a page for one group's members: the sign-in page (then back
// to `back`) for a visitor not signed in to the organisation, 403 naming
// the group for one outside it, nothing for a member.
std::optional<http::Response> MembersOnly(const Portal::Visitor& v, bool member,
                                          std::string_view back,
                                          std::string_view members,
                                          std::string_view group);
// The branding of a message's pages; the default look when its identity
// is gone.
branding::Branding BrandOf(branding::BrandingStore& brands,
                           const store::ProtectedMessageRecord& record);
// A sign-in step's message (passcode request and check, OIDC start): its
// record and branding, or the page that ends the step: the message does
// not exist (404), or its branding turned this way of signing in off (403).
struct SignInMessage {
  store::ProtectedMessageRecord record;
  branding::Branding brand;
};
enum class SignInWay { kPasscode, kOpenIdConnect };
std::variant<SignInMessage, http::Response> FindSignInMessage(
    const PortalServices& s, const std::string& id, SignInWay way,
    const Portal::Visitor& v);

struct Portal::PasscodeStep {
  std::string id;  // the message's
  Visitor visitor;
  http::Form form;
  store::ProtectedMessageRecord record;
  branding::Branding brand;
};
// 403 for a form post without a valid CSRF token (or 400 when the form
// itself could not be read: `why` says how).
http::Response FormExpired(const Portal::Visitor& v, std::string_view back,
                           std::string_view back_text,
                           std::string_view why = {});

// Set-Cookie for a session: persistent for 12 hours with `keep`, else a
// browser-session cookie. An empty token clears it.
std::string SessionCookie(std::string_view token, bool keep);

// A plain-text body as HTML with its http(s) links made clickable.
std::string LinkifyText(std::string_view text);
// "12 KB", "3.4 MB".
std::string HumanSize(int64_t bytes);
// "29 Nov 2026 12:07 UTC".
std::string HumanTime(int64_t unix_seconds);
// Milliseconds since the epoch on `clock` (the view cache's time).
int64_t NowMs(const Clock& clock);
// `next` when it is a path on this site ("/m/x?images=1": a single '/'
// first, then only URL path and query characters), else "/".
std::string SafeNext(std::string_view next);
// "a, b, c".
std::string JoinList(const std::vector<std::string>& items);
// Addresses typed in a form field, split at commas, semicolons and line
// breaks, trimmed; not yet checked (PortalRecipient).
std::vector<std::string> SplitAddressList(std::string_view text);
// `address` in lower case when mail written in the portal may go to it: an
// addr-spec the composer writes (mime::IsAddrSpec) that the gateway sends
// to whoever writes (CheckRecipientAddress, base/recipient_address.h: SMTP
// RCPT's decision, so no routing local part in `accepted_domains`, no
// address literal). Otherwise INVALID_ARGUMENT (no such address) or
// PERMISSION_DENIED (refused), with a sentence for the page.
Result<std::string> PortalRecipient(
    std::string_view address, const std::vector<std::string>& accepted_domains);
// The heading of the page that refuses what PortalRecipient refused.
std::string_view RefusedRecipientHeading(const Status& refusal);
// "brand.css?b=..." query for an identity.
std::string BrandQuery(std::string_view identity);

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_WEB_H_
