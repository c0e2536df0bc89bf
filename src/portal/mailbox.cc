// The dev mailbox (dev mode only; the listener is loopback-only there):
// the mail the dev server delivered, read in the browser.
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "base/files.h"
#include "base/strings.h"
#include "mime/view.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/sanitize.h"
#include "portal/web.h"

namespace sealpost::portal {
namespace {

constexpr int kMailboxLimit = 200;

// A Maildir file name we wrote: no path separators, no dot files.
bool SafeMailName(std::string_view name) {
  if (name.empty() || name[0] == '.' || name.size() > 255) return false;
  return name.find('/') == std::string_view::npos &&
         name.find('\\') == std::string_view::npos;
}

}  // namespace

http::Response Portal::Mailbox(http::Request& req) {
  Visitor v = Identify(req);
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
  Visitor v = Identify(req);
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
