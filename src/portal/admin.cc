// The admin dashboard (/admin) and a message's trace (/admin/messages/ID),
// for members of the Administrators group signed in with their organisation
// account: what the gateway did over the last 24 hours, 7 days or 30 days,
// counted in the store (indexed queries: audit (action, at), queue_events
// (event, at_ms), protected_messages (created_at, id)) and drawn as inline
// SVG on the server, so the page needs no script and the CSP stays strict.
// The same numbers are in /metrics (sealpost_audit_records_total,
// sealpost_queue_*); docs/grafana-dashboard.json draws those.
#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "portal/admin_templates.h"
#include "portal/portal.h"
#include "portal/web.h"

namespace sealpost::portal {
namespace {

// Colours for the series of a chart (contrast at least 3:1 on white).
constexpr std::string_view kPalette[] = {"#0b57d0", "#b3261e", "#1e7b34",
                                         "#8430ce", "#b05a00", "#5f6368"};

struct Period {
  std::string_view key;  // the ?period= value
  std::string_view name;
  int64_t width;  // seconds per bar
  int buckets;
};
constexpr Period kPeriods[] = {{"24h", "24 hours", 3600, 24},
                               {"7d", "7 days", 86400, 7},
                               {"30d", "30 days", 86400, 30}};

struct Series {
  std::string name;
  std::vector<int64_t> counts;
  int64_t Total() const {
    int64_t t = 0;
    for (int64_t c : counts) t += c;
    return t;
  }
};

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "14:00" for hourly bars, "3 Dec" for daily ones (UTC).
std::string BucketLabel(int64_t start, int64_t width) {
  std::time_t t = static_cast<std::time_t>(start);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, width < 86400 ? "%H:%M" : "%d %b", &tm);
  return buf[0] == '0' && width >= 86400 ? buf + 1 : buf;
}

// A stacked bar chart of `series` (one bar per bucket) as mustache data
// for kChartSvg: bars, axis labels, and a text version for screen readers.
Data Chart(std::string_view id, std::string_view title,
           const std::vector<Series>& series, int64_t since, const Period& p) {
  constexpr double kLeft = 44, kWidth = 600, kTop = 8, kBase = 150;
  std::vector<int64_t> stack(p.buckets, 0);
  for (const Series& s : series) {
    for (int i = 0; i < p.buckets; ++i) stack[i] += s.counts[i];
  }
  const int64_t max =
      std::max<int64_t>(1, *std::max_element(stack.begin(), stack.end()));
  const double slot = (kWidth - kLeft) / p.buckets;
  Data bars{Data::type::list};
  std::vector<double> height_so_far(p.buckets, 0);
  int64_t total = 0;
  Data legend{Data::type::list};
  for (size_t k = 0; k < series.size(); ++k) {
    const Series& s = series[k];
    const std::string fill(kPalette[k % std::size(kPalette)]);
    for (int i = 0; i < p.buckets; ++i) {
      if (s.counts[i] == 0) continue;
      double h = (kBase - kTop) * static_cast<double>(s.counts[i]) / max;
      height_so_far[i] += h;
      Data bar;
      bar.set("x", Num(kLeft + i * slot + slot * 0.1));
      bar.set("y", Num(kBase - height_so_far[i]));
      bar.set("w", Num(slot * 0.8));
      bar.set("h", Num(h));
      bar.set("fill", fill);
      bar.set("label", BucketLabel(since + i * p.width, p.width) + ": " +
                           std::to_string(s.counts[i]) + " " + s.name);
      bars.push_back(bar);
    }
    total += s.Total();
    Data entry;
    entry.set("name", s.name);
    entry.set("fill", fill);
    entry.set("total", std::to_string(s.Total()));
    legend.push_back(entry);
  }
  Data ticks{Data::type::list};
  const int step = p.buckets > 12 ? p.buckets / 6 : 1;
  for (int i = 0; i < p.buckets; i += step) {
    Data t;
    t.set("x", Num(kLeft + i * slot + slot / 2));
    t.set("text", BucketLabel(since + i * p.width, p.width));
    ticks.push_back(t);
  }
  std::string desc = std::string(p.width < 86400 ? "Per hour" : "Per day") +
                     ", oldest first: ";
  for (int i = 0; i < p.buckets; ++i) {
    desc += (i ? ", " : "") + std::to_string(stack[i]);
  }
  Data d;
  d.set("id", std::string(id));
  d.set("title", std::string(title));
  d.set("total", std::to_string(total));
  d.set("max", std::to_string(max));
  d.set("desc", desc);
  d.set("bars", bars);
  d.set("ticks", ticks);
  if (series.size() > 1) d.set("has_legend", Data::type::bool_true);
  d.set("legend", legend);
  return d;
}

// Store counts as one series per key, in bucket order.
std::map<std::string, Series> ByKey(const std::vector<store::ActivityCount>& in,
                                    int buckets) {
  std::map<std::string, Series> out;
  for (const auto& c : in) {
    if (c.bucket < 0 || c.bucket >= buckets) continue;
    Series& s = out[c.key];
    if (s.counts.empty()) s.counts.assign(buckets, 0);
    s.counts[c.bucket] += c.count;
  }
  return out;
}

Series Only(const std::map<std::string, Series>& by_key,
            std::initializer_list<std::string_view> keys, std::string name,
            int buckets) {
  Series out{std::move(name), std::vector<int64_t>(buckets, 0)};
  for (auto key : keys) {
    auto it = by_key.find(std::string(key));
    if (it == by_key.end()) continue;
    for (int i = 0; i < buckets; ++i) out.counts[i] += it->second.counts[i];
  }
  return out;
}

// Audit actions whose object is a protected message's id.
bool NamesAMessage(const store::AuditRecord& a) {
  static const std::set<std::string_view> kActions = {
      "protect",        "license.acquire", "message.revoke",
      "message.expire", "portal.otp",      "portal.reply",
      "portal.forward", "auth.sign_in",    "license.transport_decrypt"};
  return !a.object.empty() && kActions.count(a.action) > 0;
}

Data AuditRows(const std::vector<store::AuditRecord>& records,
               bool link_messages) {
  Data rows{Data::type::list};
  for (const auto& a : records) {
    Data r;
    r.set("when", HumanTime(a.at));
    r.set("who", a.actor);
    r.set("action", a.action);
    r.set("result", a.result);
    r.set("object", a.object);
    if (link_messages && NamesAMessage(a)) {
      r.set("trace", "/admin/messages/" + http::PercentEncode(a.object));
    }
    std::string detail = a.detail;
    for (const std::string* extra : {&a.device, &a.sign_in}) {
      if (!extra->empty()) detail += (detail.empty() ? "" : "; ") + *extra;
    }
    r.set("detail", detail);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace

std::optional<http::Response> Portal::AdminRefused(const Visitor& v,
                                                   std::string_view back) {
  return MembersOnly(v, v.is_admin, back, "administrators", "Administrators");
}

http::Response Portal::AdminDashboard(http::Request& req) {
  Visitor v = Identify(req);
  if (auto refused = AdminRefused(v, "/admin")) return std::move(*refused);
  Chrome chrome{"Dashboard", nullptr, &v};
  const Period* p = &kPeriods[0];
  for (const Period& candidate : kPeriods) {
    if (req.QueryParam("period") == candidate.key) p = &candidate;
  }
  const int64_t now = services_.clock->NowUnix();
  const int64_t since = (now / p->width - (p->buckets - 1)) * p->width;
  store::Store& st = *services_.store;
  auto made = st.CountProtectedActivity(since, p->width);
  auto opens = st.CountAuditActivity("license.acquire", since, p->width);
  auto revokes = st.CountAuditActivity("message.revoke", since, p->width);
  auto otp = st.CountAuditActivity("portal.otp", since, p->width);
  auto sign_ins = st.CountAuditActivity("auth.sign_in", since, p->width);
  auto deferred = st.CountQueueActivity("deferred", since, p->width);
  auto bounced = st.CountQueueActivity("bounced", since, p->width);
  auto depth = st.CountQueuedDeliveries();
  auto recent = st.ListAudit("", 50);
  for (bool ok : {made.ok(), opens.ok(), revokes.ok(), otp.ok(), sign_ins.ok(),
                  deferred.ok(), bounced.ok(), depth.ok(), recent.ok()}) {
    if (!ok) {
      return NoticeResponse(503, "The dashboard is unavailable",
                            "Please try again in a few minutes.", chrome);
    }
  }
  const int n = p->buckets;
  // Protected messages, one series per template (by name).
  std::vector<Series> templates;
  for (auto& [id, s] : ByKey(*made, n)) {
    auto t = services_.templates->Find(id);
    s.name = t.ok() ? t->name : id;
    templates.push_back(std::move(s));
  }
  Series failures =
      Only(ByKey(*sign_ins, n), {"refused"}, "sign-in failures", n);
  Series wrong_codes = Only(ByKey(*otp, n), {"refused"}, "passcode refused", n);
  for (int i = 0; i < n; ++i) failures.counts[i] += wrong_codes.counts[i];
  // A chart of the counts with one key (the opens "granted").
  auto one = [n](const std::vector<store::ActivityCount>& counts,
                 std::string_view key, std::string name) {
    return std::vector<Series>{
        Only(ByKey(counts, n), {key}, std::move(name), n)};
  };
  struct Row {
    std::string_view id, title;
    std::vector<Series> series;
  };
  std::vector<Row> charts = {
      {"protected", "Protected messages", templates},
      {"opens", "Opens (key releases)", one(*opens, "granted", "opens")},
      {"revocations", "Revocations", one(*revokes, "ok", "revocations")},
      {"deferred", "Deliveries deferred",
       one(*deferred, "deferred", "deferred")},
      {"bounced", "Deliveries bounced", one(*bounced, "bounced", "bounced")},
      {"passcodes", "Passcode mails", one(*otp, "sent", "passcode mails")},
      {"signin-failures", "Sign-in failures", {failures}},
  };
  Data list{Data::type::list};
  for (const Row& c : charts) {
    Data chart;
    chart.set("html", RenderTemplate(kChartSvg, Chart(c.id, c.title, c.series,
                                                      since, *p)));
    list.push_back(chart);
  }
  Data periods{Data::type::list};
  for (const Period& candidate : kPeriods) {
    Data d;
    d.set("href", "/admin?period=" + std::string(candidate.key));
    d.set("name", std::string(candidate.name));
    if (&candidate == p) d.set("current", Data::type::bool_true);
    periods.push_back(d);
  }
  Data d;
  d.set("period", std::string(p->name));
  d.set("since", HumanTime(since));
  d.set("periods", periods);
  d.set("charts", list);
  d.set("queue_depth", std::to_string(*depth));
  d.set("events", AuditRows(*recent, true));
  return PageResponse(200, RenderTemplate(kAdminPage, d), chrome);
}

http::Response Portal::AdminMessage(http::Request& req) {
  Visitor v = Identify(req);
  const std::string& id = req.params["id"];
  if (auto refused = AdminRefused(v, "/admin")) return std::move(*refused);
  Chrome chrome{"Message trace", nullptr, &v};
  auto record = services_.store->GetProtectedMessage(id);
  auto audit = services_.store->ListAudit(id, 200);
  if (!record.ok() || !audit.ok()) {
    return NoticeResponse(503, "The dashboard is unavailable",
                          "Please try again in a few minutes.", chrome);
  }
  Data d;
  d.set("id", id);
  if (record->has_value()) {
    const auto& m = **record;
    d.set("found", Data::type::bool_true);
    d.set("owner", m.owner);
    d.set("to", JoinList(license::RecipientsOf(m)));
    d.set("created", HumanTime(m.created_at));
    auto t = services_.templates->Find(m.template_id);
    d.set("template", t.ok() ? t->name : m.template_id);
    auto state = services_.licenses->GetState(id);
    d.set("state", state.ok() ? state->state : std::string("unknown"));
  }
  d.set("events", AuditRows(*audit, false));
  if (!record->has_value() && audit->empty()) {
    return NoticeResponse(404, "No such message",
                          "Nothing is recorded for " + id + ".", chrome,
                          "/admin", "Dashboard");
  }
  return PageResponse(200, RenderTemplate(kAdminMessagePage, d), chrome);
}

}  // namespace sealpost::portal
