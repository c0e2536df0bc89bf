// The shapes shared by the commands that show and change a settings
// document with Microsoft's property names (`irm`, `smime`), and the
// S/MIME noun's registration (smime_cmd.cc).
//
// Thread-safety: single-threaded, as the whole command line.
#ifndef SEALPOST_CLI_SETTINGS_CMD_H_
#define SEALPOST_CLI_SETTINGS_CMD_H_

#include <boost/json/fwd.hpp>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "license/property_set.h"

namespace sealpost::cli {

// `Name : Value` lines (PrintProperties).
using PropertyLines = std::vector<std::pair<std::string, std::string>>;

// `<noun> get`: GETs `target` and prints its Identity and properties, then
// the lines `more` adds from the answer (read-only values) (settings_cmd.cc).
void AddGetCommand(
    CLI::App* noun, Globals& g, const std::string& target,
    const std::string& help,
    std::function<void(const boost::json::value&, PropertyLines&)> more);
// `<noun> set --Name VALUE ...` for the properties of a settings document
// (license/property_set.h): PATCHes `target` with the values given and
// prints the properties the server answers with (settings_cmd.cc).
void AddSetCommand(CLI::App* noun, Globals& g,
                   const std::vector<license::PropertySet::Property>& props,
                   const std::string& target, const std::string& help);
// Prints a self-test's answer ({"checks": [{step, pass, detail}], "pass"})
// as Test-IRMConfiguration does, ending `OVERALL RESULT: PASS|FAIL`; exit
// code 2 when it failed.
void PrintSelfTest(Globals& g, const std::string& answer);

// sealpost smime get|set|test (smime_cmd.cc).
void RegisterSmime(CLI::App& app, Globals& g);

}  // namespace sealpost::cli

#endif  // SEALPOST_CLI_SETTINGS_CMD_H_
