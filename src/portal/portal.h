// The secure message portal (SPEC §4 Portal; docs/portal.md): where
// recipients of protected mail sign in (one-time passcode, OpenID Connect,
// or the organisation's password), read the message, reply and forward as
// its rights allow; where internal users see what they sent, who opened
// it, revoke it and write new protected mail; and, in dev mode, the dev
// mailbox. Server-rendered HTML with a strict CSP, CSRF tokens on every
// form, `__Host-` cookies (Secure, HttpOnly, SameSite=Lax).
//
// Every read of a message (page, body, picture, attachment) is a license
// request to the license service, which checks and logs it.
//
// Thread-safety: thread-safe; handlers run on many threads at once. The
// rate limiters, pending OpenID Connect sign-ins and the cap on callbacks
// in flight guard themselves.
#ifndef SEALPOST_PORTAL_PORTAL_H_
#define SEALPOST_PORTAL_PORTAL_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "base/thread_annotations.h"
#include "branding/branding.h"
#include "http/http.h"
#include "license/directory.h"
#include "license/license_service.h"
#include "license/templates.h"
#include "portal/oidc.h"
#include "portal/otp.h"
#include "portal/pending_sign_ins.h"
#include "portal/rate_limit.h"
#include "portal/second_factor.h"
#include "portal/view_cache.h"
#include "protect/protector.h"
#include "queue/queue.h"
#include "store/store.h"

namespace sealpost::search {
class EDiscovery;
}  // namespace sealpost::search

namespace sealpost::portal {

struct Chrome;  // web.h

struct PortalOptions {
  std::string public_url;   // https://host:port, no trailing slash
  std::string hostname;     // Message-ID domain of mail the portal writes
  std::string otp_sender;   // From: of passcode mails
  bool dev = false;         // enables /dev/mailbox
  std::string dev_mailbox;  // the dev Maildir
  // Mail written in the portal: messages per hour per signed-in address
  // and per client address (net::ClientKey), recipients per message.
  int send_limit_per_user = 20;
  int send_limit_per_client = 60;
  size_t max_recipients = 20;
  // The organisation's domains (smtp.accepted_domains, lower case): which
  // recipients the portal refuses, as SMTP RCPT does (PortalRecipient).
  std::vector<std::string> accepted_domains;
};

// Not owned (every pointer below but `oidc`): the server's objects
// (server/server.cc), which outlive the portal.
struct PortalServices {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  license::LicenseService* licenses = nullptr;
  license::Directory* directory = nullptr;
  license::TemplateStore* templates = nullptr;
  branding::BrandingStore* branding = nullptr;
  protect::Protector* protector = nullptr;
  // eDiscovery search (search_page.cc); null: no /search page.
  search::EDiscovery* ediscovery = nullptr;
  std::vector<std::unique_ptr<OidcClient>> oidc;  // configured providers
};

// Reads portal.oidc_providers_file (ParseOidcProviders, oidc.h) and warns
// in the log of each provider without email_domains, which may sign in any
// address. An empty path gives none.
Result<std::vector<OidcProviderConfig>> LoadOidcProviders(
    const std::string& path);

class Portal {
 public:
  Portal(PortalServices services, PortalOptions options);
  ~Portal();

  void Register(http::Router& router);
  // The queue for passcode mails and portal-written messages; set once the
  // gateway has started, before requests are served.
  void SetQueue(queue::Acceptor* queue) { queue_ = queue; }

  struct Visitor;  // the browser and session behind a request (web.h)

  // True for a message page this session has seen in the last 30 seconds
  // and whose rights have not changed since, and for every message page on
  // SQLite (whose lookups never wait for a commit): the HTTP server then
  // serves it on its I/O thread, without the hand-off to the handler pool.
  bool ServesInline(const http::Request& req) const;
  // Whether the request carries a live portal session (the HTTP server
  // lets only such requests send large bodies). May use the store.
  bool SignedIn(const http::Request& req);

