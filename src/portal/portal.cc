// The portal's wiring: routes, static assets and branding, the provider
// list, the view cache, and what the handlers share (the mail queue, the
// send limits, the recipient check). Sign-in is in signin.cc.
#include "portal/portal.h"

#include <algorithm>
#include <chrono>
#include <future>

#include "base/files.h"
#include "base/log.h"
#include "crypto/digest.h"
#include "net/client_key.h"
#include "portal/device.h"
#include "portal/page_templates.h"
#include "portal/web.h"

namespace sealpost::portal {

namespace {

http::Response Asset(std::string_view body, std::string_view type) {
  http::Response r;
  r.content_type = std::string(type);
  r.body = std::string(body);
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  return r;
}

bool IsHexColour(std::string_view c) {
  if (c.size() != 7 || c[0] != '#') return false;
  for (char ch : c.substr(1)) {
    if (!std::isxdigit(static_cast<unsigned char>(ch))) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<OidcProviderConfig>> LoadOidcProviders(
    const std::string& path) {
  if (path.empty()) return std::vector<OidcProviderConfig>{};
  SP_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  SP_ASSIGN_OR_RETURN(auto providers, ParseOidcProviders(text, path));
  // Without email_domains a provider signs in any address it calls
  // verified: a partner's SSO or a self-service provider would open any
  // recipient's mail. Allowed (configs before email_domains), but said.
  for (const OidcProviderConfig& p : providers) {
    if (p.email_domains.empty()) {
      log::Warn(
          "portal: OIDC provider {} vouches for any domain: set email_domains "
          "in {} to the domains it may sign in (docs/portal.md)",
          p.name, path);
    }
  }
  return providers;
}

Portal::Portal(PortalServices services, PortalOptions options)
    : services_(std::move(services)),
      options_(std::move(options)),
      otp_(*services_.store, *services_.clock),
      second_factors_(*services_.store, *services_.licenses, *services_.clock),
      send_per_user_(options_.send_limit_per_user, 3600),
      send_per_client_(options_.send_limit_per_client, 3600),
      audit_(std::make_unique<AuditBuffer>(*services_.store)),
      first_opens_inline_(services_.store->Engine() == "sqlite") {
  // Several nodes on one store: a client's tries count on every node, and
  // an OIDC callback may reach another node than the one that began it.
  // (A single node keeps both in memory: the fast path.)
  if (services_.store->Engine() != "sqlite") {
    store::Store* shared = services_.store;
    otp_per_address_client_.Share(shared, "otp_per_address_client");
    otp_per_address_.Share(shared, "otp_per_address");
    otp_per_address_day_.Share(shared, "otp_per_address_day");
    otp_.Share(shared);
    otp_per_client_.Share(shared, "otp_per_client");
    verify_per_client_.Share(shared, "verify_per_client");
    second_factor_per_address_.Share(shared, "second_factor_per_address");
    oidc_per_client_.Share(shared, "oidc_per_client");
    send_per_user_.Share(shared, "send_per_user");
    send_per_client_.Share(shared, "send_per_client");
    pending_oidc_.Share(shared);
  }
}

Portal::~Portal() = default;

Portal::Visitor Portal::Identify(const http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  if (v.org_user()) {
    auto irm = services_.licenses->CurrentIrm();
    v.can_compose =
        irm.ok() && (*irm)->GetBool("SimplifiedClientAccessEnabled");
    auto groups = services_.directory->GroupsOf(v.email);
    v.is_admin =
        groups.ok() && std::find(groups->begin(), groups->end(),
                                 kAdministratorsGroup) != groups->end();
    v.is_ediscovery =
        groups.ok() &&
        std::find(groups->begin(), groups->end(),
                  license::kEDiscoveryManagerGroup) != groups->end();
  }
  return v;
}

std::variant<Portal::PostedForm, http::Response> Portal::ReadPosted(
    const http::Request& req, std::string_view back, std::string_view back_text,
    Poster who) {
  Visitor v = Identify(req);
  auto form = ReadForm(req);
  if (!form.ok()) {
    return FormExpired(v, back, back_text, form.status().message());
  }
  if (!CsrfOk(req, v, *form, options_.public_url)) {
    return FormExpired(v, back, back_text);
  }
  if (who == Poster::kOrgUser && !v.org_user()) {
    return RedirectResponse("/signin?next=" + std::string(back), v);
  }
  return PostedForm{std::move(v), std::move(*form)};
}

void Portal::Register(http::Router& router) {
  auto bind = [this](http::Response (Portal::*fn)(http::Request&)) {
    return [this, fn](http::Request& r) { return (this->*fn)(r); };
  };
  router.Add("GET", "/", bind(&Portal::Home));
  router.Add("GET", "/portal/static/portal.css", [](http::Request&) {
    return Asset(kPortalCss, "text/css; charset=utf-8");
  });
  router.Add("GET", "/portal/static/portal.js", [](http::Request&) {
    return Asset(kPortalJs, "text/javascript; charset=utf-8");
  });
  router.Add("GET", "/portal/brand.css", [this](http::Request& r) {
    auto b = services_.branding->Get(r.QueryParam("b"));
    std::string css;
    if (b.ok() && IsHexColour(b->background_color)) {
      css = ".brand-bar{background:" + b->background_color + "}\n";
    }
    return Asset(css, "text/css; charset=utf-8");
  });
  router.Add("GET", "/portal/logo", [this](http::Request& r) {
    auto b = services_.branding->Get(r.QueryParam("b"));
    if (!b.ok() || b->image.empty()) {
      return http::Response::Text(404, "no logo\n");
    }
    return Asset(b->image, b->image_type);
  });
  router.Add("GET", "/m/:id", bind(&Portal::MessageEntry));
  router.Add("POST", "/m/:id/otp", bind(&Portal::RequestOtp));
  router.Add("POST", "/m/:id/otp/verify", bind(&Portal::VerifyOtp));
  router.Add("GET", "/m/:id/oidc/:n", bind(&Portal::BeginOidc));
  // Each provider's own redirect URI, and the one all shared before
  // (OidcRedirectUri; OidcCallback).
  router.Add("GET", "/oidc/callback/:provider", bind(&Portal::OidcCallback));
  router.Add("GET", "/oidc/callback", bind(&Portal::OidcCallback));
  router.Add("GET", "/m/:id/pin", bind(&Portal::PinPage));
  router.Add("POST", "/m/:id/pin", bind(&Portal::CheckPin));
  router.Add("GET", "/second-factor", bind(&Portal::SecondFactorPage));
  router.Add("POST", "/second-factor", bind(&Portal::SecondFactorPost));
  router.Add("GET", "/m/:id/body", bind(&Portal::MessageBody));
  router.Add("GET", "/m/:id/part/:n", bind(&Portal::MessagePart));
  router.Add("GET", "/m/:id/reply", bind(&Portal::ReplyForm));
  router.Add("POST", "/m/:id/reply", bind(&Portal::SendReply));
  router.Add("GET", "/m/:id/forward", bind(&Portal::ReplyForm));
  router.Add("POST", "/m/:id/forward", bind(&Portal::SendReply));
  router.Add("GET", "/signin", bind(&Portal::OrgSignInPage));
  router.Add("POST", "/signin", bind(&Portal::OrgSignIn));
  router.Add("POST", "/signout", bind(&Portal::SignOut));
  router.Add("GET", "/sent", bind(&Portal::Sent));
  router.Add("POST", "/sent/:id/revoke", bind(&Portal::Revoke));
  router.Add("POST", "/sent/revoke", bind(&Portal::RevokeSelected));
  router.Add("POST", "/sent/:id/expire", bind(&Portal::SetExpiry));
  router.Add("GET", "/admin", bind(&Portal::AdminDashboard));
  router.Add("GET", "/admin/messages/:id", bind(&Portal::AdminMessage));
  router.Add("GET", "/search", bind(&Portal::SearchPage));
  router.Add("POST", "/search", bind(&Portal::SearchPost));
  router.Add("POST", "/search/messages/:id", bind(&Portal::SearchDownload));
  router.Add("GET", "/compose", bind(&Portal::ComposeForm));
  router.Add("POST", "/compose", bind(&Portal::SendCompose));
  if (options_.dev) {
    router.Add("GET", "/dev/mailbox", bind(&Portal::Mailbox));
    router.Add("GET", "/dev/mailbox/:name", bind(&Portal::MailboxMail));
    router.Add("GET", "/dev/mailbox/:name/body", bind(&Portal::MailboxBody));
  }
}

Status Portal::Enqueue(std::vector<queue::IncomingMessage> messages) {
  queue::Acceptor* queue = queue_.load();
  if (queue == nullptr) return UnavailableError("the mail queue is not ready");
  // One acceptance: all the copies of the message, or none (the writer
  // sends it again after an error, and nobody gets it twice).
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> done = promise->get_future();
  queue->AcceptAll(std::move(messages),
                   [promise](Status s) { promise->set_value(std::move(s)); });
  if (done.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
    return UnavailableError("the mail queue did not answer in time");
  }
  return done.get();
}

std::optional<http::Response> Portal::SendRefused(const http::Request& req,
                                                  const Visitor& v,
                                                  size_t recipients,
                                                  const Chrome& chrome,
                                                  std::string_view back) {
  if (recipients > options_.max_recipients) {
    return NoticeResponse(400, "Too many recipients",
                          "A message written here goes to at most " +
                              std::to_string(options_.max_recipients) +
                              " addresses.",
                          chrome, back, "Back");
  }
  // The portal writes mail from our domain: without a limit it is a relay
  // for whoever holds a session (or a network full of them).
  int64_t now = services_.clock->NowUnix();
  if (!send_per_user_.Allow(v.email, now) ||
      !send_per_client_.Allow(net::ClientKey(req.remote_address), now)) {
    services_.store->AppendAuditBestEffort(
        {0, now, v.email, "portal.send", "", "refused", "rate limit"});
    return NoticeResponse(429, "You have sent a lot of messages",
                          "Please wait an hour before sending more from here.",
                          chrome, back, "Back");
  }
  return std::nullopt;
}

bool Portal::IsRecipient(const store::ProtectedMessageRecord& record,
                         std::string_view email) {
  for (const auto& a : license::RecipientsOf(record)) {
    if (a == email) return true;
  }
  return false;
}

namespace {

// The session cookie's token, hashed (the cache never holds a token).
std::string SessionKey(const http::Request& req) {
  auto cookies = http::ParseCookies(req.Header("cookie"));
  auto it = cookies.find(std::string(kSessionCookie));
  if (it == cookies.end() || it->second.empty()) return "";
  return crypto::Sha256Hex(it->second);
}

bool IsMessagePage(const http::Request& req) {
  if (req.method != "GET" || !req.path.starts_with("/m/")) return false;
  return req.path.find('/', 3) == std::string::npos;
}

}  // namespace

bool Portal::ServesInline(const http::Request& req) const {
  if (!IsMessagePage(req)) return false;
  // With SQLite every lookup of a message page is a read on the read-only
  // connection, which never waits for a commit, and the key release's
  // commit is waited for without a thread (http::Later): short CPU work,
  // cheaper on the I/O thread than handed to the pool and back.
  if (first_opens_inline_) return true;
  std::string session = SessionKey(req);
  return !session.empty() &&
         views_.Contains(session, req.target, NowMs(*services_.clock),
                         services_.licenses->RightsGeneration());
}

bool Portal::SignedIn(const http::Request& req) {
  return !IdentifyVisitor(req, *services_.directory).email.empty();
}

std::optional<http::Response> Portal::FromCache(const http::Request& req) {
  std::string session = SessionKey(req);
  if (session.empty()) return std::nullopt;
  auto hit = views_.Get(session, req.target, NowMs(*services_.clock),
                        services_.licenses->RightsGeneration());
  if (!hit.has_value()) return std::nullopt;
  store::AuditRecord view{0,
                          services_.clock->NowUnix(),
                          hit->email,
                          "license.acquire",
                          hit->message_id,
                          "granted",
                          std::string(kCachedViewDetail)};
  view.device = DeviceKind(req.Header("user-agent"));
  view.sign_in = hit->sign_in;
  audit_->Add(std::move(view));
  return std::move(hit->response);
}

}  // namespace sealpost::portal
