// `sealpost message list|trace`: the gateway's queue and history, and every
// hop and attempt of one message (Exchange's message trace); and the rights
// verbs `message revoke|status|expire|shred` of protected mail.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <iostream>
#include <optional>

#include "base/clock.h"
#include "base/visible_text.h"
#include "cli/cli.h"

namespace sealpost::cli {

namespace json = boost::json;

namespace {

int64_t Int(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<int64_t>() : 0;
}

std::string TimeMs(int64_t ms) {
  return ms <= 0 ? "-" : FormatRfc3339(ms / 1000);
}

std::string When(int64_t t) { return t == 0 ? "" : FormatRfc3339(t); }

void PrintMessage(const json::value& v) {
  const auto& o = v.as_object();
  const std::string rcpts = JoinJson(o.at("recipients").as_array());
  PrintProperties({{"MessageId", JsonText(o.at("id"))},
                   {"Sender", JsonText(o.at("owner"))},
                   {"Recipients", rcpts},
                   {"Template", JsonText(o.at("template_id"))},
                   {"Status", JsonText(o.at("state"))},
                   {"Created", When(o.at("created_at").to_number<int64_t>())},
                   {"Expires", When(o.at("expires_at").to_number<int64_t>())},
                   {"Revoked", When(o.at("revoked_at").to_number<int64_t>())},
                   {"RevokedBy", JsonText(o.at("revoked_by"))}});
  if (const auto* events = o.if_contains("events")) {
    std::cout << "\nLicense and audit events (newest first):\n";
    for (const auto& e : events->as_array()) {
      std::cout << "  " << When(e.at("at").to_number<int64_t>()) << "  "
                << VisibleText(JsonText(e.at("action"))) << "  "
                << VisibleText(JsonText(e.at("actor"))) << "  "
                << VisibleText(JsonText(e.at("result"))) << "  "
                << VisibleText(JsonText(e.at("detail"))) << "\n";
    }
  }
}

// message list --protected: Get-OMEMessageStatus across messages, fetched
// a page (at most 100) at a time until --limit.
void ListProtected(Globals& g, const std::string& owner,
                   const std::string& state, const std::string& since,
                   int limit) {
  std::string base = "/api/v1/protected?";
  if (!owner.empty()) base += "owner=" + UrlEncode(owner) + "&";
  if (!state.empty()) base += "state=" + state + "&";
  if (!since.empty()) {
    auto at = ParseDateArg(since);
    if (!at) {
      std::cerr << "error: --since takes a date (2026-12-01) or unix "
                   "seconds\n";
      g.exit_code = kExitLocal;
      return;
    }
    base += "since=" + std::to_string(*at) + "&";
  }
  json::array all;
  std::string next;
  while (static_cast<int>(all.size()) < limit) {
    int page = std::min(100, limit - static_cast<int>(all.size()));
    std::string target = base + "limit=" + std::to_string(page);
    if (!next.empty()) target += "&before=" + UrlEncode(next);
    std::string body;
    if (!CallApi(g, "GET", target, "", &body)) return;
    auto v = ParseAnswer(g, body);
    if (!v) return;
    for (const auto& m : v->at("messages").as_array()) all.push_back(m);
    const json::value* n = v->as_object().if_contains("next");
    if (n == nullptr || !n->is_string()) break;
    next = std::string(n->as_string());
  }
  if (g.json) {
    std::cout << JsonForTerminal(
                     json::serialize(json::object{{"messages", all}}))
              << "\n";
    return;
  }
  for (const auto& m : all) {
    const auto& o = m.as_object();
    const std::string rcpts = JoinJson(o.at("recipients").as_array());
    std::vector<std::pair<std::string, std::string>> props{
        {"MessageId", JsonStr(o, "id")}};
    if (o.contains("subject"))
      props.push_back({"Subject", JsonStr(o, "subject")});
    props.insert(props.end(), {{"Sender", JsonStr(o, "owner")},
                               {"Recipients", rcpts},
                               {"Template", JsonStr(o, "template_id")},
                               {"Status", JsonStr(o, "state")},
                               {"Created", When(Int(o, "created_at"))},
                               {"Expires", When(Int(o, "expires_at"))},
                               {"Revoked", When(Int(o, "revoked_at"))}});
    PrintProperties(props);
    std::cout << "\n";
  }
}

// revoke, status, expire: the rights verbs of protected mail.
void AddRightsVerbs(CLI::App* message, Globals& g) {
  auto mid = std::make_shared<std::string>();
  auto* revoke =
      AddVerbOn(*message, "revoke",
                "Revoke a protected message (Set-OMEMessageRevocation): "
                "recipients lose access",
                "id", *mid, "Protected message id");
  revoke->callback([&g, mid] {
    CallAndPrint(g, "POST", "/api/v1/protected/" + UrlEncode(*mid) + "/revoke",
                 "{}", PrintMessage);
  });
  auto* shred = AddVerbOn(
      *message, "shred",
      "Destroy a protected message for good (admin): its record, so the key "
      "service never releases its content key again, the server's copy and "
      "its search index entries, and those of every message made of it "
      "(forwards from the portal, their forwards, sealed copies of its "
      "attachments); audited. Copies already delivered stay sealed and "
      "never open again.",
      "id", *mid, "Protected message id");
  shred->callback([&g, mid] {
    CallAndPrint(g, "POST", "/api/v1/protected/" + UrlEncode(*mid) + "/shred",
                 "{}", [mid](const json::value& v) {
                   const int64_t n =
                       v.is_object() ? Int(v.as_object(), "also_shredded") : 0;
                   std::cout << "Shredded " << *mid;
                   if (n > 0) {
                     std::cout << " and the " << n
                               << (n == 1 ? " message" : " messages")
                               << " made of it (forwards, sealed copies)";
                   }
                   std::cout << "\n";
                 });
  });
  auto* status = AddVerbOn(*message, "status",
                           "Show a protected message's status and license log "
                           "(Get-OMEMessageStatus)",
                           "id", *mid, "Protected message id");
  status->callback([&g, mid] {
    CallAndPrint(g, "GET", "/api/v1/protected/" + UrlEncode(*mid), "",
                 PrintMessage);
  });
  auto at = std::make_shared<int64_t>(-1);
  auto* expire = AddVerbOn(
      *message, "expire", "Set when a protected message expires (default: now)",
      "id", *mid, "Protected message id");
  expire->add_option("--at", *at, "Unix time (seconds) of the expiry");
  expire->callback([&g, mid, at] {
    json::object body;
    if (*at >= 0) body["expires_at"] = *at;
    CallAndPrint(g, "POST", "/api/v1/protected/" + UrlEncode(*mid) + "/expire",
                 json::serialize(body), PrintMessage);
  });
}

// `message list` of the gateway queue.
void PrintQueueList(const json::value& v) {
  for (const auto& m : v.at("messages").as_array()) {
    const auto& o = m.as_object();
    std::string rcpts;
    for (const auto& r : o.at("recipients").as_array()) {
      const auto& ro = r.as_object();
      rcpts += (rcpts.empty() ? "" : ", ") + JsonStr(ro, "address") + " (" +
               JsonStr(ro, "state") + ")";
    }
    PrintProperties({
        {"Id", JsonStr(o, "id")},
        {"Received", TimeMs(Int(o, "received_ms"))},
        {"SenderAddress",
         JsonStr(o, "from").empty() ? "<>" : JsonStr(o, "from")},
        {"Recipients", rcpts},
        {"MessageId", JsonStr(o, "message_id")},
        {"Size", std::to_string(Int(o, "size"))},
        {"Status", JsonStr(o, "state") == "done" ? "Done" : "Queued"},
    });
    std::cout << "\n";
  }
}

// `message trace`: the message, its deliveries and its events.
void PrintTrace(const json::value& v) {
  const auto& m = v.at("message").as_object();
  PrintProperties({
      {"Id", JsonStr(m, "id")},
      {"Received", TimeMs(Int(m, "received_ms"))},
      {"SenderAddress", JsonStr(m, "from").empty() ? "<>" : JsonStr(m, "from")},
      {"MessageId", JsonStr(m, "message_id")},
      {"Size", std::to_string(Int(m, "size"))},
      {"Status", JsonStr(m, "state") == "done" ? "Done" : "Queued"},
  });
  std::cout << "\nRecipients:\n";
  for (const auto& r : m.at("recipients").as_array()) {
    const auto& o = r.as_object();
    std::cout << "  " << VisibleText(JsonStr(o, "address")) << "  "
              << VisibleText(JsonStr(o, "state"))
              << "  attempts=" << Int(o, "attempts");
    if (JsonStr(o, "state") == "queued") {
      std::cout << "  next=" << TimeMs(Int(o, "next_attempt_ms"));
    }
    if (!JsonStr(o, "last_reply").empty()) {
      std::cout << "  last: " << VisibleText(JsonStr(o, "last_reply"));
    }
    std::cout << "\n";
  }
  std::cout << "\nEvents:\n";
  for (const auto& e : v.at("events").as_array()) {
    const auto& o = e.as_object();
    std::cout << "  " << TimeMs(Int(o, "at_ms")) << "  "
              << VisibleText(JsonStr(o, "event"));
    if (!JsonStr(o, "recipient").empty())
      std::cout << "  " << VisibleText(JsonStr(o, "recipient"));
    std::cout << "  " << VisibleText(JsonStr(o, "detail")) << "\n";
  }
}

}  // namespace

void RegisterMessage(CLI::App& app, Globals& g) {
  auto* message = AddNoun(
      app, "message", "Messages: queue, history, trace, status, revocation");
  struct Args {
    std::string state, id, owner, since, user;
    int limit = 100;
    bool protected_messages = false;
  };
  auto a = std::make_shared<Args>();

  auto* list = message->add_subcommand(
      "list",
      "Messages in the gateway queue and its history, newest first; with "
      "--protected, protected messages and their status "
      "(Get-OMEMessageStatus)");
  list->add_flag("--protected", a->protected_messages,
                 "List protected messages (an admin sees everyone's, a "
                 "signed-in user their own)");
  list->add_option("--state", a->state,
                   "queued or done; with --protected: active, revoked or "
                   "expired")
      ->check(
          CLI::IsMember({"queued", "done", "active", "revoked", "expired"}));
  list->add_option("--owner", a->owner,
                   "With --protected (admin): only this sender's");
  list->add_option("--user", a->user,
                   "With --protected: sign in as this user (password from "
                   "SEALPOST_PASSWORD) and list your own");
  list->add_option("--since", a->since,
                   "With --protected: sent on or after this date "
                   "(2026-12-01, UTC) or unix time");
  list->add_option("--limit", a->limit, "At most this many (default 100)")
      ->check(CLI::Range(1, 100000));
  list->callback([a, &g] {
    bool queue_state = a->state == "queued" || a->state == "done";
    if (a->protected_messages ? queue_state
                              : !a->state.empty() && !queue_state) {
      std::cerr << "error: --state " << a->state << " does not go "
                << (a->protected_messages ? "with" : "without")
                << " --protected\n";
      g.exit_code = kExitLocal;
      return;
    }
    if (!a->protected_messages && (!a->owner.empty() || !a->since.empty())) {
      std::cerr << "error: --owner and --since go with --protected\n";
      g.exit_code = kExitLocal;
      return;
    }
    if (a->protected_messages) {
      if (!a->user.empty()) {
        Globals as_user = g;
        if (!SignIn(g, a->user, &as_user.client)) return;
        ListProtected(as_user, a->owner, a->state, a->since, a->limit);
        g.exit_code = as_user.exit_code;
        return;
      }
      ListProtected(g, a->owner, a->state, a->since, a->limit);
      return;
    }
    std::string target =
        "/api/v1/queue/messages?limit=" + std::to_string(a->limit);
    if (!a->state.empty()) target += "&state=" + a->state;
    CallAndPrint(g, "GET", target, "", PrintQueueList);
  });

  auto* trace = AddVerbOn(*message, "trace",
                          "Every hop and delivery attempt of a gateway message",
                          "id", a->id, "Queue id (from `message list`)");
  trace->callback([a, &g] {
    CallAndPrint(g, "GET", "/api/v1/queue/messages/" + a->id, "", PrintTrace);
  });

  AddRightsVerbs(message, g);
}

}  // namespace sealpost::cli
