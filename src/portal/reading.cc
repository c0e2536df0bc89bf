// Reading a protected message in the portal, and writing back: the message
// page, its sanitized HTML body (for the sandboxed iframe), its pictures and
// attachments, and reply / reply all / forward. Every request that needs
// the content acquires a use license first (checked and logged).
#include <algorithm>
#include <variant>

#include "base/encoding.h"
#include "base/log.h"
#include "base/strings.h"
#include "crypto/digest.h"
#include "crypto/signature.h"
#include "mime/compose.h"
#include "mime/view.h"
#include "portal/device.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/sanitize.h"
#include "portal/web.h"
#include "sealed/seal.h"

namespace sealpost::portal {
namespace {

struct Opened {
  store::ProtectedMessageRecord record;
  branding::Branding brand;
  license::UseLicense license;
  std::string original;
};

// The message `id` for the signed-in visitor, or the page that says why not.
// The key release's audit record keeps the device kind of `req` and how the
// visitor signed in (the sender's "Opened by").
// A message whose sender set a PIN opens (for anyone but its owner) once
// this session has entered it (a pass in the store, so on any node).
std::variant<Opened, http::Response> OpenFor(const PortalServices& s,
                                             const http::Request& req,
                                             const std::string& id,
                                             const Portal::Visitor& v,
                                             const std::string& back) {
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
  Opened out;
  out.record = **record;
  out.brand = BrandOf(*s.branding, out.record);
  chrome.brand = &out.brand;
  if (v.email.empty()) return RedirectResponse(back, v);
  if (!out.record.pin_sealed.empty() && v.email != out.record.owner) {
    auto passed = s.store->HasPinPass(crypto::Sha256Hex(v.session_token), id,
                                      s.clock->NowUnix());
    if (!passed.ok()) {
      return NoticeResponse(503, "The portal is unavailable",
                            "Please try again in a few minutes.", chrome);
    }
    if (!*passed) return RedirectResponse("/m/" + id + "/pin", v);
  }
  auto copy = s.store->GetPortalCopy(id);
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
  auto lic = s.licenses->Acquire(
      v.email, **copy, "portal",
      {DeviceKind(req.Header("user-agent")), SignInMethod(v.session_kind)});
  if (!lic.ok()) {
    const std::string why = lic.status().message();
    Chrome c = chrome;
    const auto refusal = lic.status().Reason<license::Refusal>();
    if (refusal == license::Refusal::kRevoked) {
      return NoticeResponse(403, "This message has been revoked by the sender",
                            "", c);
    }
    if (refusal == license::Refusal::kExpired) {
      return NoticeResponse(403, "This message has expired", "", c);
    }
    if (refusal.has_value()) {
      return NoticeResponse(
          403, "You can't open this message",
          v.email + " has no rights to it (" + why +
              "). Sign out and sign in with the address it was sent to.",
          c);
    }
    log::Warn("portal: acquiring {}: {}", id, why);
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", c);
  }
  auto verifier = crypto::Verifier::FromPublicKey(lic->signing_public_key);
  if (!verifier.ok()) {
    return NoticeResponse(500, "This message is damaged", "", chrome);
  }
  auto opened = sealed::Open(**copy, *verifier, lic->content_key);
  if (!opened.ok()) {
    return NoticeResponse(500, "This message is damaged", "", chrome);
  }
  out.license = std::move(*lic);
  out.original = std::move(opened->message);
  return out;
}

bool DecryptedDownloads(const PortalServices& s, const Opened& o) {
  if (!o.license.rights.Has(rights::Right::kExtract)) return false;
  if (o.license.rights.Has(rights::Right::kOwner)) return true;
  if (o.record.template_id == rights::kEncryptTemplateId) {
    auto irm = s.licenses->LoadIrm();
    return irm.ok() && irm->GetBool("DecryptAttachmentForEncryptOnly");
  }
  return true;
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

std::string BodyCsp(bool images) {
  return std::string("default-src 'none'; img-src 'self' data:") +
         (images ? " https: http:" : "") +
         "; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
         "form-action 'none'; frame-ancestors 'self'; sandbox "
         "allow-popups allow-popups-to-escape-sandbox";
}

}  // namespace

http::Response Portal::ReadMessage(http::Request& req, const Visitor& v,
                                   int64_t* expires_at) {
  const std::string& id = req.params["id"];
  auto r = OpenFor(services_, req, id, v, "/m/" + id);
  if (auto* resp = std::get_if<http::Response>(&r)) return std::move(*resp);
  Opened& o = std::get<Opened>(r);
  if (expires_at != nullptr) *expires_at = o.license.expires_at;
  Chrome chrome{"", &o.brand, &v};
  auto view = mime::ParseForReading(o.original);
  if (!view.ok()) {
    return NoticeResponse(500, "This message can't be shown",
                          view.status().message(), chrome);
  }
  bool images = req.QueryParam("images") == "1";
  const rights::Rights& rights = o.license.rights;
  const std::string subject = ShownSubject(services_, o, view->subject);
  Data d;
  d.set("id", id);
  d.set("subject", subject.empty() ? std::string("(no subject)") : subject);
  d.set("from", view->from);
  d.set("to", JoinList(view->to));
  if (!view->cc.empty()) d.set("cc", JoinList(view->cc));
  d.set("date", view->date_unix > 0 ? HumanTime(view->date_unix) : view->date);
  d.set("template", o.license.template_name);
  if (o.license.expires_at > 0) {
    d.set("expires", HumanTime(o.license.expires_at));
  }
  if (rights.Has(rights::Right::kReply)) d.set("reply", Data::type::bool_true);
  if (rights.Has(rights::Right::kReplyAll)) {
    d.set("reply_all", Data::type::bool_true);
  }
  if (rights.Has(rights::Right::kForward)) {
    d.set("forward", Data::type::bool_true);
  }
  if (rights.Has(rights::Right::kPrint)) d.set("print", Data::type::bool_true);
  if (!view->html.empty()) {
    SanitizeOptions so;
    so.allow_remote_images = images;
    so.resolve_cid = [](std::string_view) { return std::string("/"); };
    SanitizeResult clean = SanitizeHtml(view->html, so);
    d.set("html", Data::type::bool_true);
    d.set("body_url", "/m/" + id + "/body" + (images ? "?images=1" : ""));
    if (clean.blocked_images > 0 && !images) {
      d.set("blocked_images", Data::type::bool_true);
      d.set("images_url", "/m/" + id + "?images=1");
    }
  } else {
    d.set("text", LinkifyText(view->text));
  }
  bool decrypted = DecryptedDownloads(services_, o);
  Data list{Data::type::list};
  int shown = 0;
  for (const auto& p : view->parts) {
    if (p.is_inline && !view->html.empty()) continue;
    Data a;
    a.set("name", decrypted ? p.filename : p.filename + ".sealed");
    a.set("size", HumanSize(p.size));
    a.set("url", "/m/" + id + "/part/" + std::to_string(p.index));
    if (!decrypted) a.set("sealed", Data::type::bool_true);
    list.push_back(a);
    ++shown;
  }
  if (shown > 0) {
    d.set("has_attachments", Data::type::bool_true);
    d.set("attachments", list);
  }
  chrome.title = subject.empty() ? "Protected message" : subject;
  return PageResponse(200, RenderTemplate(kMessagePage, d), chrome);
}

// The sanitized HTML body, framed by the message page. Its own CSP: no
// script, no forms, pictures only from us (or anywhere once asked for).
http::Response Portal::MessageBody(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  auto r = OpenFor(services_, req, id, v, "/m/" + id);
  if (auto* resp = std::get_if<http::Response>(&r)) return std::move(*resp);
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

// An attachment: decrypted when the rights allow it, otherwise
// sealed on its own for the same recipients (opens with `sealpost open`).
http::Response Portal::MessagePart(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  auto r = OpenFor(services_, req, id, v, "/m/" + id);
  if (auto* resp = std::get_if<http::Response>(&r)) return std::move(*resp);
  Opened& o = std::get<Opened>(r);
  int index = -1;
  try {
    index = std::stoi(req.params["n"]);
  } catch (...) {
  }
  auto part = mime::PartContent(o.original, index);
  if (!part.ok()) return http::Response::Text(404, "no such attachment\n");
  http::Response out;
  out.headers.emplace_back("Cache-Control", "no-store");
  out.headers.emplace_back("Content-Security-Policy",
                           "default-src 'none'; sandbox");
  std::string name = part->filename;
  if (DecryptedDownloads(services_, o)) {
    out.content_type = "application/octet-stream";
    out.body = std::move(part->bytes);
  } else {
    license::ProtectRequest pr;
    pr.sender = o.record.owner;
    pr.template_name = o.record.template_id;
    pr.recipients =
        license::RecipientsOf(o.record);  // the message's own recipients
    pr.message = std::move(part->bytes);
    pr.authorized_by_policy = true;
    pr.expires_at = o.record.expires_at;
    pr.branding = o.record.branding;
    pr.subject = "Attachment " + part->filename;
    auto sealed = services_.licenses->Protect(pr);
    if (!sealed.ok()) {
      return NoticeResponse(503, "This attachment can't be downloaded now",
                            sealed.status().message(), {"", &o.brand, &v});
    }
    out.content_type = "application/vnd.sealpost.sealed";
    out.body = std::move(sealed->container);
    name += ".sealed";
  }
  out.headers.emplace_back("Content-Disposition",
                           http::AttachmentDisposition(name));
  return out;
}

namespace {

struct ReplyPlan {
  bool forward = false;
  bool all = false;
  std::vector<std::string> to;  // fixed recipients (reply)
};

// Who a reply goes to: the sender (Reply-To when set), and for reply all
// the other recipients too; never the replier.
ReplyPlan PlanReply(const http::Request& req, const mime::MessageView& view,
                    const std::string& me) {
  ReplyPlan p;
  p.forward = req.path.ends_with("/forward");
  p.all = !p.forward && req.QueryParam("all") == "1";
  if (p.forward) return p;
  auto add = [&](const std::string& a) {
    std::string x = AsciiLower(a);
    if (x.empty() || x == me) return;
    if (std::find(p.to.begin(), p.to.end(), x) == p.to.end()) p.to.push_back(x);
  };
  if (!view.reply_to_addresses.empty()) {
    for (const auto& a : view.reply_to_addresses) add(a);
  } else {
    add(view.from_address);
  }
  if (p.all) {
    for (const auto& a : view.to_addresses) add(a);
    for (const auto& a : view.cc_addresses) add(a);
  }
  return p;
}

// What a reply or forward starts from: the message, opened for the visitor
// with the right the action needs, or the page that says why not.
struct ReplySource {
  Opened opened;
  mime::MessageView view;
  ReplyPlan plan;
};

std::variant<ReplySource, http::Response> PrepareReply(
    const PortalServices& s, const http::Request& req, const std::string& id,
    const Portal::Visitor& v) {
  auto r = OpenFor(s, req, id, v, "/m/" + id);
  if (auto* resp = std::get_if<http::Response>(&r)) return std::move(*resp);
  ReplySource out{std::move(std::get<Opened>(r)), {}, {}};
  Chrome chrome{"", &out.opened.brand, &v};
  auto view = mime::ParseForReading(out.opened.original);
  if (!view.ok()) {
    return NoticeResponse(500, "This message can't be shown", "", chrome);
  }
  out.view = std::move(*view);
  out.plan = PlanReply(req, out.view, v.email);
  rights::Right needed = out.plan.forward ? rights::Right::kForward
                         : out.plan.all   ? rights::Right::kReplyAll
                                          : rights::Right::kReply;
  if (!out.opened.license.rights.Has(needed)) {
    return NoticeResponse(403, "The sender's protection doesn't allow this",
                          std::string("This message can't be ") +
                              (out.plan.forward ? "forwarded." : "replied to."),
                          chrome, "/m/" + id, "Back to the message");
  }
  return out;
}

}  // namespace

http::Response Portal::ReplyForm(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  auto prepared = PrepareReply(services_, req, id, v);
  if (auto* resp = std::get_if<http::Response>(&prepared)) {
    return std::move(*resp);
  }
  ReplySource& src = std::get<ReplySource>(prepared);
  const ReplyPlan& plan = src.plan;
  const mime::MessageView* view = &src.view;
  Chrome chrome{"", &src.opened.brand, &v};
  Data d;
  d.set("csrf", v.csrf);
  d.set("heading", plan.forward ? "Forward" : plan.all ? "Reply all" : "Reply");
  d.set("action", "/m/" + id +
                      (plan.forward ? "/forward"
                       : plan.all   ? "/reply?all=1"
                                    : "/reply"));
  const std::string subject =
      ShownSubject(services_, src.opened, view->subject);
  if (plan.forward) {
    d.set("to_field", Data::type::bool_true);
    d.set("subject", mime::ForwardSubject(subject));
  } else {
    d.set("to_fixed", JoinList(plan.to));
    d.set("subject", mime::ReplySubject(subject));
  }
  d.set("text", "\n\n" + mime::QuoteText(view->text, view->date, view->from));
  chrome.title = plan.forward ? "Forward" : "Reply";
  return PageResponse(200, RenderTemplate(kComposePage, d), chrome);
}

http::Response Portal::SendReply(http::Request& req) {
  const std::string& id = req.params["id"];
  auto posted = ReadPosted(req, "/m/" + id, "Back to the message");
  if (auto* refused = std::get_if<http::Response>(&posted)) {
    return std::move(*refused);
  }
  auto& [v, form] = std::get<PostedForm>(posted);
  auto prepared = PrepareReply(services_, req, id, v);
  if (auto* resp = std::get_if<http::Response>(&prepared)) {
    return std::move(*resp);
  }
  ReplySource& src = std::get<ReplySource>(prepared);
  const ReplyPlan& plan = src.plan;
  const mime::MessageView* view = &src.view;
  Opened& o = src.opened;
  Chrome chrome{"Sent", &o.brand, &v};
  std::vector<std::string> recipients = plan.to;
  if (plan.forward) {
    for (const auto& a : SplitAddressList(form.Get("to"))) {
      auto addr = license::NormalizeEmail(a);
      if (!addr.ok()) {
        return NoticeResponse(400, "That address doesn't look right",
                              "\"" + a + "\" is not an e-mail address.", chrome,
                              "/m/" + id + "/forward", "Back");
      }
      recipients.push_back(*addr);
    }
    if (recipients.empty()) {
      return NoticeResponse(400, "Who should get it?",
                            "Enter at least one address.", chrome,
                            "/m/" + id + "/forward", "Back");
    }
  }
  if (recipients.empty()) {
    return NoticeResponse(400, "There is nobody to reply to", "", chrome,
                          "/m/" + id, "Back to the message");
  }
  if (auto refused =
          SendRefused(req, v, recipients.size(), chrome, "/m/" + id)) {
    return std::move(*refused);
  }
  mime::ComposeRequest c;
  if (v.org_user()) {
    c.from = v.email;
  } else {
    // Someone from outside writes through our gateway: the header From is
    // ours (so the mail passes SPF/DMARC as our organisation's), the reader
    // is named in it and answers go to them.
    c.from =
        "\"" + v.email + " via secure message\" <" + options_.otp_sender + ">";
    c.reply_to = v.email;
  }
  c.to = recipients;
  c.subject = form.Get("subject");
  c.text = form.Get("text");
  c.in_reply_to = view->message_id;
  c.references = view->references.empty()
                     ? view->message_id
                     : view->references + " " + view->message_id;
  c.message_id_domain = options_.hostname;
  c.date_unix = services_.clock->NowUnix();
  if (plan.forward) {
    // The original's attachments travel with the forward.
    for (const auto& p : view->parts) {
      if (p.is_inline) continue;
      auto data = mime::PartContent(o.original, p.index);
      if (data.ok()) {
        c.attachments.push_back(
            {data->filename, data->content_type, std::move(data->bytes)});
      }
    }
  }
  AttachUploads(form, c);
  auto bytes = mime::ComposeMessage(c);
  if (!bytes.ok()) {
    return NoticeResponse(400, "This message can't be sent",
                          bytes.status().message(), chrome, "/m/" + id,
                          "Back to the message");
  }
  protect::ComposedMail mail;
  mail.owner = v.email;
  mail.envelope_from = v.org_user() ? v.email : options_.otp_sender;
  mail.writer_internal = v.org_user();
  mail.recipients = recipients;
  mail.template_name = o.license.template_name;
  mail.branding = o.record.branding;
  mail.message = std::move(*bytes);
  if (plan.forward) {
    // A forward is the original passed on: it stays the sender's, under
    // the same rights and expiry, and ends when the original is revoked.
    // Never the forwarder's (who would hold OWNER and EXTRACT).
    mail.owner = o.record.owner;
    mail.parent_id = o.record.id;
    mail.expires_at = o.record.expires_at;
  }
  auto messages = services_.protector->ProtectComposed(mail);
  if (!messages.ok() &&
      messages.status().code() == StatusCode::kPermissionDenied) {
    // A mail flow rule refused a recipient: say which rule's reason.
    return NoticeResponse(400, "Your message wasn't sent",
                          messages.status().message(), chrome, "/m/" + id,
                          "Back to the message");
  }
  Status st = messages.ok() ? Enqueue(std::move(*messages)) : messages.status();
  if (!st.ok()) {
    log::Warn("portal: sending a reply to {}: {}", id, st.message());
    return NoticeResponse(503, "Your message wasn't sent",
                          "Please try again in a few minutes.", chrome,
                          "/m/" + id, "Back to the message");
  }
  services_.store->AppendAuditBestEffort(
      {0, c.date_unix, v.email,
       plan.forward ? "portal.forward" : "portal.reply", id, "ok",
       "to " + JoinList(recipients)});
  return NoticeResponse(200, "Your message was sent",
                        "It is protected with " + o.license.template_name +
                            " and on its way to " + JoinList(recipients) + ".",
                        chrome, "/m/" + id, "Back to the message");
}

}  // namespace sealpost::portal
