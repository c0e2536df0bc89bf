// The internal users' sent page: what they protected, with its tracking
// log, search, paging, revocation and expiry (compose is compose.cc, the
// dev mailbox mailbox.cc).
#include <ctime>
#include <map>
#include <optional>

#include "base/clock.h"
#include "base/strings.h"
#include "portal/page_templates.h"
#include "portal/portal.h"
#include "portal/view_cache.h"
#include "portal/web.h"

namespace sealpost::portal {

http::Response Portal::Home(http::Request& req) {
  Visitor v = Identify(req);
  if (v.org_user()) return RedirectResponse("/sent", v);
  if (!v.email.empty()) {
    return NoticeResponse(200, "Open the link in your mail",
                          "Each protected message has its own link.",
                          {"", nullptr, &v});
  }
  return RedirectResponse("/signin?next=/sent", v);
}

namespace {

// A page of /sent; a subject search decrypts at most kSearchScan records
// per request (kSearchBatch at a time) and then offers to go on further
// back: the page stays fast however many messages an owner has.
constexpr size_t kSentPageSize = 50;
constexpr int kSearchBatch = 250;
constexpr int kSearchScan = 2000;
// Revoke selected: at most this many at once (two pages).
constexpr size_t kRevokeAtOnce = 100;

struct SentFilter {
  std::vector<std::string> words;  // lower-case subject words
  std::string q, to, state;        // as typed, for the form and links
  std::string from, until;         // dates, "YYYY-MM-DD" (UTC), inclusive
  int64_t since = 0, before = 0;   // from 00:00 of `from`, to before the
                                   // 00:00 after `until`; 0: unbounded
  bool bad_date = false;
  int64_t before_at = 0;
  std::string before_id;
};

// "1764670000.3fa2…": created_at and id of the last row of a page.
std::string CursorOf(const store::ProtectedMessageRecord& r) {
  return std::to_string(r.created_at) + "." + r.id;
}

// "2026-12-05" (UTC) for a date field.
std::string DateValue(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "";
  std::string at = FormatRfc3339(unix_seconds);  // 2026-12-05T10:00:00Z
  return at.substr(0, at.find('T'));
}

// 00:00 UTC of a "YYYY-MM-DD" date field; nullopt when malformed.
std::optional<int64_t> ParseDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = std::stoi(std::string(s.substr(0, 4))) - 1900;
  tm.tm_mon = std::stoi(std::string(s.substr(5, 2))) - 1;
  tm.tm_mday = std::stoi(std::string(s.substr(8, 2)));
  if (tm.tm_year < 70 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm));
}

SentFilter ReadSentFilter(const http::Request& req) {
  SentFilter f;
  f.q = req.QueryParam("q").substr(0, 200);
  f.to = req.QueryParam("to").substr(0, 200);
  f.state = req.QueryParam("state");
  if (f.state != "active" && f.state != "revoked" && f.state != "expired") {
    f.state.clear();
  }
  f.from = req.QueryParam("from").substr(0, 10);
  f.until = req.QueryParam("until").substr(0, 10);
  if (!f.from.empty()) {
    auto at = ParseDate(f.from);
    f.bad_date |= !at.has_value();
    f.since = at.value_or(0);
  }
  if (!f.until.empty()) {
    auto at = ParseDate(f.until);
    f.bad_date |= !at.has_value();
    f.before = at ? *at + 86400 : 0;
  }
  std::string word;
  for (char c : f.q + " ") {
    if (c == ' ' || c == '\t') {
      if (!word.empty()) f.words.push_back(AsciiLower(word));
      word.clear();
    } else {
      word += c;
    }
  }
  std::string before = req.QueryParam("before");
  if (size_t dot = before.find('.'); dot != std::string::npos && dot > 0) {
    auto at = before.substr(0, dot);
    if (at.size() < 19 && std::all_of(at.begin(), at.end(), [](char c) {
          return c >= '0' && c <= '9';
        })) {
      f.before_at = std::stoll(at);
      f.before_id = before.substr(dot + 1, 100);
    }
  }
  return f;
}

std::string SentUrl(const SentFilter& f, std::string_view before) {
  std::string url = "/sent";
  auto add = [&](std::string_view k, std::string_view v) {
    if (v.empty()) return;
    url += (url.size() == 5 ? "?" : "&") + std::string(k) + "=" +
           http::PercentEncode(v);
  };
  add("q", f.q);
  add("to", f.to);
  add("state", f.state);
  add("from", f.from);
  add("until", f.until);
  add("before", before);
  return url;
}

bool SubjectMatches(const std::string& subject,
                    const std::vector<std::string>& words) {
  std::string lower = AsciiLower(subject);
  return std::all_of(words.begin(), words.end(), [&](const std::string& w) {
    return lower.find(w) != std::string::npos;
  });
}

