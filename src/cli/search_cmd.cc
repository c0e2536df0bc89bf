// `sealpost search QUERY`, `search export QUERY --out DIR` and `search
// reindex` (docs/compliance.md): eDiscovery over protected mail. Search and
// export sign in as a member of the eDiscovery Manager group (--user, the
// password from SEALPOST_PASSWORD or a prompt): the admin token reads no
// content. Reindex takes the admin token and prints its progress.
#include <sys/stat.h>
#include <CLI/CLI.hpp>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <vector>

#include "base/clock.h"
#include "base/files.h"
#include "base/visible_text.h"
#include "cli/cli.h"
#include "crypto/digest.h"

namespace sealpost::cli {
namespace {

namespace json = boost::json;

struct SearchArgs {
  // QUERY: one or more words (quoted together or not), all of which must
  // match.
  std::vector<std::string> query;
  std::string from, to, after, before, tmpl, user, out;
  bool has_attachment = false;
  int limit = 100;
};

// ParseDateArg, with "" (the option not given) as 0: no bound.
std::optional<int64_t> ParseDate(const std::string& s) {
  if (s.empty()) return int64_t{0};
  return ParseDateArg(s);
}

// The request body; nullopt (usage error printed) for a bad date.
std::optional<std::string> SearchBody(Globals& g, const SearchArgs& a) {
  auto after = ParseDate(a.after);
  auto before = ParseDate(a.before);
  if (!after || !before) {
    std::fprintf(stderr,
                 "sealpost: --after and --before take YYYY-MM-DD or unix "
                 "seconds\n");
    g.exit_code = kExitLocal;
    return std::nullopt;
  }
  std::string query;
  for (const auto& word : a.query) query += (query.empty() ? "" : " ") + word;
  return json::serialize(json::object{{"query", query},
                                      {"from", a.from},
                                      {"to", a.to},
                                      {"after", *after},
                                      {"before", *before},
                                      {"template", a.tmpl},
                                      {"has_attachment", a.has_attachment},
                                      {"limit", a.limit}});
}

// Signs in and searches; the parsed body, or nullopt (reported).
std::optional<json::value> RunSearch(Globals& g, const SearchArgs& a,
                                     Globals* as_user) {
  auto body = SearchBody(g, a);
  if (!body) return std::nullopt;
  ClientOptions client;
  if (!SignIn(g, a.user, &client)) return std::nullopt;
  *as_user = g;
  as_user->client = client;
  std::string response;
  if (!CallApi(*as_user, "POST", "/api/v1/search", *body, &response)) {
    g.exit_code = as_user->exit_code;
    return std::nullopt;
  }
  return ParseAnswer(g, response);
}

void PrintHits(const json::value& v) {
  const auto& hits = v.at("messages").as_array();
  if (hits.empty()) {
    std::cout << "No protected message matches.\n";
    return;
  }
  for (const auto& h : hits) {
    const auto& o = h.as_object();
    const std::string to = JoinJson(o.at("recipients").as_array());
    PrintProperties(
        {{"MessageId", JsonStr(o, "id")},
         {"Subject", JsonStr(o, "subject")},
         {"Sender", JsonStr(o, "owner")},
         {"Recipients", to},
         {"Template", JsonStr(o, "template_id")},
         {"Created", FormatRfc3339(o.at("created_at").to_number<int64_t>())},
         {"Status", JsonStr(o, "state")}});
    std::cout << "\n";
  }
  std::cout << hits.size() << " message(s)\n";
}

// mboxrd (RFC 4155 and the "rd" quoting): a From_ line, the message with
// LF line ends and ">" before every line that starts with ">*From ", then
// an empty line.
std::string MboxEntry(const std::string& sender, int64_t at,
                      const std::string& message) {
  std::string out = "From " + (sender.empty() ? "MAILER-DAEMON" : sender) +
                    " " + FormatRfc3339(at) + "\n";
  size_t pos = 0;
  while (pos < message.size()) {
    size_t end = message.find('\n', pos);
    std::string line = message.substr(
        pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? message.size() : end + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t k = line.find_first_not_of('>');
    if (k != std::string::npos && line.compare(k, 5, "From ") == 0) {
      line.insert(0, ">");
    }
    out += line + "\n";
  }
  return out + "\n";
}

int Export(Globals& g, const SearchArgs& a) {
  if (a.out.empty()) {
    std::fprintf(stderr, "sealpost: --out DIR is required\n");
    return kExitLocal;
  }
  if (mkdir(a.out.c_str(), 0700) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "sealpost: cannot make %s\n", a.out.c_str());
    return kExitLocal;
  }
  Globals as_user;
  auto found = RunSearch(g, a, &as_user);
  if (!found) return g.exit_code;
  json::array files;
  std::string mbox;
  std::string sums;
  for (const auto& h : found->at("messages").as_array()) {
    const auto& o = h.as_object();
    const std::string id = JsonStr(o, "id");
    // The id names a file in DIR: letters, digits, '-' and '_' only, so no
    // answer can write outside it ("../x", "/etc/x") or over export.mbox.
    if (id.empty() || id.size() > 128 ||
        id.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
                             "WXYZ0123456789-_") != std::string::npos) {
      std::fprintf(stderr,
                   "sealpost: the server named a message %s: not an id\n",
                   VisibleText(id).c_str());
      return kExitServer;
    }
    ApiResponse res;
    if (!CallApiRaw(as_user, "GET", "/api/v1/search/messages/" + UrlEncode(id),
                    "", "", &res)) {
      return as_user.exit_code;
    }
    const std::string name = id + ".eml";
    if (!WriteFileAtomic(a.out + "/" + name, res.body, 0600).ok()) {
      std::fprintf(stderr, "sealpost: cannot write %s/%s\n", a.out.c_str(),
                   name.c_str());
      return kExitLocal;
    }
    const std::string sha = crypto::Sha256Hex(res.body);
    sums += sha + "  " + name + "\n";
    files.push_back(json::object{{"file", name},
                                 {"sha256", sha},
                                 {"bytes", res.body.size()},
                                 {"message_id", id},
                                 {"sender", JsonStr(o, "owner")},
                                 {"created_at", o.at("created_at")},
                                 {"state", JsonStr(o, "state")}});
    mbox += MboxEntry(JsonStr(o, "owner"),
                      o.at("created_at").to_number<int64_t>(), res.body);
    std::fprintf(stderr, "exported %s\n", VisibleText(name).c_str());
  }
  const std::string mbox_name = "export.mbox";
  if (!WriteFileAtomic(a.out + "/" + mbox_name, mbox, 0600).ok()) {
    std::fprintf(stderr, "sealpost: cannot write the mbox\n");
    return kExitLocal;
  }
  const std::string mbox_sha = crypto::Sha256Hex(mbox);
  sums += mbox_sha + "  " + mbox_name + "\n";
  files.push_back(json::object{
      {"file", mbox_name}, {"sha256", mbox_sha}, {"bytes", mbox.size()}});
  json::object manifest{{"exported_at", FormatRfc3339(std::time(nullptr))},
                        {"exported_by", a.user},
                        {"messages", files.size() - 1},
                        {"files", files}};
  if (!WriteFileAtomic(a.out + "/manifest.json",
                       json::serialize(manifest) + "\n", 0600)
           .ok() ||
      !WriteFileAtomic(a.out + "/manifest.sha256", sums, 0600).ok()) {
    std::fprintf(stderr, "sealpost: cannot write the manifest\n");
    return kExitLocal;
  }
  std::cout << "Exported " << files.size() - 1 << " message(s) to " << a.out
            << " (manifest.json; check with: cd " << a.out
            << " && sha256sum -c manifest.sha256)\n";
  return kExitOk;
}

int Reindex(Globals& g) {
  std::string body;
  if (!CallApi(g, "GET", "/api/v1/search/index", "", &body)) {
    return g.exit_code;
  }
  const int64_t total =
      json::parse(body).at("protected_messages").to_number<int64_t>();
  std::string cursor;
  int64_t indexed = 0, skipped = 0;
  do {
    if (!CallApi(g, "POST",
                 "/api/v1/search/reindex?limit=200&cursor=" + UrlEncode(cursor),
                 "{}", &body)) {
      return g.exit_code;
    }
    auto o = json::parse(body).as_object();
    indexed += o.at("indexed").to_number<int64_t>();
    skipped += o.at("skipped").to_number<int64_t>();
    cursor = JsonStr(o, "next");
    std::fprintf(stderr,
                 "reindex: %lld/%lld messages (%lld without a server "
                 "copy, kept as they were)\n",
                 static_cast<long long>(indexed + skipped),
                 static_cast<long long>(total),
                 static_cast<long long>(skipped));
  } while (!cursor.empty());
  if (g.json) {
    std::cout << json::serialize(
                     json::object{{"indexed", indexed}, {"skipped", skipped}})
              << "\n";
  } else {
    std::cout << "Indexed " << indexed << " message(s); " << skipped
              << " without a server copy\n";
  }
  return kExitOk;
}

void AddFilters(CLI::App* cmd, SearchArgs* a) {
  cmd->add_option("--from", a->from, "Only mail from this sender");
  cmd->add_option("--to", a->to, "Only mail to a recipient containing this");
  cmd->add_option("--after", a->after,
                  "Protected on or after (YYYY-MM-DD or unix seconds)");
  cmd->add_option("--before", a->before,
                  "Protected before (YYYY-MM-DD or unix seconds)");
  cmd->add_option("--template", a->tmpl, "Only mail protected with it");
  cmd->add_flag("--has-attachment", a->has_attachment,
                "Only mail with an attachment");
  cmd->add_option("--limit", a->limit, "At most this many (1-1000)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--user", a->user,
                  "Your address (a member of the eDiscovery Manager group)")
      ->envname("SEALPOST_USER");
}

}  // namespace

