// The protected compose page of internal users (SimplifiedClientAccess*
// settings say which templates it offers).

#include "mime/compose.h"
#include "base/log.h"
#include "base/strings.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/web.h"

namespace sealpost::portal {
namespace {

// The templates the compose page offers (SimplifiedClientAccess* settings).
bool OfferedInCompose(const rights::Template& t,
                      const license::IrmConfig& irm) {
  if (t.archived) return false;
  if (t.id == rights::kEncryptTemplateId &&
      irm.GetBool("SimplifiedClientAccessEncryptOnlyDisabled")) {
    return false;
  }
  if (t.id == rights::kDoNotForwardTemplateId &&
      irm.GetBool("SimplifiedClientAccessDoNotForwardDisabled")) {
    return false;
  }
  return true;
}

}  // namespace

http::Response Portal::ComposeForm(http::Request& req) {
  Visitor v = Identify(req);
  if (!v.org_user()) return RedirectResponse("/signin?next=/compose", v);
  Chrome chrome{"New protected message", nullptr, &v};
  auto irm = services_.licenses->LoadIrm();
  if (!irm.ok() || !irm->GetBool("SimplifiedClientAccessEnabled")) {
    return NoticeResponse(404, "Protected compose is turned off",
                          "An administrator can turn it on with `sealpost irm "
                          "set --SimplifiedClientAccessEnabled True`.",
                          chrome, "/sent", "Sent messages");
  }
  auto templates = services_.templates->List();
  Data list{Data::type::list};
  if (templates.ok()) {
    for (const auto& t : *templates) {
      if (!OfferedInCompose(t, *irm)) continue;
      Data o;
      o.set("name", t.name);
      if (t.id == rights::kEncryptTemplateId) {
        o.set("selected", Data::type::bool_true);
      }
      list.push_back(o);
    }
  }
  Data d;
  d.set("csrf", v.csrf);
  d.set("heading", std::string("New protected message"));
  d.set("action", std::string("/compose"));
  d.set("to_field", Data::type::bool_true);
  d.set("cc_field", Data::type::bool_true);
  d.set("show_template", Data::type::bool_true);
  d.set("offer_pin", Data::type::bool_true);
  d.set("templates", list);
  return PageResponse(200, RenderTemplate(kComposePage, d), chrome);
}

http::Response Portal::SendCompose(http::Request& req) {
  auto posted = ReadPosted(req, "/compose", "Back", Poster::kOrgUser);
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  Chrome chrome{"New protected message", nullptr, &v};
  auto irm = services_.licenses->LoadIrm();
  if (!irm.ok() || !irm->GetBool("SimplifiedClientAccessEnabled")) {
    return NoticeResponse(404, "Protected compose is turned off", "", chrome);
  }
  auto licensed = services_.directory->IsLicensed(v.email);
  if (!licensed.ok() || !*licensed) {
    return NoticeResponse(403, "You have no license to protect mail",
                          "Ask an administrator: sealpost license assign "
                          "--user " +
                              v.email,
                          chrome, "/sent", "Sent messages");
  }
  mime::ComposeRequest c;
  c.from = v.email;
  std::vector<std::string> all;
  for (const char* field : {"to", "cc"}) {
    for (const auto& a : SplitAddressList(form.Get(field))) {
      auto addr = PortalRecipient(a, options_.accepted_domains);
      if (!addr.ok()) {
        return NoticeResponse(400, RefusedRecipientHeading(addr.status()),
                              addr.status().message(), chrome, "/compose",
                              "Back");
      }
      (std::string_view(field) == "to" ? c.to : c.cc).push_back(*addr);
      all.push_back(*addr);
    }
  }
  if (c.to.empty()) {
    return NoticeResponse(400, "Who should get it?",
                          "Enter at least one address in To.", chrome,
                          "/compose", "Back");
  }
  if (auto refused = SendRefused(req, v, all.size(), chrome, "/compose")) {
    return std::move(*refused);
  }
  c.subject = form.Get("subject");
  c.text = form.Get("text");
  c.message_id_domain = options_.hostname;
  c.date_unix = services_.clock->NowUnix();
  AttachUploads(form, c);
  auto bytes = mime::ComposeMessage(c);
  if (!bytes.ok()) {
    return NoticeResponse(400, "This message can't be sent",
                          bytes.status().message(), chrome, "/compose", "Back");
  }
  std::string tmpl = form.Get("template");
  if (tmpl.empty()) tmpl = std::string(rights::kEncryptTemplateId);
  auto chosen = services_.templates->Find(tmpl);
  if (!chosen.ok() || !OfferedInCompose(*chosen, *irm)) {
    return NoticeResponse(400, "That protection can't be used here",
                          "Choose one of the templates offered.", chrome,
                          "/compose", "Back");
  }
  protect::ComposedMail mail;
  mail.owner = v.email;  // and its writer (ComposedMail::Writer)
  mail.envelope_from = v.email;
  mail.writer_internal = true;  // compose is for org users only
  mail.recipients = all;
  mail.template_name = tmpl;
  mail.message = std::move(*bytes);
  mail.require_pin = form.Get("pin") == "1";
  auto messages = services_.protector->ProtectComposed(mail);
  if (!messages.ok()) {
    return NoticeResponse(400, "This message can't be protected",
                          messages.status().message(), chrome, "/compose",
                          "Back");
  }
  if (Status st = Enqueue(std::move(*messages)); !st.ok()) {
    log::Warn("portal: sending a composed message: {}", st.message());
    return NoticeResponse(503, "Your message wasn't sent",
                          "Please try again in a few minutes.", chrome,
                          "/compose", "Back");
  }
  return NoticeResponse(200, "Your message was sent",
                        "It is protected with " + tmpl + " and on its way to " +
                            JoinList(all) + ".",
                        chrome, "/sent", "Sent messages");
}

}  // namespace sealpost::portal
