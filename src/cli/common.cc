#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <iostream>

#include "base/utf8.h"
#include "base/visible_text.h"
#include "cli/cli.h"
#include "cli/local_config.h"
#include "http/http.h"

namespace sealpost::cli {

namespace json = boost::json;

bool CallApi(Globals& g, const std::string& method, const std::string& target,
             const std::string& body, std::string* response_body) {
  ApiResponse res;
  if (!CallApiRaw(g, method, target, body, "application/json", &res)) {
    return false;
  }
  *response_body = std::move(res.body);
  return true;
}

bool CallApiRaw(Globals& g, const std::string& method,
                const std::string& target, const std::string& body,
                const std::string& content_type, ApiResponse* response) {
  auto res =
      Call(WithLocalDefaults(g.client), method, target, body, content_type);
  if (!res.ok()) {
    std::fprintf(stderr, "sealpost: %s\n", res.status().message().c_str());
    g.exit_code = res.status().code() == StatusCode::kInvalidArgument
                      ? kExitLocal
                      : kExitServer;
    return false;
  }
  if (res->status < 200 || res->status >= 300) {
    std::string message = "HTTP " + std::to_string(res->status);
    boost::system::error_code ec;
    json::value v = json::parse(res->body, ec);
    if (!ec && v.is_object()) {
      if (const auto* e = v.as_object().if_contains("error");
          e && e->is_object()) {
        if (const auto* m = e->as_object().if_contains("message");
            m && m->is_string()) {
          message = std::string(m->as_string());
        }
      }
    }
    std::fprintf(stderr, "sealpost: server refused: %s\n",
                 VisibleText(message).c_str());
    if (res->status == 401) {
      std::fprintf(stderr,
                   "sealpost: check SEALPOST_TOKEN / --token (dev mode prints "
                   "the admin token and writes it to dev.json)\n");
    }
    g.exit_code = kExitServer;
    return false;
  }
  *response = std::move(*res);
  return true;
}

void CallAndPrint(Globals& g, const std::string& method,
                  const std::string& target, const std::string& body,
                  const std::function<void(const json::value&)>& print) {
  std::string out;
  if (!CallApi(g, method, target, body, &out)) return;
  if (g.json) {
    std::cout << JsonForTerminal(out) << "\n";
    return;
  }
  if (auto v = ParseAnswer(g, out)) print(*v);
}

void CallAndSay(Globals& g, const std::string& method,
                const std::string& target, const std::string& body,
                const std::string& done) {
  std::string out;
  if (!CallApi(g, method, target, body, &out)) return;
  std::cout << (g.json ? JsonForTerminal(out) : done) << "\n";
}

CLI::App* AddNoun(CLI::App& parent, const std::string& name,
                  const std::string& help) {
  CLI::App* noun = parent.add_subcommand(name, help);
  noun->require_subcommand(1);
  return noun;
}

CLI::App* AddVerbOn(CLI::App& noun, const std::string& name,
                    const std::string& help, const std::string& arg,
                    std::string& value, const std::string& arg_help) {
  CLI::App* verb = noun.add_subcommand(name, help);
  verb->add_option(arg, value, arg_help)->required();
  return verb;
}

void OnRun(CLI::App* cmd, Globals& g, std::function<int()> run) {
  cmd->callback([&g, run = std::move(run)] { g.exit_code = run(); });
}

void AddKeyedOptions(CLI::App* cmd, std::span<const KeyedOption> options,
                     std::map<std::string, std::string>& values) {
  for (const KeyedOption& o : options) {
    cmd->add_option_function<std::string>(
        o.flag,
        [&values, key = std::string(o.key)](const std::string& v) {
          values[key] = v;
        },
        o.help);
  }
}

std::string JsonText(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_bool()) return v.as_bool() ? "True" : "False";
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  if (v.is_null()) return "";
  return json::serialize(v);
}

std::string JoinJson(const boost::json::array& a) {
  std::string out;
  for (const auto& v : a) out += (out.empty() ? "" : ", ") + JsonText(v);
  return out;
}

std::string JsonStr(const boost::json::object& o, std::string_view key) {
  const boost::json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
}

std::string UrlEncode(std::string_view s) { return http::PercentEncode(s); }

std::optional<int64_t> ParseDateArg(const std::string& s) {
  if (!s.empty() && s.size() < 19 &&
      std::all_of(s.begin(), s.end(),
                  [](char c) { return c >= '0' && c <= '9'; })) {
    return std::stoll(s);
  }
  std::tm tm{};
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' ||
      std::sscanf(s.c_str(), "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon,
                  &tm.tm_mday) != 3) {
    return std::nullopt;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<int64_t>(timegm(&tm));
}

void PrintProperties(
    const std::vector<std::pair<std::string, std::string>>& props) {
  std::vector<std::pair<std::string, std::string>> shown;
  shown.reserve(props.size());
  size_t width = 0;
  for (const auto& [k, v] : props) {
    shown.emplace_back(VisibleText(k), VisibleText(v));
    width = std::max(width, shown.back().first.size());
  }
  for (const auto& [k, v] : shown) {
    std::cout << k << std::string(width - k.size(), ' ') << " : " << v << "\n";
  }
}

std::string JsonForTerminal(std::string_view json_text) {
  std::string out;
  out.reserve(json_text.size());
  for (size_t i = 0; i < json_text.size();) {
    char32_t c = 0;
    const size_t n = Utf8SequenceAt(json_text, i, &c);
    if (n == 0) {
      // Only inside a string: JSON's own characters are ASCII.
      out += "\\ufffd";
      ++i;
      continue;
    }
    // Tab, line feed and carriage return are JSON's white space between
    // tokens (in a string they are escaped already).
    if (IsControlCodePoint(c) && c != '\t' && c != '\n' && c != '\r') {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out.append(json_text, i, n);
    }
    i += n;
  }
  return out;
}

std::optional<json::value> ParseAnswer(Globals& g, const std::string& body) {
  json::parse_options options;
  options.allow_invalid_utf8 = true;
  boost::system::error_code ec;
  json::value v = json::parse(body, ec, {}, options);
  if (ec) {
    std::fprintf(stderr, "sealpost: the server's answer is not JSON\n");
    g.exit_code = kExitServer;
    return std::nullopt;
  }
  return v;
}

bool SignIn(Globals& g, const std::string& user, ClientOptions* client) {
  if (user.empty()) {
    std::fprintf(stderr,
                 "sealpost: who are you? pass --user EMAIL (or set "
                 "SEALPOST_USER)\n");
    g.exit_code = kExitLocal;
    return false;
  }
  std::string password =
      ReadPassword("Password for " + user + ": ", "SEALPOST_PASSWORD");
  Globals anon = g;
  anon.client.token.clear();
  std::string body;
  if (!CallApi(anon, "POST", "/api/v1/auth/token",
               json::serialize(
                   json::object{{"email", user}, {"password", password}}),
               &body)) {
    g.exit_code = anon.exit_code;
    return false;
  }
  *client = WithLocalDefaults(g.client);
  client->token = std::string(json::parse(body).at("token").as_string());
  return true;
}

std::string ReadPassword(const std::string& prompt, const char* env) {
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
  std::string line;
  if (isatty(STDIN_FILENO)) {
    std::cerr << prompt << std::flush;
    termios old{};
    tcgetattr(STDIN_FILENO, &old);
    termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::getline(std::cin, line);
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::cerr << "\n";
  } else {
    std::getline(std::cin, line);
  }
  return line;
}

}  // namespace sealpost::cli
