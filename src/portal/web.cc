#include "portal/web.h"

#include <chrono>
#include <ctime>
#include <functional>
#include <unordered_map>

#include "base/encoding.h"
#include "base/recipient_address.h"
#include "base/secret_bytes.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "portal/page_templates.h"
#include "portal/sanitize.h"

namespace sealpost::portal {
namespace {

constexpr std::string_view kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' "
    "data:; frame-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'";

std::string CsrfFor(std::string_view browser) {
  std::string mac = crypto::Sha256("sealpost-csrf\n" + std::string(browser));
  return Base64UrlEncode(AsBytes(mac));
}

}  // namespace

Portal::Visitor IdentifyVisitor(const http::Request& req,
                                license::Directory& directory) {
  Portal::Visitor v;
  auto cookies = http::ParseCookies(req.Header("cookie"));
  if (auto it = cookies.find(std::string(kBrowserCookie));
      it != cookies.end() && it->second.size() >= 20 &&
      it->second.size() <= 64) {
    v.browser = it->second;
  } else {
    v.browser = crypto::RandomToken(24);
    v.new_browser = true;
  }
  v.csrf = CsrfFor(v.browser);
  if (auto it = cookies.find(std::string(kSessionCookie));
      it != cookies.end() && !it->second.empty()) {
    auto session = directory.Session(it->second);
    std::string_view kind;
    bool app_code = false;
    if (session.ok()) {
      kind = session->kind;
      app_code = kind.ends_with(kSecondFactorGiven);
      if (app_code) kind.remove_suffix(kSecondFactorGiven.size());
    }
    if (kind == license::kPortalSession || kind == license::kPortalOtpSession ||
        kind == license::kPortalOidcSession) {
      v.session_token = it->second;
      v.email = session->email;
      v.session_kind = kind;
      v.gave_app_code = app_code;
      v.session_expires_at = session->expires_at;
    } else if (session.ok() && session->kind.ends_with(kSecondFactorPending)) {
      v.session_token = it->second;
      v.pending_email = session->email;
      v.pending_kind = session->kind.substr(
          0, session->kind.size() - kSecondFactorPending.size());
    }
  }
  return v;
}

bool CsrfOk(const http::Request& req, const Portal::Visitor& v,
            const http::Form& form, std::string_view public_url) {
  if (v.new_browser) return false;
  // Origin is scheme://host[:port]; public_url may carry a path or a
  // trailing slash.
  std::string_view origin = req.Header("origin");
  std::string_view ours = public_url;
  if (size_t scheme = ours.find("://"); scheme != std::string_view::npos) {
    ours = ours.substr(0, ours.find('/', scheme + 3));
  }
  if (!origin.empty() && origin != "null" && origin != ours) return false;
  return ConstantTimeEquals(form.Get("csrf"), v.csrf);
}

Result<http::Form> ReadForm(const http::Request& req) {
  http::FormLimits limits;
  limits.max_field_bytes = 1 << 20;
  return http::ParseForm(req.Header("content-type"), req.body, limits);
}

void AttachUploads(const http::Form& form, mime::ComposeRequest& c) {
  for (const auto& [name, f] : form.files) {
    if (f.filename.empty()) continue;
    c.attachments.push_back(
        {f.filename,
         f.content_type.empty() ? "application/octet-stream" : f.content_type,
         f.data});
  }
}

std::string RenderTemplate(std::string_view tmpl, const Data& data) {
  // Parsing a page costs more than rendering it: each thread keeps the
  // pages it has parsed (a handful of constants; the bound is a safeguard).
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>()(s);
    }
  };
  thread_local std::unordered_map<std::string, kainjow::mustache::mustache,
                                  Hash, std::equal_to<>>
      parsed;
  auto it = parsed.find(tmpl);
  if (it == parsed.end()) {
    if (parsed.size() >= 64) parsed.clear();
    it = parsed
             .emplace(std::string(tmpl),
                      kainjow::mustache::mustache{std::string(tmpl)})
             .first;
  }
  return it->second.render(data);
}

