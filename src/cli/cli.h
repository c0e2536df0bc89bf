// The `sealpost` command line: `sealpost <noun> <verb>` (Vault-style). Each
// noun lives in its own file and registers its verbs here.
// Exit codes: 0 success, 1 usage or local error, 2 the server refused or
// failed (or could not be reached).
//
// Thread-safety: single-threaded.
#ifndef SEALPOST_CLI_CLI_H_
#define SEALPOST_CLI_CLI_H_

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/client.h"

namespace CLI {
class App;
}

namespace sealpost::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitLocal = 1;
inline constexpr int kExitServer = 2;

struct Globals {
  ClientOptions client;
  bool json = false;
  int exit_code = kExitOk;
};

void RegisterServer(CLI::App& app, Globals& g);
void RegisterStatus(CLI::App& app, Globals& g);
void RegisterUser(CLI::App& app, Globals& g);
// tls policy set|list|remove (tls_cmd.cc).
void RegisterTls(CLI::App& app, Globals& g);
// message list|trace and the rights verbs revoke|status|expire|shred
// (message_cmd.cc).
void RegisterMessage(CLI::App& app, Globals& g);
// queue retry (queue_cmd.cc).
void RegisterQueue(CLI::App& app, Globals& g);
// rms activate|status|rotate-key (rms_cmd.cc).
void RegisterRms(CLI::App& app, Globals& g);
// irm get|set|test (irm_cmd.cc).
void RegisterIrm(CLI::App& app, Globals& g);
// template list|get|new|set|archive|restore (template_cmd.cc).
void RegisterTemplate(CLI::App& app, Globals& g);
// license assign|remove|list (license_cmd.cc).
void RegisterLicense(CLI::App& app, Globals& g);
// group add|remove|list|member (group_cmd.cc).
void RegisterGroup(CLI::App& app, Globals& g);
// open (open_cmd.cc).
void RegisterOpen(CLI::App& app, Globals& g);
// protect (protect_cmd.cc).
void RegisterProtect(CLI::App& app, Globals& g);
// rule list|get|new|set|remove|enable|disable (rule_cmd.cc).
void RegisterRule(CLI::App& app, Globals& g);
// branding get|set|new|remove (branding_cmd.cc).
void RegisterBranding(CLI::App& app, Globals& g);
// cert import|list|get|remove, cert trust ..., cert crl ... (cert_cmd.cc).
void RegisterCert(CLI::App& app, Globals& g);

// journal rule new|list|get|remove|enable|disable, journal get|set
// (journal_cmd.cc).
void RegisterJournal(CLI::App& app, Globals& g);

// search QUERY, search export|reindex (search_cmd.cc).
void RegisterSearch(CLI::App& app, Globals& g);

// init (init_cmd.cc): first-start setup.
void RegisterInit(CLI::App& app, Globals& g);
// backup, restore (backup_cmd.cc).
void RegisterBackup(CLI::App& app, Globals& g);
// store migrate (store_cmd.cc).
void RegisterStore(CLI::App& app, Globals& g);
// rms export-key|import-key, added to `rms` (backup_cmd.cc).
void RegisterKeyBackup(CLI::App* rms, Globals& g);

// Calls the API. On success returns the parsed body text; on failure prints
// one line to stderr and sets g.exit_code (1 local, 2 server).
bool CallApi(Globals& g, const std::string& method, const std::string& target,
             const std::string& body, std::string* response_body);
// The same with a raw body and the whole response (headers too).
bool CallApiRaw(Globals& g, const std::string& method,
                const std::string& target, const std::string& body,
                const std::string& content_type, ApiResponse* response);

// Calls the API and, on success, prints the JSON body as is (--json) or
// hands the parsed body to `print`.
void CallAndPrint(Globals& g, const std::string& method,
                  const std::string& target, const std::string& body,
                  const std::function<void(const boost::json::value&)>& print);
