#include "smtp/client_commands.h"

#include <cctype>
#include <string_view>

#include "base/strings.h"

namespace sealpost::smtp {
namespace {

// RFC 3461 §4.1 NOTIFY bits (smtp/envelope.h) back to text.
std::string NotifyParam(int bits) {
  if (bits == 0) return "";
  if (bits & 1) return "NEVER";
  std::string out;
  if (bits & 2) out += "SUCCESS";
  if (bits & 4) out += std::string(out.empty() ? "" : ",") + "FAILURE";
  if (bits & 8) out += std::string(out.empty() ? "" : ",") + "DELAY";
  return out;
}

}  // namespace

Caps ParseEhlo(const ServerReply& r) {
  Caps caps;
  for (size_t i = 1; i < r.lines.size(); ++i) {
    std::string_view kw = std::string_view(r.lines[i]).substr(4);
    std::string_view word = kw.substr(0, kw.find(' '));
    auto is = [word](std::string_view name) {
      return EqualsIgnoringAsciiCase(word, name);
    };
    caps.starttls |= is("STARTTLS");
    caps.pipelining |= is("PIPELINING");
    caps.size |= is("SIZE");
    caps.eightbit |= is("8BITMIME");
    caps.smtputf8 |= is("SMTPUTF8");
    caps.dsn |= is("DSN");
  }
  return caps;
}

bool AddReplyLine(std::string line, ServerReply* r) {
  if (line.size() < 3 || !isdigit(static_cast<unsigned char>(line[0])) ||
      !isdigit(static_cast<unsigned char>(line[1])) ||
      !isdigit(static_cast<unsigned char>(line[2]))) {
    r->code = 0;
    r->text = "malformed reply from next hop";
    return true;
  }
  r->lines.push_back(line);
  if (line.size() > 3 && line[3] == '-') return false;
  r->code = std::stoi(line.substr(0, 3));
  r->text = std::move(line);
  return true;
}

std::string MailCommand(const queue::DeliveryRequest& req, const Caps& caps) {
  std::string mail = "MAIL FROM:<" + req.mail_from + ">";
  if (req.params.body_8bit && caps.eightbit) mail += " BODY=8BITMIME";
  if (req.params.smtputf8) mail += " SMTPUTF8";
  if (caps.size) {
    const int64_t size = req.content != nullptr
                             ? static_cast<int64_t>(req.content->size())
                             : req.size;
    mail += " SIZE=" + std::to_string(size);
  }
  if (caps.dsn) {
    if (!req.params.ret.empty()) mail += " RET=" + req.params.ret;
    if (!req.params.envid.empty()) mail += " ENVID=" + req.params.envid;
  }
  return mail;
}

std::vector<std::string> RcptCommands(const queue::DeliveryRequest& req,
                                      const Caps& caps) {
  std::vector<std::string> rcpts;
  for (const auto& r : req.recipients) {
    std::string cmd = "RCPT TO:<" + r.address + ">";
    if (caps.dsn) {
      std::string notify = NotifyParam(r.notify);
      if (!notify.empty()) cmd += " NOTIFY=" + notify;
      if (!r.orcpt.empty()) cmd += " ORCPT=" + r.orcpt;
    }
    rcpts.push_back(std::move(cmd));
  }
  return rcpts;
}

size_t RcptResults(const std::vector<ServerReply>& replies, size_t n,
                   queue::DeliveryResult* result) {
  result->recipients.resize(n);
  size_t accepted = 0;
  for (size_t i = 0; i < n; ++i) {
    const ServerReply& r = i < replies.size() ? replies[i] : ServerReply{};
    if (r.code / 100 == 2) {
      ++accepted;
    } else {
      result->recipients[i] = {r.code == 0 ? 451 : r.code,
                               r.code == 0 ? "451 4.4.2 " + r.text : r.text};
    }
  }
  return accepted;
}

}  // namespace sealpost::smtp