// "phone, one-time passcode": the device kind and sign-in method kept
// with an open; "" for opens recorded before they were.
std::string OpenedHow(const store::AuditRecord& a) {
  static const std::map<std::string_view, std::string_view> kWords = {
      {"desktop", "computer"},
      {"mobile", "phone"},
      {"tablet", "tablet"},
      {"unknown", "unknown device"},
      {"passcode", "one-time passcode"},
      {"oidc", "OpenID Connect"},
      {"org", "organisation account"}};
  std::string out;
  for (const std::string& v : {a.device, a.sign_in}) {
    auto it = kWords.find(v);
    if (it == kWords.end()) continue;
    out += (out.empty() ? "" : ", ") + std::string(it->second);
  }
  return out;
}

// One row of /sent: `m` and its opened `subject`, its state at `now`, and
// who opened it (the audit log); `template_names` caches the names found.
Data SentRow(const PortalServices& services,
             const store::ProtectedMessageRecord& m, const std::string& subject,
             int64_t now, const std::string& csrf,
             std::map<std::string, std::string>& template_names) {
  Data row;
  row.set("id", m.id);
  row.set("subject", subject.empty() ? "(no subject)" : subject);
  row.set("to", JoinList(license::RecipientsOf(m)));
  row.set("sent", HumanTime(m.created_at));
  auto [it, fresh] = template_names.try_emplace(m.template_id, m.template_id);
  if (fresh) {
    auto t = services.templates->Find(m.template_id);
    if (t.ok()) it->second = t->name;
  }
  row.set("template", it->second);
  // The owner's own page: the PIN to give the reader (sealed at rest).
  if (auto pin = services.licenses->Pin(m); pin.ok() && pin->has_value()) {
    row.set("pin", **pin);
  }
  bool revoked = m.revoked_at != 0;
  bool expired = m.expires_at != 0 && now >= m.expires_at;
  row.set("state", revoked   ? "Revoked " + HumanTime(m.revoked_at)
                   : expired ? std::string("Expired")
                             : std::string("Active"));
  if (!revoked && !expired && m.expires_at != 0) {
    row.set("expires", HumanTime(m.expires_at));
  }
  row.set("expires_value", DateValue(m.expires_at));
  if (!revoked) row.set("revocable", Data::type::bool_true);
  row.set("csrf", csrf);
  Data opens{Data::type::list};
  auto audit = services.store->ListAudit(m.id, 50);
  if (audit.ok()) {
    for (const auto& a : *audit) {
      if (a.action != "license.acquire" || a.result != "granted" ||
          a.actor == m.owner || a.detail == kCachedViewDetail) {
        continue;
      }
      Data o;
      o.set("who", a.actor);
      o.set("when", HumanTime(a.at));
      std::string how = OpenedHow(a);
      if (!how.empty()) o.set("how", how);
      opens.push_back(o);
    }
  }
  row.set("opens", opens);
  return row;
}

}  // namespace

http::Response Portal::Sent(http::Request& req) {
  Visitor v = Identify(req);
  if (!v.org_user()) return RedirectResponse("/signin?next=/sent", v);
  Chrome chrome{"Sent protected messages", nullptr, &v};
  SentFilter f = ReadSentFilter(req);
  if (f.bad_date) {
    return NoticeResponse(400, "That date doesn't look right",
                          "Use dates such as 2026-12-31.", chrome, "/sent",
                          "Sent messages");
  }
  int64_t now = services_.clock->NowUnix();
  store::ProtectedMessageQuery query;
  query.owner = v.email;
  query.state = f.state;
  query.now = now;
  query.recipient = f.to;
  query.since = f.since;
  query.until = f.before;
  query.before_created_at = f.before_at;
  query.before_id = f.before_id;
  query.skip_probes = true;  // self-test messages
  // The sender's own messages, their own forwards too: not a reader's
  // forward of one (its subject and text are the reader's) nor an
  // attachment's sealed copy made for a download (was: one row each, that
  // pushed the sender's own mail off the first page). Revoking the message
  // ends them.
  query.skip_children = true;

  struct Row {
    store::ProtectedMessageRecord record;
    std::string subject;
  };
  auto subject_of = [&](const store::ProtectedMessageRecord& r) {
    auto s = services_.licenses->Subject(r);
    return s.ok() && s->has_value() && !(*s)->empty() ? **s : std::string();
  };
  std::vector<Row> rows;
  std::string older;  // cursor of the next page; empty: none
  std::string searched;
  // Without words, one page (and one more row, to know there are older
  // ones). Subjects are sealed: with words, decrypt and filter, newest
  // first, at most kSearchScan per request.
  const bool searching = !f.words.empty();
  const int batch_size =
      searching ? kSearchBatch : static_cast<int>(kSentPageSize) + 1;
  int scanned = 0;
  std::optional<store::ProtectedMessageRecord> last;
  bool done = false;
  while (!done) {
    query.limit = batch_size;
    auto batch = services_.store->QueryProtectedMessages(query);
    if (!batch.ok()) {
      return NoticeResponse(503, "The portal is unavailable",
                            "Please try again in a few minutes.", chrome);
    }
    for (auto& r : *batch) {
      if (rows.size() == kSentPageSize) {
        older = CursorOf(rows.back().record);
        done = true;
        break;
      }
      ++scanned;
      std::string subject = subject_of(r);
      query.before_created_at = r.created_at;
      query.before_id = r.id;
      last = r;
      if (!searching || SubjectMatches(subject, f.words)) {
        rows.push_back({std::move(r), std::move(subject)});
      }
    }
    if (done) break;
    if (batch->size() < static_cast<size_t>(batch_size)) break;
    if (searching && scanned >= kSearchScan) {
      older = CursorOf(*last);
      searched = "Searched " + std::to_string(scanned) + " messages, back to " +
                 HumanTime(last->created_at) +
                 ". Older ones may match too: choose Older to go on.";
      break;
    }
  }

  std::map<std::string, std::string> template_names;
  Data list{Data::type::list};
  for (const auto& [m, subject] : rows) {
    list.push_back(SentRow(services_, m, subject, now, v.csrf, template_names));
  }
  Data d;
  d.set("messages", list);
  d.set("csrf", v.csrf);
  if (!rows.empty()) d.set("has_messages", Data::type::bool_true);
  if (v.can_compose) d.set("compose", Data::type::bool_true);
  d.set("q", f.q);
  d.set("to_filter", f.to);
  d.set(f.state.empty() ? "state_any" : "state_" + f.state,
        Data::type::bool_true);
  d.set("from", f.from);
  d.set("until", f.until);
  if (!f.words.empty() || !f.to.empty() || !f.state.empty() || f.since != 0 ||
      f.before != 0) {
    d.set("filtered", Data::type::bool_true);
  }
  if (!searched.empty()) d.set("searched", searched);
  if (!older.empty()) d.set("older", SentUrl(f, older));
  if (!f.before_id.empty()) d.set("newest", SentUrl(f, ""));
  return PageResponse(200, RenderTemplate(kSentPage, d), chrome);
}