// Calls the API and, on success, prints the JSON body as is (--json) or
// `done`, a line saying what was done.
void CallAndSay(Globals& g, const std::string& method,
                const std::string& target, const std::string& body,
                const std::string& done);

// A noun (or a group of verbs under one): a subcommand that takes one of
// its own subcommands.
CLI::App* AddNoun(CLI::App& parent, const std::string& name,
                  const std::string& help);

// A verb that names what it acts on: `noun name ARG`, with ARG (called
// `arg` in --help) required and stored in `value`.
CLI::App* AddVerbOn(CLI::App& noun, const std::string& name,
                    const std::string& help, const std::string& arg,
                    std::string& value, const std::string& arg_help);

// Sets `cmd` to run `run` when it is chosen, its result the exit code.
void OnRun(CLI::App* cmd, Globals& g, std::function<int()> run);

// Gives `cmd` an Args of its own for its options to fill, kept alive by
// `cmd`: when `cmd` is chosen, `run` gets the filled Args and its result is
// the exit code.
template <typename Args>
Args& RunWithArgs(CLI::App* cmd, Globals& g, std::function<int(Args&)> run) {
  auto args = std::make_shared<Args>();
  OnRun(cmd, g, [args, run = std::move(run)] { return run(*args); });
  return *args;
}

// A string option passed on by name: `--flag VALUE` sets values[key].
struct KeyedOption {
  const char* flag;
  const char* key;
  const char* help;
};
// Adds `options` to `cmd`, each setting its key in `values`, which must
// outlive `cmd` (as the variables of CLI11's own options do).
void AddKeyedOptions(CLI::App* cmd, std::span<const KeyedOption> options,
                     std::map<std::string, std::string>& values);

// A JSON scalar as text for `Name : Value` lines ("True"/"False" for
// booleans, "" for null).
std::string JsonText(const boost::json::value& v);

// The JSON scalars of `a` as text (JsonText), joined by ", ".
std::string JoinJson(const boost::json::array& a);

// The string field `key` of `o`; "" when it is missing or not a string.
std::string JsonStr(const boost::json::object& o, std::string_view key);

// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
std::string UrlEncode(std::string_view s);

// A date option: "2026-12-01" (00:00 UTC) or unix seconds; nullopt
// otherwise.
std::optional<int64_t> ParseDateArg(const std::string& s);

// Prints `Name : Value` lines with the names padded to one column, as
// PowerShell's Format-List does. Names and values are shown as
// VisibleText (base/visible_text.h): a value is one line, and nothing in it
// acts on the terminal.
void PrintProperties(
    const std::vector<std::pair<std::string, std::string>>& props);

// Human output shows every string from the server (and from a file an
// outsider wrote) as VisibleText: C0 and C1 controls, DEL, bidirectional
// overrides and bytes that are no UTF-8 as visible escapes (\x1b, \n,
// \u009b), so a Message-ID, subject, remote reply or audit detail cannot
// clear the screen, move the cursor or fake a line. PrintProperties does
// it for its lines; other printers wrap each such string.
//
// --json output is the server's JSON with the same value, written so that
// a terminal acts on none of it: DEL, C1 controls and bidirectional
// overrides as \u escapes (JSON escapes only C0 itself), a byte that is
// no UTF-8 as \ufffd.
std::string JsonForTerminal(std::string_view json_text);

// The server's answer parsed (bytes that are no UTF-8 kept in its strings,
// for VisibleText to show); nullopt, with one line on stderr and
// g.exit_code 2, when it is no JSON.
std::optional<boost::json::value> ParseAnswer(Globals& g,
                                              const std::string& body);

// Signs in as `user` (password from SEALPOST_PASSWORD or a prompt) and
// gives a client whose token is the session's.
bool SignIn(Globals& g, const std::string& user, ClientOptions* client);

// Password from the environment variable `env`, else a prompt without echo
// on a terminal, else one line of standard input.
std::string ReadPassword(const std::string& prompt, const char* env);

}  // namespace sealpost::cli

#endif  // SEALPOST_CLI_CLI_H_
