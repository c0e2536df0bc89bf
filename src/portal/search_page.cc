// The portal's /search page (docs/compliance.md): eDiscovery over protected
// mail for signed-in organisation users in the eDiscovery Manager group,
// with EDiscoverySuperUserEnabled True; 403 for everyone else. The query is
// posted (CSRF-checked), never put in a URL; each subject listed and each
// message downloaded is an audited eDiscovery release, posted like the
// query (CSRF-checked), so no link starts one.
#include <algorithm>
#include <cstdio>
#include <ctime>

#include "base/log.h"
#include "portal/portal.h"
#include "portal/web.h"
#include "search/ediscovery.h"

namespace sealpost::portal {
namespace {

// Variables: csrf, query, from, to, after, before, has_attachment (flag),
// searched (flag), error, hits[{id, subject, owner, recipients, date,
// state}].
constexpr std::string_view kSearchPage =
    R"(<h1>eDiscovery search</h1>
<p>Searches every protected message the organisation keeps, revoked and expired ones too. Each result shown and each download is recorded in the audit log.</p>
<form method="post" action="/search" class="card filters" role="search" aria-label="Search protected mail">
<input type="hidden" name="csrf" value="{{csrf}}">
<div><label for="query">Words</label>
<input id="query" name="query" type="search" value="{{query}}" autocomplete="off" required></div>
<div><label for="from">Sender</label>
<input id="from" name="from" type="email" value="{{from}}" autocomplete="off"></div>
<div><label for="to">Recipient</label>
<input id="to" name="to" type="search" value="{{to}}" autocomplete="off"></div>
<div><label for="after">Protected from</label>
<input id="after" name="after" type="date" value="{{after}}"></div>
<div><label for="before">Protected before</label>
<input id="before" name="before" type="date" value="{{before}}"></div>
<div><label><input type="checkbox" name="has_attachment" value="1"{{#has_attachment}} checked{{/has_attachment}}> With an attachment</label></div>
<div><button type="submit">Search</button></div>
</form>
{{#error}}<p class="error" role="alert">{{error}}</p>{{/error}}
{{#searched}}{{^hits}}<p role="status">No protected message matches.</p>{{/hits}}{{/searched}}
{{#has_hits}}
<div class="table-wrap">
<table class="sent">
<caption class="visually-hidden">Matching messages, newest first</caption>
<thead><tr><th scope="col">Subject</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Protected</th><th scope="col">Status</th><th scope="col">Message</th></tr></thead>
<tbody>
{{#hits}}<tr><td>{{subject}}</td><td>{{owner}}</td><td>{{recipients}}</td><td>{{date}}</td><td>{{state}}</td><td><form method="post" action="/search/messages/{{id}}"><input type="hidden" name="csrf" value="{{csrf}}"><button type="submit">Download .eml</button></form></td></tr>
{{/hits}}</tbody>
</table>
</div>
{{/has_hits}}
)";

// "2026-12-01" as unix seconds (00:00 UTC); 0 for anything else.
int64_t DateValue(const std::string& s) {
  std::tm tm{};
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' ||
      std::sscanf(s.c_str(), "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday) != 3) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace

std::optional<http::Response> Portal::SearchRefused(const Visitor& v) {
  return MembersOnly(v, v.is_ediscovery && services_.ediscovery != nullptr,
                     "/search", "eDiscovery managers", "eDiscovery Manager");
}

http::Response Portal::SearchPage(http::Request& req) {
  Visitor v = Identify(req);
  if (auto refused = SearchRefused(v)) return std::move(*refused);
  Data d;
  d.set("csrf", v.csrf);
  return PageResponse(200, RenderTemplate(kSearchPage, d),
                      {"eDiscovery search", nullptr, &v});
}

http::Response Portal::SearchPost(http::Request& req) {
  auto posted =
      ReadPosted(req, "/search", "eDiscovery search", Poster::kOrgUser);
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  if (auto refused = SearchRefused(v)) return std::move(*refused);
  search::SearchRequest q;
  q.query = form.Get("query");
  q.from = form.Get("from");
  q.to = form.Get("to");
  q.after = DateValue(form.Get("after"));
  q.before = DateValue(form.Get("before"));
  q.has_attachment = form.Get("has_attachment") == "1";
  Data d;
  d.set("csrf", v.csrf);
  d.set("query", q.query);
  d.set("from", q.from);
  d.set("to", q.to);
  d.set("after", form.Get("after"));
  d.set("before", form.Get("before"));
  if (q.has_attachment) d.set("has_attachment", Data::type::bool_true);
  auto hits = services_.ediscovery->Search(v.email, q);
  int status = 200;
  if (!hits.ok()) {
    if (hits.status().code() == StatusCode::kPermissionDenied) {
      return NoticeResponse(403, "eDiscovery is not allowed",
                            hits.status().message(),
                            {"Not allowed", nullptr, &v});
    }
    status = hits.status().code() == StatusCode::kInvalidArgument ? 400 : 503;
    if (status == 503) log::Warn("portal search: {}", hits.status().message());
    d.set("error", status == 400 ? hits.status().message()
                                 : std::string("Search is unavailable; try "
                                               "again in a few minutes."));
  } else {
    d.set("searched", Data::type::bool_true);
    Data list = Data::type::list;
    for (const auto& h : *hits) {
      Data row;
      row.set("id", h.record.id);
      row.set("subject", h.subject.empty() ? "(no subject)" : h.subject);
      row.set("owner", h.record.owner);
      row.set("recipients", JoinList(license::RecipientsOf(h.record)));
      row.set("date", HumanTime(h.record.created_at));
      row.set("state", h.state);
      list.push_back(row);
    }
    if (!hits->empty()) d.set("has_hits", Data::type::bool_true);
    d.set("hits", list);
  }
  return PageResponse(status, RenderTemplate(kSearchPage, d),
                      {"eDiscovery search", nullptr, &v});
}

http::Response Portal::SearchDownload(http::Request& req) {
  const std::string& id = req.params["id"];
  // A form posted with the results page's CSRF token: a link cannot start
  // it, from another site, from the sign-in page's `next` or from a link
  // in a message shown by this portal (was: a GET, so any of these
  // decrypted the message and recorded the export in the member's name).
  auto posted =
      ReadPosted(req, "/search", "eDiscovery search", Poster::kOrgUser);
  if (auto* page = Ended(posted)) return std::move(*page);
  Visitor& v = std::get<PostedForm>(posted).visitor;
  if (auto refused = SearchRefused(v)) return std::move(*refused);
  auto released = services_.ediscovery->Export(v.email, id);
  if (!released.ok()) {
    const StatusCode code = released.status().code();
    if (code == StatusCode::kPermissionDenied) {
      return NoticeResponse(403, "eDiscovery is not allowed",
                            released.status().message(),
                            {"Not allowed", nullptr, &v});
    }
    if (code == StatusCode::kNotFound) {
      return NoticeResponse(404, "No such message", released.status().message(),
                            {"Not found", nullptr, &v}, "/search",
                            "eDiscovery search");
    }
    log::Warn("portal search download: {}", released.status().message());
    return NoticeResponse(503, "The portal is unavailable",
                          "Please try again in a few minutes.",
                          {"Unavailable", nullptr, &v});
  }
  http::Response r;
  r.status = 200;
  r.content_type = "message/rfc822";
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + id + ".eml\"");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.body = std::move(released->original);
  return r;
}

}  // namespace sealpost::portal