namespace {

static_assert(PageTemplate::Check(kLayoutPage).empty());
static_assert(PageTemplate::Check(kNoticePage).empty());

const PageTemplate& LayoutTemplate() {
  static const PageTemplate t(kLayoutPage);
  return t;
}

const PageTemplate& NoticeTemplate() {
  static const PageTemplate t(kNoticePage);
  return t;
}

// The layout's data but its content. Views of `chrome`'s strings and its
// branding's, which outlive the render.
void LayoutData(const Chrome& chrome, PageData& d) {
  static const branding::Branding kDefault;
  const branding::Branding& b = chrome.brand ? *chrome.brand : kDefault;
  d.SetView("title", chrome.title.empty()
                         ? std::string_view("Protected message")
                         : std::string_view(chrome.title));
  d.Set("brand_css", "/portal/brand.css?" + BrandQuery(b.identity));
  if (!b.image.empty()) {
    d.Set("logo_url", "/portal/logo?" + BrandQuery(b.identity));
  }
  d.SetView("portal_text", b.portal_text.empty()
                               ? std::string_view("Protected message portal")
                               : std::string_view(b.portal_text));
  if (chrome.visitor != nullptr && !chrome.visitor->email.empty()) {
    d.SetView("user", chrome.visitor->email);
    d.SetView("csrf", chrome.visitor->csrf);
    if (chrome.visitor->org_user()) d.SetFlag("org");
    if (!chrome.visitor->org_user()) d.SetFlag("reader");
    if (chrome.visitor->can_compose) d.SetFlag("compose");
    if (chrome.visitor->is_admin) d.SetFlag("admin");
    if (chrome.visitor->is_ediscovery) d.SetFlag("ediscovery");
  }
  if (!b.privacy_statement_url.empty()) {
    d.SetView("privacy_url", b.privacy_statement_url);
  }
  if (!b.disclaimer_text.empty()) d.SetView("disclaimer", b.disclaimer_text);
}

// The layout with `d` (content included), `content_size` the expected size
// of the content for the buffer's one reservation.
http::Response LayoutResponse(int status, const PageData& d,
                              size_t content_size, const Chrome& chrome) {
  http::Response r;
  r.status = status;
  r.content_type = "text/html; charset=utf-8";
  r.body.reserve(LayoutTemplate().literal_size() + d.TextSize() + content_size +
                 512);
  LayoutTemplate().RenderInto(d, r.body);
  r.headers.emplace_back("Content-Security-Policy", std::string(kPageCsp));
  r.headers.emplace_back("Cache-Control", "no-store");
  if (chrome.visitor != nullptr && chrome.visitor->new_browser) {
    r.headers.emplace_back("Set-Cookie",
                           std::string(kBrowserCookie) + "=" +
                               chrome.visitor->browser +
                               "; Path=/; Secure; HttpOnly; SameSite=Lax");
  }
  return r;
}

}  // namespace

http::Response PageResponse(int status, const std::string& content,
                            const Chrome& chrome) {
  PageData d;
  LayoutData(chrome, d);
  d.SetView("content", content);
  return LayoutResponse(status, d, 0, chrome);
}

http::Response PageResponse(int status, const PageTemplate& page,
                            const PageData& data, const Chrome& chrome) {
  PageData d;
  LayoutData(chrome, d);
  d.SetPage("content", page, data);
  // Escaping may lengthen the texts: a little room for it.
  const size_t text = data.TextSize();
  return LayoutResponse(status, d, page.literal_size() + text + text / 8,
                        chrome);
}

http::Response RedirectResponse(std::string_view location,
                                const Portal::Visitor& v) {
  http::Response r;
  r.status = 303;
  r.content_type = "text/plain; charset=utf-8";
  r.headers.emplace_back("Location", std::string(location));
  if (v.new_browser) {
    r.headers.emplace_back("Set-Cookie",
                           std::string(kBrowserCookie) + "=" + v.browser +
                               "; Path=/; Secure; HttpOnly; SameSite=Lax");
  }
  return r;
}

http::Response NoticeResponse(int status, std::string_view heading,
                              std::string_view text, const Chrome& chrome,
                              std::string_view back,
                              std::string_view back_text) {
  PageData d;
  d.SetView("heading", heading);
  if (!text.empty()) d.SetView("text", text);
  if (!back.empty()) {
    d.SetView("back", back);
    d.SetView("back_text", back_text);
  }
  Chrome c = chrome;
  if (c.title.empty()) c.title = std::string(heading);
  return PageResponse(status, NoticeTemplate(), d, c);
}

std::optional<http::Response> MembersOnly(const Portal::Visitor& v, bool member,
                                          std::string_view back,
                                          std::string_view members,
                                          std::string_view group) {
  if (!v.org_user()) {
    return RedirectResponse("/signin?next=" + std::string(back), v);
  }
  if (member) return std::nullopt;
  return NoticeResponse(
      403, "This page is for " + std::string(members),
      "Members of the " + std::string(group) + " group see it.",
      {"Not allowed", nullptr, &v}, "/sent", "Sent messages");
}

std::variant<SignInMessage, http::Response> FindSignInMessage(
    const PortalServices& s, const std::string& id, SignInWay way,
    const Portal::Visitor& v) {
  auto record = s.store->GetProtectedMessage(id);
  if (!record.ok() || !record->has_value()) {
    return NoticeResponse(404, "This message doesn't exist", "",
                          {"", nullptr, &v});
  }
  branding::Branding brand = BrandOf(*s.branding, **record);
  const bool passcode = way == SignInWay::kPasscode;
  if (passcode ? !brand.otp_enabled : !brand.social_id_sign_in) {
    return NoticeResponse(
        403,
        passcode ? "One-time passcodes are turned off"
                 : "This way of signing in is turned off",
        "Sign in with one of the other ways offered.",
        {passcode ? "One-time passcode" : "Sign in", &brand, &v}, "/m/" + id,
        "Back");
  }
  return SignInMessage{std::move(**record), std::move(brand)};
}

