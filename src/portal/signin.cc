// The portal's sign-in (docs/portal.md): the message entry page, one-time
// passcodes, OpenID Connect, the organisation sign-in and sign-out.
#include <algorithm>

#include "base/log.h"
#include "base/secret_bytes.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "mime/compose.h"
#include "net/client_key.h"
#include "portal/device.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/web.h"

namespace sealpost::portal {
namespace {

// Who forwarded `record`, when that is not its owner (a reader's forward is
// the reader's text, and its pages and mail say so); "" otherwise.
std::string ForwarderOf(const store::ProtectedMessageRecord& record) {
  return record.writer != record.owner ? record.writer : std::string();
}

// The provider whose redirect URI `req` came to: the one whose slug its
// path names, or on the shared path the only one configured; nullptr when
// there is none (an unknown slug, or the shared path with several
// providers, where it would not say which provider answered).
OidcClient* CallbackProvider(
    const http::Request& req,
    const std::vector<std::unique_ptr<OidcClient>>& providers) {
  auto named = req.params.find("provider");
  if (named == req.params.end()) {
    return providers.size() == 1 ? providers.front().get() : nullptr;
  }
  for (const auto& client : providers) {
    if (OidcProviderSlug(client->config().name) == named->second) {
      return client.get();
    }
  }
  return nullptr;
}

}  // namespace

// /m/:id — the message when signed in, else the sign-in choices.
http::Response Portal::MessageEntry(http::Request& req) {
  if (auto cached = FromCache(req)) return std::move(*cached);
  // Taken before the license request: a revocation while the page is being
  // made leaves a stale generation on it, so it is never served again.
  uint64_t generation = services_.licenses->RightsGeneration();
  // The request's lookups (session, user, record, PIN pass, portal copy,
  // the license request's) in one read snapshot, taken at the first of
  // them: one read lock and at most one page cache refill instead of one
  // each. Nothing here writes; it ends before the key release's audit
  // record is committed (ReadMessage's http::Later runs after this
  // returns).
  store::ReadSnapshot reads(*services_.store);
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  // Signed in: ReadMessage looks the message up itself (and answers for a
  // missing one).
  if (!v.email.empty()) return ReadMessage(req, v, generation);
  auto record = services_.store->GetProtectedMessage(id);
  if (!record.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.",
                          {"", nullptr, &v});
  }
  if (!record->has_value()) {
    return NoticeResponse(404, "This message doesn't exist",
                          "Check that the link is complete.",
                          {"", nullptr, &v});
  }
  branding::Branding b = BrandOf(*services_.branding, **record);

  Data d;
  d.set("id", id);
  // Mail no sender of ours wrote (a bounce) names no sender here.
  if ((*record)->owner != license::kSystemOwner) {
    d.set("sender", (*record)->owner);
  }
  // A reader's forward is the reader's text: named as theirs (was: "the
  // sender has sent you", over whatever the reader wrote).
  if (std::string forwarder = ForwarderOf(**record); !forwarder.empty()) {
    d.set("writer", std::move(forwarder));
  }
  d.set("csrf", v.csrf);
  if (b.otp_enabled) d.set("otp", Data::type::bool_true);
  if (b.social_id_sign_in && !services_.oidc.empty()) {
    d.set("has_providers", Data::type::bool_true);
    Data list{Data::type::list};
    for (size_t i = 0; i < services_.oidc.size(); ++i) {
      Data p;
      p.set("index", std::to_string(i));
      p.set("name", services_.oidc[i]->config().name);
      p.set("id", id);
      list.push_back(p);
    }
    d.set("providers", list);
  }
  return PageResponse(200, RenderTemplate(kSignInPage, d),
                      {"Sign in to read the protected message", &b, &v});
}

std::variant<Portal::PasscodeStep, http::Response> Portal::BeginPasscodeStep(
    http::Request& req) {
  const std::string& id = req.params["id"];
  auto posted = ReadPosted(req, "/m/" + id, "Back to the message");
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  auto found = FindSignInMessage(services_, id, SignInWay::kPasscode, v);
  if (auto* page = Ended(found)) return std::move(*page);
  auto& [record, brand] = std::get<SignInMessage>(found);
  return PasscodeStep{id, std::move(v), std::move(form), std::move(record),
                      std::move(brand)};
}