 private:
  // Sign-in (signin.cc).
  http::Response MessageEntry(http::Request& req);
  http::Response RequestOtp(http::Request& req);
  http::Response VerifyOtp(http::Request& req);
  http::Response BeginOidc(http::Request& req);
  http::Response OidcCallback(http::Request& req);
  // The provider that finishes `pending`: the one it began with
  // (ProviderOf), which must be `answered`, the one whose redirect URI the
  // provider's answer came to; else the page refusing it.
  std::variant<OidcClient*, http::Response> FinishingProvider(
      const PendingSignIns::Entry& pending, const OidcClient& answered,
      Visitor& v);
  http::Response OrgSignInPage(http::Request& req);
  http::Response OrgSignIn(http::Request& req);
  http::Response SignOut(http::Request& req);
  // Whether a passcode may be sent to `email` for a request from
  // `remote_address` now; counts it when so (the otp_per_* limiters).
  bool AllowPasscode(const std::string& email,
                     const std::string& remote_address, int64_t now);
  // Queues the mail with `issued`'s code to `email`.
  Status MailPasscode(const store::ProtectedMessageRecord& record,
                      const std::string& email, const IssuedOtp& issued,
                      int64_t now);
  // After a passcode or a provider: the session, or (for a reader with an
  // authenticator app, or whose branding requires one) a session that
  // opens only the second-factor page (second_factor_pages.cc).
  http::Response FinishSignIn(const Visitor& v, const std::string& email,
                              std::string_view kind, const std::string& next,
                              bool keep, const Chrome& chrome);
  http::Response SecondFactorPage(http::Request& req);
  http::Response SecondFactorPost(http::Request& req);
  // The enrolment or check form for `email`.
  http::Response SecondFactorForm(const Visitor& v, const std::string& email,
                                  const std::string& next, bool keep,
                                  const std::string& error, int status);
  http::Response PinPage(http::Request& req);
  http::Response CheckPin(http::Request& req);
  // Reading and writing (reading.cc).
  // The message page for a signed-in visitor: a full license request,
  // answered (http::Later) once its audit record is committed; the page is
  // kept in the view cache under `generation` (RightsGeneration before the
  // request).
  http::Response ReadMessage(http::Request& req, const Visitor& v,
                             uint64_t generation);
  // Keeps a message page in the view cache for this session, until the
  // message's expiry (`expires_at`, 0: none) at the latest.
  void RememberView(const http::Request& req, const Visitor& v,
                    const http::Response& page, const std::string& id,
                    int64_t expires_at, uint64_t generation);
  http::Response MessageBody(http::Request& req);
  http::Response MessagePart(http::Request& req);
  http::Response ReplyForm(http::Request& req);
  http::Response SendReply(http::Request& req);
  // Internal users: what they sent (sent.cc) and compose (compose.cc).
  http::Response Home(http::Request& req);
  http::Response Sent(http::Request& req);
  http::Response Revoke(http::Request& req);
  http::Response ComposeForm(http::Request& req);
  http::Response SendCompose(http::Request& req);
  // The admin dashboard and a message's trace (admin.cc).
  http::Response AdminDashboard(http::Request& req);
  http::Response AdminMessage(http::Request& req);
  // Nothing for a signed-in member of the Administrators group; otherwise
  // the org sign-in that returns to `back`, or 403.
  std::optional<http::Response> AdminRefused(const Visitor& v,
                                             std::string_view back);
  // eDiscovery search (search_page.cc): the form, its results, and one
  // message's download.
  http::Response SearchPage(http::Request& req);
  http::Response SearchPost(http::Request& req);
  http::Response SearchDownload(http::Request& req);
  // Nothing for a signed-in member of the eDiscovery Manager group;
  // otherwise the org sign-in, or 403.
  std::optional<http::Response> SearchRefused(const Visitor& v);
  // The dev mailbox (mailbox.cc).
  http::Response Mailbox(http::Request& req);
  http::Response MailboxMail(http::Request& req);
  http::Response MailboxBody(http::Request& req);