namespace {

// A notice on the sent messages, leading back to their list.
http::Response SentNotice(int status, std::string_view heading,
                          std::string_view text, const Chrome& chrome) {
  return NoticeResponse(status, heading, text, chrome, "/sent",
                        "Sent messages");
}

// The answer to a change of one sent message: back to the list, or the
// notice saying why it `failed`.
http::Response AfterChange(const Status& st, std::string_view failed,
                           const Chrome& chrome) {
  if (!st.ok()) {
    return SentNotice(st.code() == StatusCode::kPermissionDenied ? 403 : 400,
                      failed, st.message(), chrome);
  }
  return RedirectResponse("/sent", *chrome.visitor);
}

}  // namespace

http::Response Portal::Revoke(http::Request& req) {
  auto posted = ReadPosted(req, "/sent", "Sent messages", Poster::kOrgUser);
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  Chrome chrome{"Revoke", nullptr, &v};
  return AfterChange(
      services_.licenses->Revoke(req.params["id"], v.email, false),
      "The message wasn't revoked", chrome);
}

http::Response Portal::RevokeSelected(http::Request& req) {
  auto posted = ReadPosted(req, "/sent", "Sent messages", Poster::kOrgUser);
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  Chrome chrome{"Revoke", nullptr, &v};
  std::vector<std::string> ids = form.GetAll("id");
  if (ids.empty()) {
    return SentNotice(400, "Nothing was selected",
                      "Tick the messages to revoke first.", chrome);
  }
  if (ids.size() > kRevokeAtOnce) {
    return SentNotice(400, "Too many at once",
                      "Revoke at most " + std::to_string(kRevokeAtOnce) +
                          " messages at a time.",
                      chrome);
  }
  int revoked = 0;
  std::vector<std::string> failed;
  for (const auto& id : ids) {
    Status st = services_.licenses->Revoke(id, v.email, false);
    if (st.ok()) {
      ++revoked;
    } else if (st.code() != StatusCode::kFailedPrecondition) {
      failed.push_back(id + ": " + st.message());  // not "already revoked"
    }
  }
  if (!failed.empty()) {
    return SentNotice(
        400, "Some messages weren't revoked",
        std::to_string(revoked) + " revoked; not revoked: " + JoinList(failed),
        chrome);
  }
  return SentNotice(200,
                    revoked == 1
                        ? "1 message revoked"
                        : std::to_string(revoked) + " messages revoked",
                    "Their recipients can no longer open them.", chrome);
}

http::Response Portal::SetExpiry(http::Request& req) {
  auto posted = ReadPosted(req, "/sent", "Sent messages", Poster::kOrgUser);
  if (auto* page = Ended(posted)) return std::move(*page);
  auto& [v, form] = std::get<PostedForm>(posted);
  Chrome chrome{"Expiry", nullptr, &v};
  std::string value = form.Get("expires");
  int64_t at = 0;  // empty: never
  if (!value.empty()) {
    auto parsed = ParseDate(value);
    if (!parsed) {
      return SentNotice(400, "That date doesn't look right",
                        "Use a date such as 2026-12-31.", chrome);
    }
    at = *parsed;
  }
  return AfterChange(
      services_.licenses->SetExpiry(req.params["id"], at, v.email, false),
      "The expiry wasn't changed", chrome);
}

}  // namespace sealpost::portal