bool Portal::AllowPasscode(const std::string& email,
                           const std::string& remote_address, int64_t now) {
  // The network's own limits first: a request they refuse spends none of
  // the address's allowance across networks. The address hashed: it is
  // whatever was typed (anyone's, for a decoy), and may be kept in the
  // shared store.
  std::string client = net::ClientKey(remote_address);
  std::string address = crypto::Sha256Hex(email);
  return otp_per_address_client_.Allow(address + " " + client, now) &&
         otp_per_client_.Allow(client, now) &&
         otp_per_address_.Allow(address, now) &&
         otp_per_address_day_.Allow(address, now);
}

Status Portal::MailPasscode(const store::ProtectedMessageRecord& record,
                            const std::string& email, const IssuedOtp& issued,
                            int64_t now) {
  mime::ComposeRequest mail;
  mail.from = options_.otp_sender;
  mail.to = {email};
  mail.subject = "Your one-time passcode to view the message";
  std::string from = record.owner == license::kSystemOwner
                         ? std::string()
                         : " from " + record.owner;
  if (const std::string forwarder = ForwarderOf(record); !forwarder.empty()) {
    from = ", forwarded by " + forwarder +
           (from.empty() ? std::string() : "," + from);
  }
  mail.text = "Here is your one-time passcode to view the message" + from +
              ":\r\n\r\n" + issued.code +
              "\r\n\r\nReference: " + issued.reference +
              "\r\n\r\nIt works once, for 15 minutes. If you didn't ask "
              "for it, you can ignore this mail.\r\n";
  mail.message_id_domain = options_.hostname;
  mail.date_unix = now;
  SP_ASSIGN_OR_RETURN(std::string bytes, mime::ComposeMessage(mail));
  queue::IncomingMessage m;
  m.id = queue::NewQueueId();
  m.mail_from = options_.otp_sender;
  m.helo = "portal";
  m.client = "portal";
  m.recipients = {{email, 0, ""}};
  m.content = std::move(bytes);
  std::vector<queue::IncomingMessage> one;
  one.push_back(std::move(m));
  // Not waited for: the answer must not tell a recipient (a durable
  // commit of the mail first, up to a minute under load) from a stranger
  // (nothing to mail) by its time. A mail that does not queue is logged;
  // the reader asks again after the minute.
  queue::Acceptor* queue = queue_.load();
  if (queue == nullptr) return UnavailableError("the mail queue is not ready");
  queue->AcceptAll(std::move(one), [](Status queued) {
    if (!queued.ok()) {
      log::Warn("portal: queueing passcode mail: {}", queued.message());
    }
  });
  return Status::Ok();
}

