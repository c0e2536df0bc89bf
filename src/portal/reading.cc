// Reading a protected message in the portal: the message page, its
// sanitized HTML body (for the sandboxed iframe), its pictures and
// attachments (writing back is reply.cc). Every request that needs the
// content acquires a use license first (checked and logged).
#include <algorithm>
#include <optional>
#include <variant>

#include "base/encoding.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/signature.h"
#include "mime/view.h"
#include "portal/device.h"
#include "portal/opened.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/sanitize.h"
#include "portal/second_factor.h"
#include "portal/web.h"
#include "sealed/seal.h"

namespace sealpost::portal {
namespace {

// The largest container whose page is made where its handler ran (an I/O
// thread on SQLite): a 4 KB message's page costs about 0.1 ms of CPU.
constexpr size_t kInlinePageBytes = 256 * 1024;

// What a license request for the message needs, found before it: the
// record, its branding and the container.
struct Found {
  store::ProtectedMessageRecord record;
  branding::Branding brand;
  std::string container;
};

// Why a reader's session may not open a message of brand `b`, as a page;
// none when it may. A session is an address's, whichever message it began
// at, so what the brand asks of a sign-in (passcodes or providers turned
// off, an authenticator app required) is asked again of every message.
std::optional<http::Response> SignInFits(const PortalServices& s,
                                         const branding::Branding& b,
                                         const Portal::Visitor& v,
                                         const std::string& id) {
  if (v.org_user()) return std::nullopt;  // the organisation's own sign-in
  Chrome chrome{"Sign in", &b, &v};
  const bool passcode = v.session_kind == license::kPortalOtpSession;
  if (passcode ? !b.otp_enabled : !b.social_id_sign_in) {
    return NoticeResponse(
        403, "This message needs another way of signing in",
        passcode ? "One-time passcodes are turned off for it. Sign out, open "
                   "its link again and sign in with one of the ways it offers."
                 : "Signing in with that provider is turned off for it. Sign "
                   "out, open its link again and sign in with one of the "
                   "ways it offers.",
        chrome);
  }
  if (v.gave_app_code) return std::nullopt;
  auto enrolled =
      SecondFactors(*s.store, *s.licenses, *s.clock).Enrolled(v.email);
  if (!enrolled.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  // Once the address has an app, a session that gave no code from it (one
  // begun before the app was added) gives one first, whatever the brand;
  // a brand that requires an app sends an address without one to add it.
  if (*enrolled || b.require_second_factor) {
    return RedirectResponse(
        "/second-factor?next=" + http::PercentEncode("/m/" + id), v);
  }
  return std::nullopt;
}

// The message `id` for the signed-in visitor up to its license request, or
// the page that says why not. A message whose sender set a PIN opens (for
// anyone but its owner) once this session has entered it (a pass in the
// store, so on any node). `header_only`: the container's header, the rest
// left in the store for a download read from there (download.cc).
std::variant<Found, http::Response> FindFor(const PortalServices& s,
                                            const std::string& id,
                                            const Portal::Visitor& v,
                                            const std::string& back,
                                            bool header_only = false) {
  Chrome chrome{"", nullptr, &v};
  auto record = s.store->GetProtectedMessage(id);
  if (!record.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  if (!record->has_value()) {
    return NoticeResponse(404, "This message doesn't exist",
                          "Check that the link is complete.", chrome);
  }
  Found out;
  out.record = std::move(**record);
  out.brand = BrandOf(*s.branding, out.record);
  chrome.brand = &out.brand;
  if (v.email.empty()) return RedirectResponse(back, v);
  if (auto page = SignInFits(s, out.brand, v, id)) return *std::move(page);
  // Its owner needs none (signed in as the organisation account). A
  // forward asks the PIN of the message it was made of.
  auto asks_pin = v.owns(out.record.owner) ? Result<bool>(false)
                                           : s.licenses->AsksPin(out.record);
  if (!asks_pin.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  if (*asks_pin) {
    auto passed = s.store->HasPinPass(crypto::Sha256Hex(v.session_token), id,
                                      s.clock->NowUnix());
    if (!passed.ok()) {
      return NoticeResponse(503, "The portal is unavailable",
                            "Please try again in a few minutes.", chrome);
    }
    if (!*passed) return RedirectResponse("/m/" + id + "/pin", v);
  }
  auto copy =
      header_only ? PortalCopyHeader(*s.store, id) : s.store->GetPortalCopy(id);
  if (!copy.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  if (!copy->has_value()) {
    // Housekeeping deletes the copy of a message that expired (its own
    // expiry or portal.retention_days): say so, as a license would.
    auto state = s.licenses->GetState(id);
    if (state.ok() && state->state == "expired") {
      return NoticeResponse(403, "This message has expired", "", chrome);
    }
    if (state.ok() && state->state == "revoked") {
      return NoticeResponse(403, "This message has been revoked by the sender",
                            "", chrome);
    }
    return NoticeResponse(404, "This message can't be read in the portal",
                          "Open the attachment message.sealed with `sealpost "
                          "open` instead.",
                          chrome);
  }
  out.container = std::move(**copy);
  return out;
}

// The key release's audit record keeps the device kind of the request and
// how the visitor signed in (the sender's "Opened by").
license::LicenseService::Reader ReaderOf(const http::Request& req,
                                         const Portal::Visitor& v) {
  return {DeviceKind(req.Header("user-agent")), SignInMethod(v.session_kind)};
}

// The found message opened with the visitor's use license `lic` (the
// answer to its license request), or the page that says why not; not
// decrypted unless `decrypt`.
std::variant<Opened, http::Response> OpenWith(Found found,
                                              Result<license::UseLicense> lic,
                                              const Portal::Visitor& v,
                                              bool decrypt = true) {
  Chrome chrome{"", &found.brand, &v};
  const std::string& id = found.record.id;
  if (!lic.ok()) {
    const std::string why = lic.status().message();
    const auto refusal = lic.status().Reason<license::Refusal>();
    if (refusal == license::Refusal::kRevoked) {
      return NoticeResponse(403, "This message has been revoked by the sender",
                            "", chrome);
    }
    if (refusal == license::Refusal::kExpired) {
      return NoticeResponse(403, "This message has expired", "", chrome);
    }
    if (refusal == license::Refusal::kOrgSignInRequired) {
      return NoticeResponse(
          403, "Sign in with your organisation account",
          v.email +
              " has an account with the organisation. Sign out and "
              "sign in with its password.",
          chrome);
    }
    if (refusal.has_value()) {
      return NoticeResponse(
          403, "You can't open this message",
          v.email + " has no rights to it (" + why +
              "). Sign out and sign in with the address it was sent to.",
          chrome);
    }
    log::Warn("portal: acquiring {}: {}", id, why);
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  auto verifier =
      lic->verifier.has_value()
          ? Result<crypto::Verifier>(*lic->verifier)
          : crypto::Verifier::FromPublicKey(lic->signing_public_key);
  if (!verifier.ok()) {
    return NoticeResponse(500, "This message is damaged", "", chrome);
  }
  Opened out;
  if (decrypt) {
    auto opened = sealed::Open(found.container, *verifier, lic->content_key);
    if (!opened.ok()) {
      return NoticeResponse(500, "This message is damaged", "", chrome);
    }
    out.original = std::move(opened->message);
  }
  out.record = std::move(found.record);
  out.brand = std::move(found.brand);
  out.license = std::move(*lic);
  return out;
}

}  // namespace

bool DecryptedDownloads(const PortalServices& s, const Opened& o) {
  if (!o.license.rights.Has(rights::Right::kExtract)) return false;
  if (o.license.rights.Has(rights::Right::kOwner)) return true;
  if (o.record.template_id == rights::kEncryptTemplateId) {
    auto irm = s.licenses->CurrentIrm();
    return irm.ok() && (*irm)->GetBool("DecryptAttachmentForEncryptOnly");
  }
  return true;
}

namespace {

std::string BodyCsp(bool images) {
  return std::string("default-src 'none'; img-src 'self' data:") +
         (images ? " https: http:" : "") +
         "; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
         "form-action 'none'; frame-ancestors 'self'; sandbox "
         "allow-popups allow-popups-to-escape-sandbox";
}

static_assert(PageTemplate::Check(kMessagePage).empty());

const PageTemplate& MessageTemplate() {
  static const PageTemplate t(kMessagePage);
  return t;
}

// The message page of `o` for `v` (below).
http::Response MessagePage(const PortalServices& s, const http::Request& req,
                           const Portal::Visitor& v, Opened& o);

}  // namespace

// The message `id` for the signed-in visitor, or the page that says why
// not: FindFor, the license request (waiting here for its audit record's
// commit), OpenWith.
std::variant<Opened, http::Response> OpenFor(
    const PortalServices& s, const http::Request& req, const std::string& id,
    const Portal::Visitor& v, const std::string& back, bool decrypt) {
  auto found = FindFor(s, id, v, back, !decrypt);
  if (auto* page = Ended(found)) return std::move(*page);
  Found& f = std::get<Found>(found);
  auto lic = s.licenses->Acquire(v.email, f.container, "portal",
                                 ReaderOf(req, v), &f.record);
  return OpenWith(std::move(f), std::move(lic), v, decrypt);
}

// The subject as the recipients were shown it: the one kept with the
// message (without the sender's-choice keyword, as in the wrapper), else
// the original's. The caller holds a use license for `o`.
std::string ShownSubject(const PortalServices& s, const Opened& o,
                         const std::string& parsed) {
  auto kept = s.licenses->Subject(o.record);
  if (kept.ok() && kept->has_value()) return **kept;
  return parsed;
}

http::Response Portal::ReadMessage(http::Request& req, const Visitor& v,
                                   uint64_t generation) {
  const std::string id = req.params["id"];
  auto found = FindFor(services_, id, v, "/m/" + id);
  if (auto* page = Ended(found)) return std::move(*page);
  // Every check is made here; the page is made once the key release's
  // audit record is committed, and nothing holds a thread meanwhile.
  struct State {
    http::Request req;
    Visitor v;
    Found found;
    uint64_t generation;
    license::LicenseService::PendingRelease pending;
  };
  auto st = std::make_shared<State>(
      State{req, v, std::move(std::get<Found>(found)), generation, {}});
  st->pending =
      services_.licenses->PrepareRelease(v.email, st->found.container, "portal",
                                         ReaderOf(req, v), &st->found.record);
  auto later = std::make_shared<http::Later>();
  // A large message's page (decryption, parse, sanitizing) is made on the
  // handler pool: on SQLite the page's lookups run on an I/O thread, and a
  // loop of uncached opens of a 15 MB message stalled every connection
  // there (GET /healthz 2 ms to 280 ms at the median).
  later->heavy = st->found.container.size() > kInlinePageBytes;
  later->start = [this, st](http::Later::Resume resume) {
    services_.licenses->Release(
        std::move(st->pending), [this, st, resume = std::move(resume)](
                                    Result<license::UseLicense> lic) {
          auto held =
              std::make_shared<Result<license::UseLicense>>(std::move(lic));
          resume([this, st, held] {
            auto r = OpenWith(std::move(st->found), std::move(*held), st->v);
            if (auto* page = Ended(r)) return std::move(*page);
            Opened& o = std::get<Opened>(r);
            http::Response page = MessagePage(services_, st->req, st->v, o);
            RememberView(st->req, st->v, page, o.record.id,
                         o.license.expires_at, st->generation);
            return page;
          });
        });
  };
  http::Response out;
  out.later = std::move(later);
  return out;
}

namespace {

http::Response MessagePage(const PortalServices& s, const http::Request& req,
                           const Portal::Visitor& v, Opened& o) {
  const std::string& id = o.record.id;
  Chrome chrome{"", &o.brand, &v};
  auto view = mime::ParseForReading(o.original);
  if (!view.ok()) {
    return NoticeResponse(500, "This message can't be shown",
                          view.status().message(), chrome);
  }
  bool images = req.QueryParam("images") == "1";
  const rights::Rights& rights = o.license.rights;
  const std::string subject = ShownSubject(s, o, view->subject);
  // Views of strings that outlive the render (the view's, the record's).
  PageData d;
  d.SetView("id", id);
  d.SetView("subject", subject.empty() ? std::string_view("(no subject)")
                                       : std::string_view(subject));
  d.SetView("from", view->from);
  d.Set("to", JoinList(view->to));
  if (!view->cc.empty()) d.Set("cc", JoinList(view->cc));
  if (view->date_unix > 0) {
    d.Set("date", HumanTime(view->date_unix));
  } else {
    d.SetView("date", view->date);
  }
  d.SetView("template", o.license.template_name);
  if (o.license.expires_at > 0) {
    d.Set("expires", HumanTime(o.license.expires_at));
  }
  if (rights.Has(rights::Right::kReply)) d.SetFlag("reply");
  if (rights.Has(rights::Right::kReplyAll)) d.SetFlag("reply_all");
  if (rights.Has(rights::Right::kForward)) d.SetFlag("forward");
  if (rights.Has(rights::Right::kPrint)) d.SetFlag("print");
  if (!view->html.empty()) {
    SanitizeOptions so;
    so.allow_remote_images = images;
    so.resolve_cid = [](std::string_view) { return std::string("/"); };
    SanitizeResult clean = SanitizeHtml(view->html, so);
    d.SetFlag("html");
    d.Set("body_url", "/m/" + id + "/body" + (images ? "?images=1" : ""));
    if (clean.blocked_images > 0 && !images) {
      d.SetFlag("blocked_images");
      d.Set("images_url", "/m/" + id + "?images=1");
    }
  } else {
    d.Set("text", LinkifyText(view->text));
  }
  bool decrypted = DecryptedDownloads(s, o);
  bool attachments = false;
  for (const auto& p : view->parts) {
    if (p.is_inline && !view->html.empty()) continue;
    attachments = true;
    PageData& a = d.AddItem("attachments");
    if (decrypted) {
      a.SetView("name", p.filename);
    } else {
      a.Set("name", p.filename + ".sealed");
    }
    a.Set("size", HumanSize(p.size));
    a.Set("url", "/m/" + id + "/part/" + std::to_string(p.index));
    if (!decrypted) a.SetFlag("sealed");
  }
  if (attachments) d.SetFlag("has_attachments");
  chrome.title = subject.empty() ? "Protected message" : subject;
  return PageResponse(200, MessageTemplate(), d, chrome);
}

}  // namespace

void Portal::RememberView(const http::Request& req, const Visitor& v,
                          const http::Response& page, const std::string& id,
                          int64_t expires_at, uint64_t generation) {
  // Only the page's own two URLs (ViewCache::Put also refuses large
  // pages): a reader inventing query strings must not fill memory.
  bool canonical =
      req.target == req.path || req.target == req.path + "?images=1";
  if (page.status == 200 && !v.new_browser && canonical) {
    // Never past the session's end or the message's expiry.
    int64_t now_ms = NowMs(*services_.clock);
    int64_t until_ms =
        std::min(now_ms + ViewCache::kLifetimeMs, v.session_expires_at * 1000);
    if (expires_at > 0) until_ms = std::min(until_ms, expires_at * 1000);
    views_.Put(crypto::Sha256Hex(v.session_token), req.target,
               {page, v.email, id, until_ms, generation,
                std::string(SignInMethod(v.session_kind))});
  }
}

// The sanitized HTML body, framed by the message page. Its own CSP: no
// script, no forms, pictures only from us (or anywhere once asked for).
http::Response Portal::MessageBody(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  auto r = OpenFor(services_, req, id, v, "/m/" + id);
  if (auto* page = Ended(r)) return std::move(*page);
  Opened& o = std::get<Opened>(r);
  auto view = mime::ParseForReading(o.original);
  if (!view.ok()) return http::Response::Text(500, "unreadable message\n");
  bool images = req.QueryParam("images") == "1";
  std::map<std::string, int> cids;
  for (const auto& p : view->parts) {
    if (!p.content_id.empty()) cids[p.content_id] = p.index;
  }
  SanitizeOptions so;
  so.allow_remote_images = images;
  // Pictures in the message go inline as data: URLs: the sandboxed frame
  // has an opaque origin, so its requests would carry no session cookie.
  so.resolve_cid = [&](std::string_view cid) -> std::string {
    auto it = cids.find(std::string(cid));
    if (it == cids.end()) return "";
    auto part = mime::PartContent(o.original, it->second);
    if (!part.ok()) return "";
    static constexpr std::string_view kTypes[] = {"image/png", "image/jpeg",
                                                  "image/gif", "image/webp"};
    if (std::find(std::begin(kTypes), std::end(kTypes), part->content_type) ==
        std::end(kTypes)) {
      return "";
    }
    return "data:" + part->content_type + ";base64," +
           Base64Encode(AsBytes(part->bytes));
  };
  SanitizeResult clean = SanitizeHtml(view->html, so);
  http::Response out;
  out.content_type = "text/html; charset=utf-8";
  out.body =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><base "
      "target=\"_blank\"></head><body>" +
      clean.html + "</body></html>";
  out.headers.emplace_back("Content-Security-Policy", BodyCsp(images));
  out.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  out.headers.emplace_back("Cache-Control", "no-store");
  return out;
}

}  // namespace sealpost::portal