branding::Branding BrandOf(branding::BrandingStore& brands,
                           const store::ProtectedMessageRecord& record) {
  auto b = brands.Get(record.branding.empty()
                          ? std::string(branding::kDefaultIdentity)
                          : record.branding);
  return b.ok() ? *b : branding::Branding{};
}

http::Response FormExpired(const Portal::Visitor& v, std::string_view back,
                           std::string_view back_text, std::string_view why) {
  if (!why.empty()) {
    return NoticeResponse(400, "This form could not be read", std::string(why),
                          {"", nullptr, &v}, back, back_text);
  }
  return NoticeResponse(403, "This form has expired",
                        "Go back, reload the page and try again.",
                        {"", nullptr, &v}, back, back_text);
}

std::string SessionCookie(std::string_view token, bool keep) {
  std::string c = std::string(kSessionCookie) + "=" + std::string(token) +
                  "; Path=/; Secure; HttpOnly; SameSite=Lax";
  if (token.empty()) {
    c += "; Max-Age=0";
  } else if (keep) {
    c += "; Max-Age=" + std::to_string(license::Directory::kSessionLifetime);
  }
  return c;
}

std::string LinkifyText(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t a = text.find("http", pos);
    if (a == std::string_view::npos) break;
    std::string_view rest = text.substr(a);
    if (!rest.starts_with("https://") && !rest.starts_with("http://")) {
      AppendHtmlEscaped(out, text.substr(pos, a + 4 - pos));
      pos = a + 4;
      continue;
    }
    size_t end = a;
    while (end < text.size() &&
           !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '<' && text[end] != '>' && text[end] != '"') {
      ++end;
    }
    while (end > a && std::string_view(".,;:!?)]'").find(text[end - 1]) !=
                          std::string_view::npos) {
      --end;
    }
    AppendHtmlEscaped(out, text.substr(pos, a - pos));
    std::string url;
    AppendHtmlEscaped(url, text.substr(a, end - a));
    out += "<a href=\"";
    out += url;
    out += "\" rel=\"noopener noreferrer\" target=\"_blank\">";
    out += url;
    out += "</a>";
    pos = end;
  }
  AppendHtmlEscaped(out, text.substr(pos));
  return out;
}

std::string HumanSize(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof buf, "%lld bytes", static_cast<long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buf, sizeof buf, "%.0f KB", bytes / 1024.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f MB", bytes / (1024.0 * 1024.0));
  }
  return buf;
}

int64_t NowMs(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             clock.Now().time_since_epoch())
      .count();
}

std::string HumanTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%d %b %Y %H:%M UTC", &tm);
  return buf;
}

std::string SafeNext(std::string_view next) {
  // Browsers drop tabs and line breaks from a URL and read '\' as '/', so
  // "/\t/evil.example" arrives as "//evil.example", another site. Only a
  // path of our own passes: one '/' first, then RFC 3986 path and query
  // characters (percent-encoded as they come), nothing else.
  static constexpr std::string_view kAllowed = "-._~!$&'()*+,;=:@/?%";
  if (next.empty() || next[0] != '/' || next.size() > 2048 ||
      next.starts_with("//")) {
    return "/";
  }
  for (char c : next) {
    if (!std::isalnum(static_cast<unsigned char>(c)) &&
        kAllowed.find(c) == std::string_view::npos) {
      return "/";
    }
  }
  return std::string(next);
}

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::vector<std::string> SplitAddressList(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    size_t b = cur.find_first_not_of(" \t\r\n");
    size_t e = cur.find_last_not_of(" \t\r\n");
    if (b != std::string::npos) out.push_back(cur.substr(b, e - b + 1));
    cur.clear();
  };
  for (char c : text) {
    if (c == ',' || c == ';' || c == '\n') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return out;
}

Result<std::string> PortalRecipient(
    std::string_view address,
    const std::vector<std::string>& accepted_domains) {
  auto addr = license::NormalizeEmail(address);
  if (!addr.ok() || !mime::IsAddrSpec(*addr)) {
    return InvalidArgumentError("\"" + std::string(address) +
                                "\" is not an e-mail address.");
  }
  const RecipientRefusal refusal =
      CheckRecipientAddress(accepted_domains, *addr);
  if (refusal != RecipientRefusal::kNone) {
    return PermissionDeniedError(
        "\"" + *addr + "\" can't get mail from here: " +
        std::string(RecipientRefusalReason(refusal)) + ".");
  }
  return addr;
}

std::string_view RefusedRecipientHeading(const Status& refusal) {
  return refusal.code() == StatusCode::kPermissionDenied
             ? "That address is refused"
             : "That address doesn't look right";
}

std::string BrandQuery(std::string_view identity) {
  return "b=" + http::PercentEncode(identity);
}

}  // namespace sealpost::portal
