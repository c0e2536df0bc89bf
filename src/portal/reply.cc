// Replying to and forwarding a protected message in the portal, as its
// rights allow: the form (quoting the original) and sending, protected with
// the original's template (a forward stays the sender's).
#include <algorithm>
#include <variant>

#include "base/log.h"
#include "base/strings.h"
#include "mime/compose.h"
#include "mime/view.h"
#include "portal/opened.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/web.h"

namespace sealpost::portal {
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
  if (v.org_user()) {
    // What an org user writes is protected in their name, as /compose is:
    // only with a license (readers from outside need none to answer).
    auto licensed = s.directory->IsLicensed(v.email);
    if (!licensed.ok() || !*licensed) {
      return NoticeResponse(
          403, "You have no license to protect mail",
          "Ask an administrator: sealpost license assign --user " + v.email,
          Chrome{"", nullptr, &v}, "/m/" + id, "Back to the message");
    }
  }
  auto r = OpenFor(s, req, id, v, "/m/" + id);
  if (auto* page = Ended(r)) return std::move(*page);
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
  if (auto* page = Ended(prepared)) return std::move(*page);
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
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  auto prepared = PrepareReply(services_, req, id, v);
  if (auto* page = Ended(prepared)) return std::move(*page);
  ReplySource& src = std::get<ReplySource>(prepared);
  const ReplyPlan& plan = src.plan;
  const mime::MessageView* view = &src.view;
  Opened& o = src.opened;
  Chrome chrome{"Sent", &o.brand, &v};
  // Only addresses the gateway sends to (PortalRecipient, as SMTP RCPT):
  // one of the original's that it refuses is left out and named on the
  // page; a typed one refuses the forward.
  std::vector<std::string> recipients;
  std::string left_out;
  for (const auto& a : plan.to) {
    auto addr = PortalRecipient(a, options_.accepted_domains);
    if (addr.ok()) {
      recipients.push_back(*addr);
    } else {
      left_out += " Left out: " + addr.status().message();
    }
  }
  if (plan.forward) {
    for (const auto& a : SplitAddressList(form.Get("to"))) {
      auto addr = PortalRecipient(a, options_.accepted_domains);
      if (!addr.ok()) {
        return NoticeResponse(400, RefusedRecipientHeading(addr.status()),
                              addr.status().message(), chrome,
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
    return NoticeResponse(400, "There is nobody to reply to", Trim(left_out),
                          chrome, "/m/" + id, "Back to the message");
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
  mail.writer = v.email;  // a forward's owner is not who wrote it (below)
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
                            " and on its way to " + JoinList(recipients) + "." +
                            left_out,
                        chrome, "/m/" + id, "Back to the message");
}

}  // namespace sealpost::portal
