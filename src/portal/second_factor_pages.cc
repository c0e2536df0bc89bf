// The portal's second factors (docs/portal.md): the authenticator app a
// reader adds (enrolment) and gives at sign-in (check), and the PIN a
// sender may set for one message.
#include "base/log.h"
#include "base/secret_bytes.h"
#include "crypto/digest.h"
#include "crypto/totp.h"
#include "net/client_key.h"
#include "portal/device.h"
#include "portal/portal.h"
#include "portal/qr_svg.h"
#include "portal/second_factor_templates.h"
#include "portal/web.h"

namespace sealpost::portal {
namespace {

http::Response Unavailable(const Chrome& chrome) {
  return NoticeResponse(503, "The portal is unavailable",
                        "Please try again in a few minutes.", chrome);
}

// "ABCD EFGH ...": easier to type from the screen.
std::string Grouped(const std::string& base32) {
  std::string out;
  for (size_t i = 0; i < base32.size(); i += 4) {
    if (i > 0) out += ' ';
    out += base32.substr(i, 4);
  }
  return out;
}

// The Key Uri Format of the authenticator apps.
std::string TotpUri(std::string_view issuer, std::string_view account,
                    const SecretBytes& secret) {
  std::string i = http::PercentEncode(issuer);
  return "otpauth://totp/" + i + ":" + http::PercentEncode(account) +
         "?secret=" + crypto::Base32Encode(secret) + "&issuer=" + i +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace

http::Response Portal::FinishSignIn(const Visitor& v, const std::string& email,
                                    std::string_view kind,
                                    const std::string& next, bool keep,
                                    const Chrome& chrome) {
  // An organisation account signs in with its password: a passcode or a
  // provider opens no session in its name (the license service refuses
  // such a session all the same).
  auto member = services_.directory->UserExists(email);
  if (!member.ok()) return Unavailable(chrome);
  if (*member) {
    services_.store->AppendAuditBestEffort(
        {0, services_.clock->NowUnix(), email, "auth.sign_in", email, "refused",
         std::string(kind) + ": an organisation account"});
    return NoticeResponse(
        403, "Sign in with your organisation account",
        email +
            " has an account with the organisation that sent the "
            "message. Sign in with its password instead.",
        chrome, "/signin?next=" + http::PercentEncode(next), "Sign in");
  }
  auto enrolled = second_factors_.Enrolled(email);
  if (!enrolled.ok()) return Unavailable(chrome);
  bool required =
      chrome.brand != nullptr && chrome.brand->require_second_factor;
  bool pending = *enrolled || required;
  std::string session_kind(kind);
  if (pending) session_kind += kSecondFactorPending;
  auto session = services_.directory->OpenSession(email, session_kind);
  if (!session.ok()) return Unavailable(chrome);
  std::string to = next;
  if (pending) {
    to = "/second-factor?next=" + http::PercentEncode(next) +
         (keep ? "&keep=1" : "");
  }
  http::Response r = RedirectResponse(to, v);
  r.headers.emplace_back("Set-Cookie",
                         SessionCookie(session->token, keep && !pending));
  return r;
}

http::Response Portal::SecondFactorForm(const Visitor& v,
                                        const std::string& email,
                                        const std::string& next, bool keep,
                                        const std::string& error, int status) {
  Chrome chrome{"Authenticator app", nullptr, &v};
  Data d;
  d.set("csrf", v.csrf);
  d.set("next", next);
  if (keep) d.set("keep", Data::type::bool_true);
  if (!error.empty()) d.set("error", error);
  auto enrolled = second_factors_.Enrolled(email);
  if (!enrolled.ok()) return Unavailable(chrome);
  if (*enrolled) {
    if (v.pending_email.empty() && v.gave_app_code) {
      return NoticeResponse(
          200, "Your authenticator app is set up",
          "Signing in with " + email +
              " asks for a code from it. To move it to a new phone, ask the "
              "organisation that sent you the message to reset it.",
          chrome, next, "Back");
    }
    return PageResponse(status, RenderTemplate(kSecondFactorPage, d), chrome);
  }
  auto secret =
      second_factors_.Begin(email, crypto::Sha256Hex(v.session_token));
  if (!secret.ok()) return Unavailable(chrome);
  auto qr = QrSvg(TotpUri("Sealpost", email, *secret),
                  "QR code of the key for your authenticator app");
  if (!qr.ok()) return Unavailable(chrome);
  d.set("enrol", Data::type::bool_true);
  d.set("qr", *qr);
  d.set("secret", Grouped(crypto::Base32Encode(*secret)));
  if (!v.pending_email.empty()) d.set("required", Data::type::bool_true);
  return PageResponse(status, RenderTemplate(kSecondFactorPage, d), chrome);
}

http::Response Portal::SecondFactorPage(http::Request& req) {
  Visitor v = Identify(req);
  Chrome chrome{"Authenticator app", nullptr, &v};
  std::string email = v.pending_email.empty() ? v.email : v.pending_email;
  if (email.empty() || v.org_user()) {
    return NoticeResponse(
        404, "There is nothing to set up here",
        "An authenticator app is for readers of protected mail who sign in "
        "with a passcode: open the link to the message and sign in.",
        chrome);
  }
  return SecondFactorForm(v, email, SafeNext(req.QueryParam("next")),
                          req.QueryParam("keep") == "1", "", 200);
}

http::Response Portal::SecondFactorPost(http::Request& req) {
  auto posted = ReadPosted(req, "/second-factor", "Back");
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  Chrome chrome{"Authenticator app", nullptr, &v};
  std::string email = v.pending_email.empty() ? v.email : v.pending_email;
  std::string next = SafeNext(form.Get("next"));
  bool keep = form.Get("keep") == "1";
  if (email.empty() || v.org_user()) {
    return NoticeResponse(401, "Sign in first",
                          "Open the link to the message and sign in.", chrome);
  }
  int64_t now = services_.clock->NowUnix();
  // Every try counts, right or wrong, before the code is looked at.
  if (!verify_per_client_.Allow(net::ClientKey(req.remote_address), now) ||
      !second_factor_per_address_.Allow(email, now)) {
    services_.store->AppendAuditBestEffort(
        {0, now, email, "second_factor", email, "refused", "rate limit"});
    return SecondFactorForm(v, email, next, keep,
                            "Too many attempts. Wait 15 minutes and try again.",
                            429);
  }
  // The app as stored before its code is checked (see below).
  auto app = second_factors_.Enrolment(email);
  if (!app.ok()) return Unavailable(chrome);
  const bool enrolled = app->has_value();
  std::string code = form.Get("code");
  auto right = enrolled ? second_factors_.Check(email, code)
                        : second_factors_.Confirm(
                              email, crypto::Sha256Hex(v.session_token), code);
  if (!right.ok()) return Unavailable(chrome);
  if (!*right) {
    services_.store->AppendAuditBestEffort(
        {0, now, email,
         enrolled ? "second_factor.check" : "second_factor.enrol", email,
         "refused", "wrong or used code"});
    return SecondFactorForm(v, email, next, keep,
                            "That code isn't right, or it was used already. "
                            "Enter the code the app shows now.",
                            401);
  }
  services_.store->AppendAuditBestEffort(
      {0, now, email, enrolled ? "second_factor.check" : "second_factor.enrol",
       email, "ok", enrolled ? "" : "authenticator app added"});
  // A new session (a new token) that gave a code: the one that asked ends
  // here, half signed in or begun before the app was added. Adding the app
  // ends every other session of the address as well: none of them gave a
  // code, and a session that gave one of a reset app's codes is no proof.
  const std::string& kind =
      v.pending_email.empty() ? v.session_kind : v.pending_kind;
  // (EndSessionsOf drops their cached pages too.)
  if (!enrolled && !services_.directory->EndSessionsOf(email).ok()) {
    return Unavailable(chrome);
  }
  (void)services_.directory->SignOut(v.session_token);
  auto session = services_.directory->OpenSession(
      email, kind + std::string(kSecondFactorGiven));
  if (!session.ok()) return Unavailable(chrome);
  if (enrolled) {
    // An admin's reset of the app after its code was checked ended the
    // address's sessions before this one was stored: this one ends too,
    // as it would have then (was: it read on for 12 hours on a lost
    // phone's code). Still the same app, a later reset ends it.
    auto still = second_factors_.Enrolment(email);
    if (!still.ok() || *still != *app) {
      (void)services_.directory->SignOut(session->token);
      if (!still.ok()) return Unavailable(chrome);
      services_.store->AppendAuditBestEffort(
          {0, now, email, "second_factor.check", email, "refused",
           "authenticator app reset meanwhile"});
      return NoticeResponse(
          401, "Your authenticator app was reset",
          "The organisation that sent you the message reset it as you "
          "signed in. Open the link to the message and sign in again.",
          chrome);
    }
  }
  http::Response r =
      v.pending_email.empty() && !enrolled
          ? NoticeResponse(200, "Your authenticator app is set up",
                           "From now on, signing in with " + email +
                               " needs the passcode we mail you and a code "
                               "from the app.",
                           chrome, next, "Back to the message")
          : RedirectResponse(next, v);
  r.headers.emplace_back("Set-Cookie", SessionCookie(session->token, keep));
  return r;
}

http::Response Portal::PinPage(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  if (v.email.empty()) return RedirectResponse("/m/" + id, v);
  Data d;
  d.set("id", id);
  d.set("csrf", v.csrf);
  return PageResponse(200, RenderTemplate(kPinPage, d), {"PIN", nullptr, &v});
}

http::Response Portal::CheckPin(http::Request& req) {
  const std::string& id = req.params["id"];
  auto posted = ReadPosted(req, "/m/" + id, "Back to the message");
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  if (v.email.empty()) return RedirectResponse("/m/" + id, v);
  Chrome chrome{"PIN", nullptr, &v};
  auto record = services_.store->GetProtectedMessage(id);
  if (!record.ok()) return Unavailable(chrome);
  if (!record->has_value()) {
    return NoticeResponse(404, "This message doesn't exist", "", chrome);
  }
  // Only a reader the grants let view the message tries its PIN (was:
  // anyone signed in, each address with tries of its own).
  auto may = services_.licenses->GrantsView(**record, v.email,
                                            SignInMethod(v.session_kind));
  if (!may.ok()) return Unavailable(chrome);
  if (!*may && !v.owns((*record)->owner)) {
    return NoticeResponse(403, "You can't open this message",
                          v.email + " has no rights to it.", chrome);
  }
  Data d;
  d.set("id", id);
  d.set("csrf", v.csrf);
  int64_t now = services_.clock->NowUnix();
  auto tried =
      verify_per_client_.Allow(net::ClientKey(req.remote_address), now)
          ? services_.licenses->CheckPin(**record, v.email, form.Get("pin"))
          : Result<std::optional<license::Refusal>>(
                license::Refusal::kPinTries);
  if (!tried.ok()) return Unavailable(chrome);
  if (*tried == license::Refusal::kPinTries) {
    d.set("error", std::string("Too many attempts. Wait 15 minutes and try "
                               "again."));
    return PageResponse(429, RenderTemplate(kPinPage, d), chrome);
  }
  if (!tried->has_value()) {
    // In the store, so that every node honours it until the session ends.
    if (!services_.store
             ->PutPinPass(crypto::Sha256Hex(v.session_token), id,
                          v.session_expires_at)
             .ok()) {
      return Unavailable(chrome);
    }
    services_.store->AppendAuditBestEffort(
        {0, now, v.email, "portal.pin", id, "ok", ""});
    return RedirectResponse("/m/" + id, v);
  }
  services_.store->AppendAuditBestEffort(
      {0, now, v.email, "portal.pin", id, "refused", "wrong PIN"});
  d.set("error", std::string("That PIN isn't right. Ask the sender for it."));
  return PageResponse(401, RenderTemplate(kPinPage, d), chrome);
}

}  // namespace sealpost::portal
