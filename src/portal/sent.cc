// The internal users' pages (sent protected mail with its tracking log and
// a Revoke button; the protected compose page) and the dev mailbox.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "base/files.h"
#include "base/log.h"
#include "base/strings.h"
#include "mime/compose.h"
#include "mime/view.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/sanitize.h"
#include "portal/web.h"

namespace sealpost::portal {
namespace {

constexpr int kSentLimit = 200;
constexpr int kMailboxLimit = 200;

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

// A Maildir file name we wrote: no path separators, no dot files.
bool SafeMailName(std::string_view name) {
  if (name.empty() || name[0] == '.' || name.size() > 255) return false;
  return name.find('/') == std::string_view::npos &&
         name.find('\\') == std::string_view::npos;
}

}  // namespace

http::Response Portal::Home(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  if (v.org_user()) return RedirectResponse("/sent", v);
  if (!v.email.empty()) {
    return NoticeResponse(200, "Open the link in your mail",
                          "Each protected message has its own link.",
                          {"", nullptr, &v});
  }
  return RedirectResponse("/signin?next=/sent", v);
}

http::Response Portal::Sent(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  if (!v.org_user()) return RedirectResponse("/signin?next=/sent", v);
  Chrome chrome{"Sent protected messages", nullptr, &v};
  auto messages = services_.store->ListProtectedMessages(v.email, kSentLimit);
  if (!messages.ok()) {
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  auto irm = services_.licenses->LoadIrm();
  int64_t now = services_.clock->NowUnix();
  std::map<std::string, std::string> template_names;
  Data list{Data::type::list};
  for (const auto& m : *messages) {
    if (m.id.starts_with("probe-")) continue;  // self-test messages
    Data row;
    row.set("id", m.id);
    row.set("to", JoinList(license::RecipientsOf(m)));
    row.set("sent", HumanTime(m.created_at));
    auto [it, fresh] = template_names.try_emplace(m.template_id, m.template_id);
    if (fresh) {
      auto t = services_.templates->Find(m.template_id);
      if (t.ok()) it->second = t->name;
    }
    row.set("template", it->second);
    bool revoked = m.revoked_at != 0;
    bool expired = m.expires_at != 0 && now >= m.expires_at;
    row.set("state", revoked   ? "Revoked " + HumanTime(m.revoked_at)
                     : expired ? std::string("Expired")
                               : std::string("Active"));
    if (!revoked) row.set("revocable", Data::type::bool_true);
    row.set("csrf", v.csrf);
    Data opens{Data::type::list};
    auto audit = services_.store->ListAudit(m.id, 50);
    if (audit.ok()) {
      for (const auto& a : *audit) {
        if (a.action != "license.acquire" || a.result != "granted" ||
            a.actor == m.owner) {
          continue;
        }
        Data o;
        o.set("who", a.actor);
        o.set("when", HumanTime(a.at));
        opens.push_back(o);
      }
    }
    row.set("opens", opens);
    list.push_back(row);
  }
  Data d;
  d.set("messages", list);
  if (!list.is_empty_list()) d.set("has_messages", Data::type::bool_true);
  if (irm.ok() && irm->GetBool("SimplifiedClientAccessEnabled")) {
    d.set("compose", Data::type::bool_true);
  }
  return PageResponse(200, RenderTemplate(kSentPage, d), chrome);
}

http::Response Portal::Revoke(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  auto form = ReadForm(req);
  Chrome chrome{"Revoke", nullptr, &v};
  if (!form.ok() || !CsrfOk(req, v, *form, options_.public_url)) {
    return FormExpired(v, "/sent", "Sent messages",
                       form.ok() ? "" : form.status().message());
  }
  if (!v.org_user()) return RedirectResponse("/signin?next=/sent", v);
  Status st = services_.licenses->Revoke(req.params["id"], v.email, false);
  if (!st.ok()) {
    return NoticeResponse(
        st.code() == StatusCode::kPermissionDenied ? 403 : 400,
        "The message wasn't revoked", st.message(), chrome, "/sent",
        "Sent messages");
  }
  return RedirectResponse("/sent", v);
}

http::Response Portal::ComposeForm(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
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
  d.set("templates", list);
  return PageResponse(200, RenderTemplate(kComposePage, d), chrome);
}

http::Response Portal::SendCompose(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  auto form = ReadForm(req);
  Chrome chrome{"New protected message", nullptr, &v};
  if (!form.ok() || !CsrfOk(req, v, *form, options_.public_url)) {
    return FormExpired(v, "/compose", "Back",
                       form.ok() ? "" : form.status().message());
  }
  if (!v.org_user()) return RedirectResponse("/signin?next=/compose", v);
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
    for (const auto& a : SplitAddressList(form->Get(field))) {
      auto addr = license::NormalizeEmail(a);
      if (!addr.ok()) {
        return NoticeResponse(400, "That address doesn't look right",
                              "\"" + a + "\" is not an e-mail address.", chrome,
                              "/compose", "Back");
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
  c.subject = form->Get("subject");
  c.text = form->Get("text");
  c.message_id_domain = options_.hostname;
  c.date_unix = services_.clock->NowUnix();
  for (auto& [name, f] : form->files) {
    if (f.filename.empty()) continue;
    c.attachments.push_back(
        {f.filename,
         f.content_type.empty() ? "application/octet-stream" : f.content_type,
         f.data});
  }
  auto bytes = mime::ComposeMessage(c);
  if (!bytes.ok()) {
    return NoticeResponse(400, "This message can't be sent",
                          bytes.status().message(), chrome, "/compose", "Back");
  }
  std::string tmpl = form->Get("template");
  if (tmpl.empty()) tmpl = std::string(rights::kEncryptTemplateId);
  auto chosen = services_.templates->Find(tmpl);
  if (!chosen.ok() || !OfferedInCompose(*chosen, *irm)) {
    return NoticeResponse(400, "That protection can't be used here",
                          "Choose one of the templates offered.", chrome,
                          "/compose", "Back");
  }
  protect::ComposedMail mail;
  mail.owner = v.email;
  mail.envelope_from = v.email;
  mail.writer_internal = true;  // compose is for org users only
  mail.recipients = all;
  mail.template_name = tmpl;
  mail.message = std::move(*bytes);
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

// ---- Dev mailbox (dev mode only; the listener is loopback-only there) ----

http::Response Portal::Mailbox(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  struct Entry {
    std::string name;
    int64_t mtime_ns;
  };
  std::vector<Entry> entries;
  for (const char* sub : {"new", "cur"}) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(
             options_.dev_mailbox + "/" + sub, ec)) {
      struct stat st;
      if (stat(e.path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
      entries.push_back(
          {e.path().filename().string(),
           int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.mtime_ns != b.mtime_ns ? a.mtime_ns > b.mtime_ns : a.name > b.name;
  });
  if (entries.size() > kMailboxLimit) entries.resize(kMailboxLimit);
  Data list{Data::type::list};
  for (const auto& e : entries) {
    std::string path = options_.dev_mailbox + "/new/" + e.name;
    auto bytes = ReadFile(path);
    if (!bytes.ok()) bytes = ReadFile(options_.dev_mailbox + "/cur/" + e.name);
    if (!bytes.ok()) continue;
    auto view = mime::ParseForReading(*bytes);
    Data m;
    m.set("name", e.name);
    if (view.ok()) {
      m.set("subject", view->subject.empty() ? "(no subject)" : view->subject);
      m.set("from", view->from);
      m.set("to", JoinList(view->to));
      m.set("date", view->date);
    } else {
      m.set("subject", "(not a valid message)");
    }
    list.push_back(m);
  }
  Data d;
  if (!entries.empty()) d.set("has_mails", Data::type::bool_true);
  d.set("mails", list);
  return PageResponse(200, RenderTemplate(kMailboxPage, d),
                      {"Dev mailbox", nullptr, &v});
}

namespace {

Result<std::string> ReadMail(const std::string& root, const std::string& name) {
  if (!SafeMailName(name)) return NotFoundError("no such mail");
  auto bytes = ReadFile(root + "/new/" + name);
  if (bytes.ok()) return bytes;
  return ReadFile(root + "/cur/" + name);
}

}  // namespace

http::Response Portal::MailboxMail(http::Request& req) {
  Visitor v = IdentifyVisitor(req, *services_.directory);
  const std::string& name = req.params["name"];
  Chrome chrome{"Dev mailbox", nullptr, &v};
  auto bytes = ReadMail(options_.dev_mailbox, name);
  if (!bytes.ok()) {
    return NoticeResponse(404, "No such mail", "", chrome, "/dev/mailbox",
                          "Dev mailbox");
  }
  auto view = mime::ParseForReading(*bytes);
  if (!view.ok()) {
    return NoticeResponse(422, "Not a valid message", view.status().message(),
                          chrome, "/dev/mailbox", "Dev mailbox");
  }
  Data d;
  d.set("name", name);
  d.set("subject", view->subject.empty() ? "(no subject)" : view->subject);
  d.set("from", view->from);
  d.set("to", JoinList(view->to));
  d.set("date", view->date);
  if (!view->html.empty()) d.set("html", Data::type::bool_true);
  d.set("text", LinkifyText(view->text));
  chrome.title = view->subject;
  return PageResponse(200, RenderTemplate(kMailPage, d), chrome);
}

http::Response Portal::MailboxBody(http::Request& req) {
  auto bytes = ReadMail(options_.dev_mailbox, req.params["name"]);
  if (!bytes.ok()) return http::Response::Text(404, "no such mail\n");
  auto view = mime::ParseForReading(*bytes);
  if (!view.ok()) return http::Response::Text(422, "not a valid message\n");
  SanitizeOptions so;
  so.resolve_cid = [](std::string_view) { return std::string(); };
  http::Response out;
  out.content_type = "text/html; charset=utf-8";
  out.body =
      "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><base "
      "target=\"_blank\"></head><body>" +
      SanitizeHtml(view->html, so).html + "</body></html>";
  out.headers.emplace_back(
      "Content-Security-Policy",
      "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
      "base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox "
      "allow-popups allow-popups-to-escape-sandbox");
  out.headers.emplace_back("X-Frame-Options", "SAMEORIGIN");
  return out;
}

}  // namespace sealpost::portal