void RegisterSearch(CLI::App& app, Globals& g) {
  auto a = std::make_shared<SearchArgs>();
  auto* search = app.add_subcommand(
      "search",
      "eDiscovery: find protected mail holding every word of QUERY (subject, "
      "text, attachment names, PDF and Office documents), revoked and "
      "expired mail included. For members of the eDiscovery Manager group "
      "while EDiscoverySuperUserEnabled is True; every result is audited.");
  search->add_option("query", a->query, "Words, all of which must match");
  AddFilters(search, a.get());
  search->footer(
      "The password comes from SEALPOST_PASSWORD or a prompt. Verbs: "
      "`search export QUERY --out DIR`, `search reindex`.");
  search->callback([&g, a, search] {
    if (search->get_subcommands().empty() == false) return;
    if (a->query.empty()) {
      std::fprintf(stderr, "sealpost: search needs a QUERY\n");
      g.exit_code = kExitLocal;
      return;
    }
    Globals as_user;
    auto found = RunSearch(g, *a, &as_user);
    if (!found) return;
    if (g.json) {
      std::cout << JsonForTerminal(json::serialize(*found)) << "\n";
    } else {
      PrintHits(*found);
    }
  });
  auto* exp = search->add_subcommand(
      "export",
      "Write every message matching QUERY, decrypted, to DIR: one .eml each, "
      "export.mbox, and manifest.json / manifest.sha256 with the SHA-256 of "
      "every file. Each message is an audited eDiscovery release.");
  auto& e = RunWithArgs<SearchArgs>(
      exp, g, [&g](const SearchArgs& args) { return Export(g, args); });
  exp->add_option("query", e.query, "Words, all of which must match")
      ->required();
  exp->add_option("--out", e.out, "Directory to write (made if missing)")
      ->required();
  AddFilters(exp, &e);
  e.limit = 1000;
  auto* reindex = search->add_subcommand(
      "reindex",
      "Build the search index again from the copies the server keeps "
      "(admin token); prints its progress.");
  OnRun(reindex, g, [&g] { return Reindex(g); });
}

}  // namespace sealpost::cli
