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
// rate limiters and pending OpenID Connect sign-ins are mutex-guarded.
#ifndef SEALPOST_PORTAL_PORTAL_H_
#define SEALPOST_PORTAL_PORTAL_H_

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
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
#include "portal/rate_limit.h"
#include "portal/view_cache.h"
#include "protect/protector.h"
#include "queue/queue.h"
#include "store/store.h"

namespace sealpost::portal {

struct PortalOptions {
  std::string public_url;   // https://host:port, no trailing slash
  std::string hostname;     // Message-ID domain of mail the portal writes
  std::string otp_sender;   // From: of passcode mails
  bool dev = false;         // enables /dev/mailbox
  std::string dev_mailbox;  // the dev Maildir
};

struct PortalServices {
  store::Store* store = nullptr;
  const Clock* clock = nullptr;
  license::LicenseService* licenses = nullptr;
  license::Directory* directory = nullptr;
  license::TemplateStore* templates = nullptr;
  branding::BrandingStore* branding = nullptr;
  protect::Protector* protector = nullptr;
  std::vector<std::unique_ptr<OidcClient>> oidc;  // configured providers
};

// Reads portal.oidc_providers_file: a JSON array of providers
// [{"name", "issuer", "client_id", "client_secret", "ca_file"?,
// "scopes"?}]. An empty path gives none.
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

  struct Visitor;  // the browser and session behind a request (portal.cc)

  // True for a message page this session has seen in the last 30 seconds
  // and whose rights have not changed since: the HTTP server then serves it
  // on its I/O thread, without the hand-off to the handler pool.
  bool ServesInline(const http::Request& req) const;

 private:
  struct PendingOidc {
    OidcStart start;
    std::string message_id;
    size_t provider = 0;
    std::string browser;  // hash of the browser cookie that began it
    int64_t created_at = 0;
  };

  // Sign-in (portal.cc).
  http::Response MessageEntry(http::Request& req);
  http::Response RequestOtp(http::Request& req);
  http::Response VerifyOtp(http::Request& req);
  http::Response BeginOidc(http::Request& req);
  http::Response OidcCallback(http::Request& req);
  http::Response OrgSignInPage(http::Request& req);
  http::Response OrgSignIn(http::Request& req);
  http::Response SignOut(http::Request& req);
  // Reading and writing (reading.cc).
  http::Response ReadMessage(http::Request& req, const Visitor& v);
  http::Response MessageBody(http::Request& req);
  http::Response MessagePart(http::Request& req);
  http::Response ReplyForm(http::Request& req);
  http::Response SendReply(http::Request& req);
  // Internal users and the dev mailbox (sent.cc).
  http::Response Home(http::Request& req);
  http::Response Sent(http::Request& req);
  http::Response Revoke(http::Request& req);
  http::Response ComposeForm(http::Request& req);
  http::Response SendCompose(http::Request& req);
  http::Response Mailbox(http::Request& req);
  http::Response MailboxMail(http::Request& req);
  http::Response MailboxBody(http::Request& req);

  // The cached page for this session and URL, logged as a view.
  std::optional<http::Response> FromCache(const http::Request& req);
  // Queues messages and waits for their durable commit.
  Status Enqueue(std::vector<queue::IncomingMessage> messages);
  // The recipient check shared by OTP and OIDC sign-in.
  bool IsRecipient(const store::ProtectedMessageRecord& record,
                   std::string_view email);

  PortalServices services_;
  const PortalOptions options_;
  OtpService otp_;
  std::atomic<queue::Acceptor*> queue_{nullptr};
  // Passcode mails per address and per client; wrong passcodes per client.
  RateLimiter otp_per_address_{5, 3600};
  RateLimiter otp_per_client_{30, 3600};
  RateLimiter verify_per_client_{20, 900};
  ViewCache views_;
  std::unique_ptr<AuditBuffer> audit_;
  Mutex mu_;
  std::map<std::string, PendingOidc> pending_oidc_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost::portal

#endif  // SEALPOST_PORTAL_PORTAL_H_