  // IdentifyVisitor (web.h), and whether the header offers Compose.
  Visitor Identify(const http::Request& req);
  // The opening every form handler shares: the visitor and the posted form,
  // read and its CSRF token checked; for kOrgUser, a signed-in org user.
  // Otherwise the page to answer with: "form expired" (403, or 400 with
  // the reason when the form could not be read) leading back to `back`,
  // or the org sign-in that returns to `back`.
  struct PostedForm;  // web.h
  enum class Poster { kAnyone, kOrgUser };
  std::variant<PostedForm, http::Response> ReadPosted(
      const http::Request& req, std::string_view back,
      std::string_view back_text, Poster who = Poster::kAnyone);
  // ReadPosted and FindSignInMessage for a passcode step (request, check)
  // of the message `req.params["id"]` (signin.cc).
  struct PasscodeStep;  // web.h
  std::variant<PasscodeStep, http::Response> BeginPasscodeStep(
      http::Request& req);
  // Sent page helpers (sent.cc).
  http::Response RevokeSelected(http::Request& req);
  http::Response SetExpiry(http::Request& req);

  // The cached page for this session and URL, logged as a view.
  std::optional<http::Response> FromCache(const http::Request& req);
  // Queues messages in one acceptance (all of them or none) and waits for
  // their durable commit.
  Status Enqueue(std::vector<queue::IncomingMessage> messages);
  // Whether the visitor may write one more message to `recipients` from
  // the portal now (PortalOptions limits); the refusal page when not.
  std::optional<http::Response> SendRefused(const http::Request& req,
                                            const Visitor& v, size_t recipients,
                                            const Chrome& chrome,
                                            std::string_view back);
  // The recipient check shared by OTP and OIDC sign-in.
  bool IsRecipient(const store::ProtectedMessageRecord& record,
                   std::string_view email);

  PortalServices services_;
  const PortalOptions options_;
  OtpService otp_;
  SecondFactors second_factors_;
  std::atomic<queue::Acceptor*> queue_{nullptr};
  // Passcode mails per address from one client, per client, and per
  // address from all clients (one outsider's network cannot spend an
  // address's hour); passcode tries per client (and per code and client:
  // OtpService); OpenID Connect sign-ins started per client; portal mail
  // per user and per client. Clients are net::ClientKey (IPv6: the /64).
  RateLimiter otp_per_address_client_{5, 3600};
  RateLimiter otp_per_client_{30, 3600};
  RateLimiter otp_per_address_{10, 3600};
  // And a day's: with kOtpMaxTries, what bounds the guesses at an
  // address's codes (600 a day).
  RateLimiter otp_per_address_day_{60, 86400};
  RateLimiter verify_per_client_{20, 900};
  RateLimiter oidc_per_client_{20, 600};
  // Authenticator codes per address: 5 tries in 15 minutes, like a
  // passcode's 5 from one network (and verify_per_client_ too). A PIN's tries
  // are counted by the license service (LicenseService::CheckPin), as a mail
  // client's.
  RateLimiter second_factor_per_address_{5, 900};
  RateLimiter send_per_user_;
  RateLimiter send_per_client_;
  ViewCache views_;
  std::unique_ptr<AuditBuffer> audit_;
  PendingSignIns pending_oidc_;
  // OpenID Connect callbacks waiting on their providers, all providers
  // together: the rest get 503 at once (OidcCallback), so that a slow
  // provider holds 4 handler threads at most, not the whole pool.
  static constexpr int kOidcCallbacksInFlight = 4;
  InFlightLimit oidc_callbacks_{kOidcCallbacksInFlight};
  // ServesInline: message pages on the I/O thread (SQLite only: a
  // PostgreSQL lookup is a round trip the I/O thread must not wait for).
  const bool first_opens_inline_;
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_PORTAL_H_
