// ServerProtocol (server_protocol.h): XFORWARD, Postfix's ESMTP extension
// by which a proxy in front (smtp_send_xforward_command = yes) tells the
// next hop about the client it received the message from, so that the
// Received field, logs and trace name that client rather than the proxy.
// Attribute names, values and replies follow Postfix's XFORWARD_README.
#include <arpa/inet.h>

#include <optional>
#include <string>

#include "base/strings.h"
#include "smtp/command.h"
#include "smtp/server_protocol.h"

namespace sealpost::smtp {
namespace {

// XFORWARD_README: a value the proxy does not have, for now or for good.
bool IsUnavailable(std::string_view v) {
  return v == "[UNAVAILABLE]" || v == "[TEMPUNAVAIL]";
}

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 ||
         inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// A host name as the proxy verified it: letters, digits, '-', '.', '_'
// (Postfix's valid_hostname, roughly), at most 255 octets.
bool IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 255) return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

// Free text (HELO, IDENT) goes into header fields and logs: anything but
// printable ASCII becomes '?', as Postfix's smtpd does.
std::string Neuter(std::string_view s) {
  std::string out(s.substr(0, 255));
  for (char& c : out) {
    if (c < 33 || c > 126) c = '?';
  }
  return out;
}

}  // namespace

void ServerProtocol::OnXforward(std::string_view args,
                                std::vector<Action>& out) {
  if (!options_.xforward_allowed) {
    // XFORWARD_README: only clients in smtpd_authorized_xforward_hosts.
    Send(out, 550, "5.7.0", "Error: insufficient authorization");
    return;
  }
  if (!have_helo_) {
    Send(out, 503, "5.5.1", "Send HELO/EHLO first");
    return;
  }
  if (in_transaction_) {
    // XFORWARD_README: the attributes apply to the next MAIL transaction.
    Send(out, 503, "5.5.1", "Error: MAIL transaction in progress");
    return;
  }
  args = TrimBlanks(args);
  if (args.empty()) {
    Send(out, 501, "5.5.4", "Syntax: XFORWARD attribute=value...");
    return;
  }
  // All or nothing: a bad attribute leaves the earlier ones as they were.
  ForwardedClient f = envelope_.forwarded;
  while (!args.empty()) {
    size_t space = args.find(' ');
    std::string_view item = args.substr(0, space);
    args = space == std::string_view::npos ? std::string_view()
                                           : TrimBlanks(args.substr(space));
    size_t eq = item.find('=');
    if (eq == 0 || eq == std::string_view::npos) {
      Send(out, 501, "5.5.4", "Syntax: XFORWARD attribute=value...");
      return;
    }
    std::string_view name = item.substr(0, eq);
    std::optional<std::string> decoded = DecodeXtext(item.substr(eq + 1));
    if (!decoded || decoded->empty()) {
      Send(out, 501, "5.5.4",
           "Bad XFORWARD attribute value: " + std::string(name));
      return;
    }
    std::string value = IsUnavailable(*decoded) ? "" : std::move(*decoded);
    bool ok = true;
    if (EqualsIgnoringAsciiCase(name, "NAME")) {
      ok = value.empty() || IsHostName(value);
      f.name = value;
    } else if (EqualsIgnoringAsciiCase(name, "ADDR")) {
      // Postfix's smtpd accepts the address-literal form "IPv6:...".
      if (value.size() > 5 &&
          EqualsIgnoringAsciiCase(value.substr(0, 5), "IPv6:")) {
        value.erase(0, 5);
      }
      ok = value.empty() || IsIpAddress(value);
      f.addr = value;
    } else if (EqualsIgnoringAsciiCase(name, "PORT")) {
      ok = value.empty() ||
           (value.size() <= 5 &&
            value.find_first_not_of("0123456789") == std::string::npos &&
            std::stoul(value) <= 65535);
      f.port = value;
    } else if (EqualsIgnoringAsciiCase(name, "PROTO")) {
      ok = value.empty() || IsHostName(value);
      if (value.size() > 64) ok = false;
      f.proto = value;
    } else if (EqualsIgnoringAsciiCase(name, "HELO")) {
      f.helo = Neuter(value);
    } else if (EqualsIgnoringAsciiCase(name, "IDENT")) {
      f.ident = Neuter(value);
    } else if (EqualsIgnoringAsciiCase(name, "SOURCE")) {
      // Kept as one of the two names (or empty), never as the client wrote
      // it.
      if (EqualsIgnoringAsciiCase(value, "LOCAL")) {
        f.source = "LOCAL";
      } else if (EqualsIgnoringAsciiCase(value, "REMOTE")) {
        f.source = "REMOTE";
      } else {
        ok = value.empty();
        f.source.clear();
      }
    } else {
      Send(out, 501, "5.5.4",
           "Bad XFORWARD attribute name: " + std::string(name));
      return;
    }
    if (!ok) {
      Send(out, 501, "5.5.4",
           "Bad XFORWARD attribute value: " + std::string(name));
      return;
    }
  }
  envelope_.forwarded = std::move(f);
  Send(out, 250, "2.0.0", "Ok");
}

}  // namespace sealpost::smtp
