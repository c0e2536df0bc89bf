#include "smtp/received.h"

#include <ctime>
#include <vector>

#include "base/clock.h"
#include "base/strings.h"

namespace sealpost::smtp {

int CountReceivedHeaders(std::string_view message) {
  int n = 0;
  size_t pos = 0;
  while (pos < message.size()) {
    size_t eol = message.find('\n', pos);
    if (eol == std::string_view::npos) eol = message.size();
    std::string_view line = message.substr(pos, eol - pos);
    if (line.empty() || line == "\r") break;  // end of the header section
    n += StartsWithIgnoringAsciiCase(line, "received:");
    pos = eol + 1;
  }
  return n;
}

ClientOrigin OriginOf(const Envelope& e, const std::string& remote) {
  const ForwardedClient& f = e.forwarded;
  if (f.empty()) return {e.helo, "", remote, ""};
  return {f.helo.empty() ? "unknown" : f.helo,
          f.name.empty() ? "unknown" : f.name,
          f.addr.empty() ? "unknown" : f.addr, remote};
}

std::string ReceivedHeader(const Envelope& e, const std::string& id,
                           const ClientOrigin& origin,
                           const std::string& hostname,
                           const std::string& tls_version,
                           const std::string& tls_cipher) {
  // RFC 5321 §4.4 and RFC 3848 / RFC 6531 §3.7.3 "with" protocol types.
  std::string with = e.smtputf8 ? "UTF8SMTP" : (e.esmtp ? "ESMTP" : "SMTP");
  if (!tls_version.empty()) with += "S";
  if (!e.auth_user.empty()) with += "A";
  std::string helo;
  for (char c : origin.helo) {
    helo += (c == '\r' || c == '\n' || c == '(' || c == ')') ? ' ' : c;
  }
  // RFC 5321 §4.4 TCP-info: "(" [name] "[" address "]" ")"; a forwarded
  // name was checked by the protocol (letters, digits, '-', '.', '_').
  std::vector<std::string> parts = {
      "Received: from " + helo + " (" +
          (origin.name.empty() ? "" : origin.name + " ") + "[" + origin.addr +
          "])",
      "by " + hostname + " (Sealpost) with " + with + " id " + id};
  if (!tls_version.empty()) {
    parts.push_back("(using " + tls_version + " with cipher " + tls_cipher +
                    ")");
  }
  if (e.recipients.size() == 1) {
    parts.push_back("for <" + e.recipients[0].address + ">");
  }
  // RFC 5322 §3.6.7: "; date-time" ends the field; folded lines start
  // with a tab.
  parts.back() += "; " + Rfc5322Date(time(nullptr));
  std::string h;
  for (size_t i = 0; i < parts.size(); ++i) {
    h += (i == 0 ? "" : "\t") + parts[i] + "\r\n";
  }
  return h;
}

}  // namespace sealpost::smtp