http::Response Portal::RequestOtp(http::Request& req) {
  auto step = BeginPasscodeStep(req);
  if (auto* page = Ended(step)) return std::move(*page);
  auto& [id, v, form, record, b] = std::get<PasscodeStep>(step);
  Chrome chrome{"One-time passcode", &b, &v};
  auto email = license::NormalizeEmail(form.Get("email"));
  if (!email.ok()) {
    return NoticeResponse(400, "That e-mail address doesn't look right",
                          "Enter the address this message was sent to.", chrome,
                          "/m/" + id, "Back");
  }
  int64_t now = services_.clock->NowUnix();
  Data d;
  d.set("id", id);
  d.set("email", *email);
  d.set("csrf", v.csrf);
  // Whoever holds the link may type any address: one that is not a
  // recipient gets a decoy code, never mailed, under the same limits and
  // with the same answers, so the page tells nobody who received the
  // message (was: a reference and the resend notice for recipients only).
  OtpHolder holder = IsRecipient(record, *email) ? OtpHolder::kRecipient
                                                 : OtpHolder::kStranger;
  auto unavailable = [&] {
    return NoticeResponse(503, "We couldn't send a passcode",
                          "Please try again in a few minutes.", chrome);
  };
  // A repeat within the minute is answered before any allowance is spent:
  // only a code sent counts against the limits (was: five asks in a second
  // sent one mail and used the address's five for the hour).
  Status status = otp_.CheckResend(id, *email);
  std::optional<IssuedOtp> issued;
  if (status.ok() && !AllowPasscode(*email, req.remote_address, now)) {
    d.set("error", std::string("Too many passcodes were asked for. Wait a "
                               "while, then ask for a new one."));
  } else if (status.ok()) {
    // Issue checks again, for a request racing this one.
    auto fresh = otp_.Issue(id, *email);
    status = fresh.status();
    if (fresh.ok()) issued = std::move(*fresh);
  }
  if (status.code() == StatusCode::kResourceExhausted) {
    d.set("notice", status.message());
  } else if (!status.ok()) {
    log::Warn("portal: passcode for {}: {}", id, status.message());
    return unavailable();
  }
  if (issued.has_value() && holder == OtpHolder::kRecipient) {
    if (Status sent = MailPasscode(record, *email, *issued, now); !sent.ok()) {
      log::Warn("portal: queueing passcode mail: {}", sent.message());
      return unavailable();
    }
    services_.store->AppendAuditBestEffort({0, now, *email, "portal.otp", id,
                                            "sent",
                                            "reference " + issued->reference});
  } else if (issued.has_value()) {
    // Written as the recipient's "sent" is (a store write each), naming
    // no address: what was typed is not a reader's, and is sometimes not
    // an address of the typist's own.
    services_.store->AppendAuditBestEffort({0, now, "unknown address",
                                            "portal.otp", id, "refused",
                                            "passcode asked: not a recipient"});
  }
  if (issued.has_value()) {
    d.set("reference", issued->reference);
  } else if (auto ref = otp_.LiveReference(id, *email); ref.ok()) {
    d.set("reference", *ref);
  }
  return PageResponse(200, RenderTemplate(kOtpPage, d), chrome);
}

http::Response Portal::VerifyOtp(http::Request& req) {
  auto step = BeginPasscodeStep(req);
  if (auto* page = Ended(step)) return std::move(*page);
  auto& [id, v, form, record, b] = std::get<PasscodeStep>(step);
  Chrome chrome{"One-time passcode", &b, &v};
  std::string email = AsciiLower(form.Get("email"));
  std::string code = form.Get("code");
  code.erase(std::remove(code.begin(), code.end(), ' '), code.end());
  Data d;
  d.set("id", id);
  d.set("email", email);
  d.set("csrf", v.csrf);
  int64_t now = services_.clock->NowUnix();
  std::string client = net::ClientKey(req.remote_address);
  // Every try counts (checked and counted at once): parallel tries from
  // one network cannot slip past the limit together.
  if (!verify_per_client_.Allow(client, now)) {
    d.set("error", std::string("Too many attempts from your network. Wait 15 "
                               "minutes and try again."));
    return PageResponse(429, RenderTemplate(kOtpPage, d), chrome);
  }
  // A stranger (not a recipient) is answered as a recipient is, from the
  // decoy code asked for (RequestOtp): the same texts, counts and time.
  OtpHolder holder =
      IsRecipient(record, email) ? OtpHolder::kRecipient : OtpHolder::kStranger;
  auto verdict = otp_.Verify(id, email, code, client, holder);
  if (!verdict.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  std::string refused;  // why, in the audit log; "" for an expired code
  switch (*verdict) {
    case OtpCheck::kOk:
      return FinishSignIn(v, email, license::kPortalOtpSession, "/m/" + id,
                          form.Get("keep") == "1", chrome);
    case OtpCheck::kWrong:
      d.set("error", std::string("That passcode isn't right. Check it "
                                 "against the latest mail, or send a new "
                                 "code."));
      refused = "wrong passcode";
      break;
    case OtpCheck::kExhaustedHere:
      d.set("error", std::string("Too many wrong passcodes from your "
                                 "network: this one no longer works here. "
                                 "Send a new code."));
      refused = "too many wrong tries from one network";
      break;
    case OtpCheck::kExhausted:
      d.set("error", std::string("Too many wrong passcodes: this one no "
                                 "longer works. Send a new code."));
      refused = "too many wrong tries";
      break;
    case OtpCheck::kExpired:
      d.set("error", std::string("This passcode has expired or was already "
                                 "used. Send a new code."));
      break;
  }
  if (!refused.empty()) {
    // A stranger's under no address, as in RequestOtp.
    bool stranger = holder == OtpHolder::kStranger;
    if (stranger) refused += " (not a recipient)";
    services_.store->AppendAuditBestEffort(
        {0, now, stranger ? "unknown address" : email, "portal.otp", id,
         "refused", std::move(refused)});
  }
  if (auto ref = otp_.LiveReference(id, email); ref.ok()) {
    d.set("reference", *ref);
  }
  return PageResponse(401, RenderTemplate(kOtpPage, d), chrome);
}

http::Response Portal::BeginOidc(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  // A sign-in starts from the message page's button: a navigation of one
  // of our own tabs, with our browser cookie. Anything else starts nothing
  // and counts against no limit, so that a page elsewhere cannot spend a
  // network's starts (below) with its visitors' browsers. A picture,
  // script or frame (Fetch Metadata's Sec-Fetch-Dest) is refused; a
  // request without the cookie (so every cross-site picture: the cookie
  // is SameSite=Lax) or a navigation from another site goes to the
  // message page, which sets the cookie and shows the buttons.
  std::string_view dest = req.Header("sec-fetch-dest");
  if (!dest.empty() && dest != "document") {
    return NoticeResponse(403, "Sign in from the message page",
                          "Open the message link, then choose how to sign in.",
                          {"", nullptr, &v});
  }
  std::string_view site = req.Header("sec-fetch-site");
  if (v.new_browser ||
      (!site.empty() && site != "same-origin" && site != "none")) {
    return RedirectResponse(SafeNext("/m/" + id), v);
  }
  size_t n = 0;
  try {
    n = static_cast<size_t>(std::stoul(req.params["n"]));
  } catch (...) {
    n = services_.oidc.size();
  }
  if (n >= services_.oidc.size()) {
    return NoticeResponse(404, "Unknown sign-in provider", "",
                          {"", nullptr, &v}, "/m/" + id, "Back");
  }
  // Only for a message that exists and offers this way in: anything else
  // would let anyone fill the pending sign-ins with made-up links.
  auto found = FindSignInMessage(services_, id, SignInWay::kOpenIdConnect, v);
  if (auto* page = Ended(found)) return std::move(*page);
  auto& [record, b] = std::get<SignInMessage>(found);
  Chrome chrome{"Sign in", &b, &v};
  int64_t now = services_.clock->NowUnix();
  if (!oidc_per_client_.Allow(net::ClientKey(req.remote_address), now)) {
    return NoticeResponse(429, "Too many sign-ins from your network",
                          "Wait a few minutes, then try again.", chrome,
                          "/m/" + id, "Back");
  }
  auto started = services_.oidc[n]->Begin();
  if (!started.ok()) {
    log::Warn("portal: oidc {}: {}", services_.oidc[n]->config().name,
              started.status().message());
    return NoticeResponse(
        503, "That sign-in provider isn't answering",
        "Try again in a few minutes, or use a one-time passcode.", chrome,
        "/m/" + id, "Back");
  }
  const OidcProviderConfig& provider = services_.oidc[n]->config();
  pending_oidc_.Put({.start = *started,
                     .message_id = id,
                     .provider = provider.name,
                     .issuer = provider.issuer,
                     .browser = crypto::Sha256Hex(v.browser),
                     .created_at = now});
  return RedirectResponse(started->authorization_url, v);
}

http::Response Portal::OidcCallback(http::Request& req) {
  Visitor v = Identify(req);
  // Refused before the state is looked at, so that a sign-in that came to
  // the shared path by mistake still finishes at its own.
  OidcClient* answered = CallbackProvider(req, services_.oidc);
  if (answered == nullptr) {
    return NoticeResponse(
        400, "This sign-in came back to the wrong address",
        "Open the message link again and sign in. If this happens again, "
        "the sign-in provider is not yet set up for this portal: tell the "
        "sender of the message.",
        {"", nullptr, &v});
  }
  // Everything that needs no provider is checked first: a made-up state,
  // another browser's, a provider gone or a message gone is answered
  // without one of the kOidcCallbacksInFlight slots, which only a callback
  // about to ask its provider holds (before, any request to this URL held
  // one while its state was looked up).
  auto taken =
      pending_oidc_.Take(req.QueryParam("state"), services_.clock->NowUnix());
  if (!taken.has_value()) {
    return NoticeResponse(400, "This sign-in has expired",
                          "Open the message link again and sign in.",
                          {"", nullptr, &v});
  }
  const PendingSignIns::Entry& pending = *taken;
  std::string back = "/m/" + pending.message_id;
  if (!ConstantTimeEquals(pending.browser, crypto::Sha256Hex(v.browser))) {
    // Not this browser's: put back for the browser that began it (was:
    // spent, so anyone who learnt a state, from a log or a Referer,
    // cancelled that reader's sign-in).
    pending_oidc_.Put(pending);
    return NoticeResponse(400, "This sign-in has expired",
                          "Open the message link again and sign in.",
                          {"", nullptr, &v}, back, "Back to the message");
  }
  auto finishing = FinishingProvider(pending, *answered, v);
  if (auto* page = Ended(finishing)) return std::move(*page);
  OidcClient& client = *std::get<OidcClient*>(finishing);
  if (!req.QueryParam("error").empty()) {
    return NoticeResponse(401, "Sign-in was cancelled",
                          "The provider did not sign you in.",
                          {"", nullptr, &v}, back, "Back to the message");
  }
  auto record = services_.store->GetProtectedMessage(pending.message_id);
  if (!record.ok() || !record->has_value()) {
    return NoticeResponse(404, "This message doesn't exist", "",
                          {"", nullptr, &v});
  }
  branding::Branding b = BrandOf(*services_.branding, **record);
  Chrome chrome{"Sign in", &b, &v};
  // Checked again here: the switch may have gone off since the start.
  if (!b.social_id_sign_in) {
    return NoticeResponse(403, "This way of signing in is turned off",
                          "Sign in with one of the other ways offered.", chrome,
                          back, "Back to the message");
  }
  InFlightLimit::Slot slot = oidc_callbacks_.TryAcquire();
  if (!slot) {
    // Kept again, with the provider's code not yet redeemed: a reload
    // finishes it.
    pending_oidc_.Put(pending);
    log::Warn("portal: oidc callback turned away: {} are waiting on providers",
              kOidcCallbacksInFlight);
    http::Response busy = NoticeResponse(
        503, "Sign-in is busy, try again in a moment",
        "Many sign-ins are being finished at once. Reload this page in a "
        "moment to finish yours.",
        {"", nullptr, &v});
    busy.headers.emplace_back("Retry-After", "5");
    return busy;
  }
  auto identity = client.Finish(
      {req.QueryParam("code"), req.FindQueryParam("iss")}, pending.start);
  slot.Release();  // the provider has answered
  int64_t now = services_.clock->NowUnix();
  if (!identity.ok()) {
    log::Warn("portal: oidc {} sign-in failed: {}", client.config().name,
              identity.status().message());
    return NoticeResponse(401, "We couldn't sign you in",
                          "The provider's answer could not be verified.",
                          chrome, back, "Back to the message");
  }
  std::string email = AsciiLower(identity->email);
  if (!identity->email_verified || email.empty()) {
    services_.store->AppendAuditBestEffort(
        {0, now, email, "auth.sign_in", pending.message_id, "refused",
         "portal-oidc " + client.config().name + ": e-mail not verified"});
    return NoticeResponse(
        403, "Your e-mail address isn't verified",
        client.config().name +
            " does not confirm that you own this address, so it can't be "
            "used to open protected mail. Use a one-time passcode instead.",
        chrome, back, "Back to the message");
  }
  // A provider vouches only for its own domains (email_domains): else a
  // partner's directory, or one where anyone registers an address, would
  // open any recipient's mail.
  if (!ProviderVouchesFor(client.config(), email)) {
    services_.store->AppendAuditBestEffort(
        {0, now, email, "auth.sign_in", pending.message_id, "refused",
         "portal-oidc " + client.config().name +
             ": not one of its email_domains"});
    return NoticeResponse(403, "This provider cannot sign in " + email,
                          client.config().name +
                              " signs in addresses of its own domains only. "
                              "Sign in another way.",
                          chrome, back, "Back to the message");
  }
  if (!IsRecipient(**record, email)) {
    services_.store->AppendAuditBestEffort(
        {0, now, email, "auth.sign_in", pending.message_id, "refused",
         "portal-oidc " + client.config().name + ": not a recipient"});
    return NoticeResponse(403, "You can't open this message",
                          email + " is not a recipient of this message.",
                          chrome, back, "Back to the message");
  }
  return FinishSignIn(v, email, license::kPortalOidcSession, back, false,
                      chrome);
}

std::variant<OidcClient*, http::Response> Portal::FinishingProvider(
    const PendingSignIns::Entry& pending, const OidcClient& answered,
    Visitor& v) {
  std::string back = "/m/" + pending.message_id;
  // By name and issuer: a providers file reordered or edited since the
  // start (or another node's) never finishes it with another provider.
  OidcClient* found = ProviderOf(pending, services_.oidc);
  if (found == nullptr) {
    log::Warn(
        "portal: oidc sign-in with {} ({}) refused: no such provider "
        "in the providers file now",
        pending.provider, pending.issuer);
    return NoticeResponse(400, "This sign-in provider is no longer offered",
                          pending.provider +
                              " was removed or changed while you were "
                              "signing in. Open the message link again and "
                              "choose how to sign in.",
                          {"", nullptr, &v}, back, "Back to the message");
  }
  // RFC 9700 §4.4: the answer must come to the redirect URI of the
  // provider the sign-in began with. Else a configured provider (a
  // partner's SSO) that sent the reader on to another provider would have
  // that provider's code for the reader redeemed at its own token
  // endpoint, and sign in as the reader with it. Not put back: the
  // sign-in went through a provider that is not its own.
  if (found != &answered) {
    log::Warn(
        "portal: oidc sign-in begun with {} came back to the redirect URI "
        "of {}: refused (a provider mix-up)",
        pending.provider, answered.config().name);
    services_.store->AppendAuditBestEffort(
        {0, services_.clock->NowUnix(), "unknown address", "auth.sign_in",
         pending.message_id, "refused",
         "portal-oidc " + pending.provider +
             ": came back from another provider (" + answered.config().name +
             ")"});
    return NoticeResponse(400, "This sign-in came back from another provider",
                          "You began signing in with " + pending.provider +
                              ", but the answer came from the sign-in of " +
                              answered.config().name +
                              ". Nothing was signed in. Open the message "
                              "link again and sign in.",
                          {"", nullptr, &v}, back, "Back to the message");
  }
  return found;
}

http::Response Portal::OrgSignInPage(http::Request& req) {
  Visitor v = Identify(req);
  Data d;
  d.set("csrf", v.csrf);
  d.set("next", SafeNext(req.QueryParam("next")));
  return PageResponse(200, RenderTemplate(kOrgSignInPage, d),
                      {"Sign in", nullptr, &v});
}

http::Response Portal::OrgSignIn(http::Request& req) {
  auto posted = ReadPosted(req, "/signin", "Sign in");
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  std::string next = SafeNext(form.Get("next"));
  auto signed_in =
      services_.directory->SignIn(form.Get("email"), form.Get("password"),
                                  req.remote_address, license::kPortalSession);
  if (!signed_in.ok()) {
    Data d;
    d.set("csrf", v.csrf);
    d.set("next", next);
    d.set("error", signed_in.status().code() == StatusCode::kResourceExhausted
                       ? signed_in.status().message()
                       : std::string("Wrong e-mail address or password."));
    return PageResponse(
        signed_in.status().code() == StatusCode::kResourceExhausted ? 429 : 401,
        RenderTemplate(kOrgSignInPage, d), {"Sign in", nullptr, &v});
  }
  http::Response r = RedirectResponse(next, v);
  r.headers.emplace_back(
      "Set-Cookie", SessionCookie(signed_in->token, form.Get("keep") == "1"));
  return r;
}

http::Response Portal::SignOut(http::Request& req) {
  auto posted = ReadPosted(req, "/", "Home");
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  if (!v.session_token.empty()) {
    views_.DropSession(crypto::Sha256Hex(v.session_token));
    // Ends the session and its PIN passes, on every node.
    (void)services_.directory->SignOut(v.session_token);
  }
  http::Response r =
      NoticeResponse(200, "You are signed out", "You can close this window.",
                     {"Signed out", nullptr, nullptr});
  r.headers.emplace_back("Set-Cookie", SessionCookie("", false));
  return r;
}

}  // namespace sealpost::portal
