// ServerProtocol (server_protocol.h): the greeting, the commands (EHLO, MAIL,
// RCPT, DATA, STARTTLS, ...), the replies and the transaction. Reading the
// input is in server_protocol_input.cc, AUTH in server_protocol_auth.cc.
#include "smtp/server_protocol.h"

#include <algorithm>
#include <utility>

#include "base/strings.h"
#include "smtp/command.h"

namespace sealpost::smtp {
namespace {

constexpr std::string_view kProduct = "Sealpost";

// RFC 1870 §3: size-value = 1*20DIGIT. Values that overflow saturate, and
// are then over any limit.
std::optional<uint64_t> ParseSize(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return UINT64_MAX;
    v = v * 10 + d;
  }
  return v;
}

// RFC 3461 §4.1: "NEVER" or a comma list of SUCCESS, FAILURE, DELAY.
std::optional<uint8_t> ParseNotify(std::string_view s) {
  if (EqualsIgnoringAsciiCase(s, "NEVER")) return kNotifyNever;
  uint8_t bits = 0;
  while (true) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    if (EqualsIgnoringAsciiCase(item, "SUCCESS")) {
      bits |= kNotifySuccess;
    } else if (EqualsIgnoringAsciiCase(item, "FAILURE")) {
      bits |= kNotifyFailure;
    } else if (EqualsIgnoringAsciiCase(item, "DELAY")) {
      bits |= kNotifyDelay;
    } else {
      return std::nullopt;
    }
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return bits;
}

// RFC 3461 §4.2: ORCPT=addr-type ";" xtext, addr-type an atom.
bool IsValidOrcpt(std::string_view s, bool utf8) {
  size_t semi = s.find(';');
  if (semi == 0 || semi == std::string_view::npos) return false;
  for (char c : s.substr(0, semi)) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
          (c >= '0' && c <= '9') || c == '-')) {
      return false;
    }
  }
  std::string_view text = s.substr(semi + 1);
  if (text.empty()) return false;
  // RFC 6533 §3 lets ORCPT carry UTF-8 when SMTPUTF8 is in force.
  if (utf8 && HasNonAscii(text)) return true;
  return IsXtext(text);
}

}  // namespace

ServerProtocol::ServerProtocol(ProtocolOptions options, SessionPolicy* policy)
    : options_(std::move(options)), policy_(policy) {
  envelope_.tls = options_.tls_active;
}

std::vector<Action> ServerProtocol::Start() {
  std::vector<Action> out;
  // RFC 5321 §4.3.1: "220 <domain>"; RFC 2034 §3: no enhanced code here.
  Send(out, 220, "", options_.hostname + " ESMTP " + std::string(kProduct));
  return out;
}

std::vector<Action> ServerProtocol::Feed(std::string_view bytes) {
  std::vector<Action> out;
  // RFC 3207 §4.2 and CVE-2011-0411: nothing sent in plaintext after
  // STARTTLS may be acted on, so it is dropped rather than buffered.
  if (phase_ == Phase::kClosed || phase_ == Phase::kAwaitTls) return out;
  in_.append(bytes.data(), bytes.size());
  if (phase_ == Phase::kAwaitCommit || phase_ == Phase::kAwaitAuth) {
    if (in_.size() - in_pos_ > options_.max_pending_input) {
      Close(out, Reply::Make(421, "4.7.0",
                             options_.hostname + " Too much pipelined input"));
    }
    return out;
  }
  Process(out);
  return out;
}

std::vector<Action> ServerProtocol::Committed(Reply reply) {
  std::vector<Action> out;
  if (phase_ != Phase::kAwaitCommit) return out;
  phase_ = Phase::kCommand;
  const bool valid_class =
      reply.code / 100 == 2 || reply.code / 100 == 4 || reply.code / 100 == 5;
  if (!valid_class || reply.code >= 600 || reply.lines.empty()) {
    reply = Reply::Make(451, "4.3.0", "Internal error");
  }
  if (reply.code == 421) {
    Close(out, std::move(reply));
    return out;
  }
  Send(out, std::move(reply));
  Process(out);
  return out;
}

void ServerProtocol::TlsStarted() {
  if (phase_ != Phase::kAwaitTls) return;
  options_.tls_active = true;
  have_helo_ = false;
  auth_user_.clear();
  sasl_user_.clear();
  in_transaction_ = false;
  envelope_ = Envelope();
  envelope_.tls = true;
  in_.clear();
  in_pos_ = 0;
  discarding_line_ = false;
  phase_ = Phase::kCommand;
}

std::vector<Action> ServerProtocol::Timeout() {
  std::vector<Action> out;
  if (phase_ == Phase::kClosed) return out;
  // RFC 5321 §4.5.3.2 timeouts; RFC 3463 X.4.2 "bad connection".
  Close(out, Reply::Make(421, "4.4.2",
                         options_.hostname + " Error: timeout exceeded"));
  return out;
}

void ServerProtocol::HandleCommand(std::string_view line,
                                   std::vector<Action>& out) {
  for (char c : line) {
    if (c == '\0' || c == '\r' || c == '\n') {
      Send(out, 500, "5.5.2", "Syntax error");
      return;
    }
  }
  std::optional<CommandLine> cmd = SplitCommand(line);
  if (!cmd || cmd->verb.empty()) {
    Send(out, 500, "5.5.2", "Syntax error");
    return;
  }
  const std::string& verb = cmd->verb;
  std::string_view args = cmd->args;
  if (verb == "EHLO") {
    OnEhlo(args, /*esmtp=*/true, out);
  } else if (verb == "HELO") {
    OnEhlo(args, /*esmtp=*/false, out);
  } else if (verb == "MAIL") {
    OnMail(args, out);
  } else if (verb == "RCPT") {
    OnRcpt(args, out);
  } else if (verb == "DATA") {
    OnData(args, out);
  } else if (verb == "RSET") {
    // RFC 5321 §4.1.1.5: rset = "RSET" CRLF.
    if (!TrimBlanks(args).empty()) {
      Send(out, 501, "5.5.4", "Syntax: RSET takes no arguments");
      return;
    }
    ResetTransaction();
    Send(out, 250, "2.0.0", "OK");
  } else if (verb == "NOOP") {
    // RFC 5321 §4.1.1.9: the argument, if any, is ignored.
    Send(out, 250, "2.0.0", "OK");
  } else if (verb == "QUIT") {
    // RFC 5321 §4.1.1.10: 221, then close.
    Close(out,
          Reply::Make(221, "2.0.0", options_.hostname + " closing connection"));
  } else if (verb == "VRFY") {
    if (TrimBlanks(args).empty()) {
      Send(out, 501, "5.5.4", "Syntax: VRFY address");
      return;
    }
    // RFC 5321 §3.5.3: 252 when the server will not verify.
    Send(out, 252, "2.0.0",
         "Cannot VRFY user, but will accept message and attempt delivery");
  } else if (verb == "HELP") {
    // RFC 5321 §4.1.1.8.
    Send(out, 214, "2.0.0",
         "Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP" +
             std::string(options_.tls_available ? " STARTTLS" : "") +
             std::string(options_.auth_available ? " AUTH" : ""));
  } else if (verb == "STARTTLS") {
    OnStartTls(args, out);
  } else if (verb == "AUTH") {
    OnAuth(args, out);
  } else if (verb == "XFORWARD") {
    OnXforward(args, out);
  } else if (verb == "EXPN" || verb == "TURN" || verb == "ETRN" ||
             verb == "BDAT" || verb == "ATRN") {
    // RFC 5321 §4.2.4: 502 for recognised but unimplemented commands.
    Send(out, 502, "5.5.1", "Command not implemented");
  } else {
    Send(out, 500, "5.5.1", "Command unrecognized");
  }
}

void ServerProtocol::OnEhlo(std::string_view args, bool esmtp,
                            std::vector<Action>& out) {
  std::string_view domain = TrimBlanks(args);
  if (domain.empty()) {
    Send(out, 501, "5.5.4",
         esmtp ? "Syntax: EHLO hostname" : "Syntax: HELO hostname");
    return;
  }
  // RFC 5321 §4.1.4: EHLO/HELO in a session also resets the transaction.
  have_helo_ = true;
  envelope_.helo = std::string(domain);
  envelope_.esmtp = esmtp;
  ResetTransaction();
  Reply r;
  r.code = 250;  // RFC 2034 §3: no enhanced code on EHLO/HELO replies.
  r.lines.push_back(options_.hostname);
  if (esmtp) {
    // RFC 5321 §4.1.1.1 ehlo-line; the extensions this server implements.
    r.lines.push_back("PIPELINING");  // RFC 2920
    r.lines.push_back("SIZE " + std::to_string(options_.max_message_bytes));
    r.lines.push_back("8BITMIME");             // RFC 6152
    r.lines.push_back("SMTPUTF8");             // RFC 6531
    r.lines.push_back("ENHANCEDSTATUSCODES");  // RFC 2034
    // RFC 3207 §4.2: not offered again once TLS is active.
    if (options_.tls_available && !options_.tls_active) {
      r.lines.push_back("STARTTLS");
    }
    // RFC 4954 §4: plaintext password mechanisms only under TLS.
    if (options_.auth_available && options_.tls_active) {
      r.lines.push_back("AUTH PLAIN LOGIN");
    }
    r.lines.push_back("DSN");  // RFC 3461
    if (options_.xforward_allowed) {
      // Postfix's XFORWARD_README; only to authorized proxies.
      r.lines.push_back("XFORWARD NAME ADDR PROTO HELO IDENT SOURCE PORT");
    }
  }
  Send(out, std::move(r));
}

void ServerProtocol::OnMail(std::string_view args, std::vector<Action>& out) {
  if (!have_helo_) {
    Send(out, 503, "5.5.1", "Send HELO/EHLO first");
    return;
  }
  if (options_.require_tls && !options_.tls_active) {
    // RFC 3207 §4.
    Send(out, 530, "5.7.0", "Must issue a STARTTLS command first");
    return;
  }
  if (options_.require_auth && auth_user_.empty()) {
    // RFC 4954 §6.
    Send(out, 530, "5.7.0", "Authentication required");
    return;
  }
  if (in_transaction_) {
    Send(out, 503, "5.5.1", "Nested MAIL command");
    return;
  }
  std::optional<PathArgument> parsed = ReadPath(args, "FROM:", out);
  if (!parsed) return;
  Envelope e = envelope_;
  e.mail_from = parsed->address;
  e.auth_user = auth_user_;
  for (const EsmtpParam& p : parsed->params) {
    const std::string value = p.value.value_or("");
    if (p.keyword == "SIZE") {
      // RFC 1870 §6.
      std::optional<uint64_t> size = ParseSize(value);
      if (!size) {
        Send(out, 501, "5.5.4", "Bad SIZE value");
        return;
      }
      if (*size > options_.max_message_bytes) {
        Send(out, 552, "5.3.4",
             "Message size exceeds fixed maximum message size");
        return;
      }
      e.declared_size = *size;
    } else if (p.keyword == "BODY") {
      // RFC 6152 §3.
      if (EqualsIgnoringAsciiCase(value, "7BIT")) {
        e.body = BodyType::k7Bit;
      } else if (EqualsIgnoringAsciiCase(value, "8BITMIME")) {
        e.body = BodyType::k8BitMime;
      } else {
        Send(out, 501, "5.5.4", "Bad BODY value");
        return;
      }
    } else if (p.keyword == "SMTPUTF8") {
      // RFC 6531 §3.4: no value.
      if (p.value) {
        Send(out, 501, "5.5.4", "SMTPUTF8 takes no value");
        return;
      }
      e.smtputf8 = true;
    } else if (p.keyword == "RET") {
      // RFC 3461 §4.3.
      if (EqualsIgnoringAsciiCase(value, "FULL")) {
        e.ret = DsnReturn::kFull;
      } else if (EqualsIgnoringAsciiCase(value, "HDRS")) {
        e.ret = DsnReturn::kHeaders;
      } else {
        Send(out, 501, "5.5.4", "Bad RET value");
        return;
      }
    } else if (p.keyword == "ENVID") {
      // RFC 3461 §4.4: xtext, at most 100 characters.
      if (value.empty() || value.size() > 100 || !IsXtext(value)) {
        Send(out, 501, "5.5.4", "Bad ENVID value");
        return;
      }
      e.envid = value;
    } else if (p.keyword == "AUTH" && options_.auth_available) {
      // RFC 4954 §5: accepted and ignored. The identity that counts is the
      // one this session proved, never one a client asserts.
      if (value.empty() || !IsXtext(value)) {
        Send(out, 501, "5.5.4", "Bad AUTH value");
        return;
      }
    } else {
      // RFC 5321 §4.1.1.11.
      Send(out, 555, "5.5.4", "Unsupported parameter " + p.keyword);
      return;
    }
  }
  if (!e.mail_from.empty() && !IsValidMailbox(e.mail_from)) {
    Send(out, 501, "5.1.7", "Bad sender address syntax");
    return;
  }
  if (!e.smtputf8 && HasNonAscii(e.mail_from)) {
    // RFC 6531 §3.6.
    Send(out, 553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    return;
  }
  if (options_.disk_has_room &&
      !options_.disk_has_room(e.declared_size.value_or(0))) {
    // RFC 1870 §6.1: not enough room now for a message of that size.
    Send(out, 452, "4.3.1", "Insufficient system storage, try again later");
    return;
  }
  if (policy_ != nullptr) {
    std::optional<Reply> rejection = policy_->CheckSender(e);
    if (rejection && rejection->code >= 400) {
      Send(out, std::move(*rejection));
      return;
    }
  }
  envelope_ = std::move(e);
  in_transaction_ = true;
  Send(out, 250, "2.1.0", "Sender OK");
}

void ServerProtocol::OnRcpt(std::string_view args, std::vector<Action>& out) {
  if (!in_transaction_) {
    Send(out, 503, "5.5.1", "Need MAIL before RCPT");
    return;
  }
  std::optional<PathArgument> parsed = ReadPath(args, "TO:", out);
  if (!parsed) return;
  Recipient r;
  r.address = parsed->address;
  for (const EsmtpParam& p : parsed->params) {
    const std::string value = p.value.value_or("");
    if (p.keyword == "NOTIFY") {
      std::optional<uint8_t> bits = ParseNotify(value);
      if (!bits) {
        Send(out, 501, "5.5.4", "Bad NOTIFY value");
        return;
      }
      r.notify = *bits;
    } else if (p.keyword == "ORCPT") {
      if (!IsValidOrcpt(value, envelope_.smtputf8)) {
        Send(out, 501, "5.5.4", "Bad ORCPT value");
        return;
      }
      r.orcpt = value;
    } else {
      Send(out, 555, "5.5.4", "Unsupported parameter " + p.keyword);
      return;
    }
  }
  // RFC 5321 §4.5.1: "Postmaster" without a domain must be accepted.
  const bool postmaster = EqualsIgnoringAsciiCase(r.address, "postmaster");
  if (!postmaster && !IsValidMailbox(r.address)) {
    Send(out, 501, "5.1.3", "Bad recipient address syntax");
    return;
  }
  if (!envelope_.smtputf8 && HasNonAscii(r.address)) {
    Send(out, 553, "5.6.7", "Non-ASCII address requires SMTPUTF8");
    return;
  }
  if (envelope_.recipients.size() >= options_.max_recipients) {
    // RFC 5321 §4.5.3.1.10: 452 for too many recipients.
    Send(out, 452, "4.5.3", "Too many recipients");
    return;
  }
  if (policy_ != nullptr) {
    std::optional<Reply> rejection = policy_->CheckRecipient(envelope_, r);
    if (rejection && rejection->code >= 400) {
      Send(out, std::move(*rejection));
      return;
    }
  }
  envelope_.recipients.push_back(std::move(r));
  Send(out, 250, "2.1.5", "Recipient OK");
}

std::optional<PathArgument> ServerProtocol::ReadPath(std::string_view args,
                                                     std::string_view prefix,
                                                     std::vector<Action>& out) {
  Result<PathArgument> parsed = ParsePathArgument(args, prefix);
  if (!parsed.ok()) {
    Send(out, 501, "5.5.4", parsed.status().message());
    return std::nullopt;
  }
  if (!parsed->params.empty() && !envelope_.esmtp) {
    Send(out, 555, "5.5.4", "Parameters require EHLO");
    return std::nullopt;
  }
  return std::move(*parsed);
}

void ServerProtocol::OnData(std::string_view args, std::vector<Action>& out) {
  if (!TrimBlanks(args).empty()) {
    Send(out, 501, "5.5.4", "Syntax: DATA takes no arguments");
    return;
  }
  if (!in_transaction_) {
    Send(out, 503, "5.5.1", "Need MAIL command");
    return;
  }
  if (envelope_.recipients.empty()) {
    // RFC 5321 §3.3 and RFC 2920 §3.1: 503 when no RCPT was accepted.
    Send(out, 503, "5.5.1", "No valid recipients");
    return;
  }
  // The buffer the message will need, as far as it is known now: its
  // declared SIZE, else a first step.
  uint64_t expected = envelope_.declared_size
                          ? std::min<uint64_t>(*envelope_.declared_size,
                                               options_.max_message_bytes)
                          : 0;
  // Past the threshold the message goes to a spool: no more is held.
  if (options_.open_spool) {
    expected = std::min<uint64_t>(expected, options_.spool_threshold);
  }
  if (options_.disk_has_room &&
      !options_.disk_has_room(envelope_.declared_size.value_or(0))) {
    // The disk filled since MAIL: say so before the client sends it all.
    Send(out, 452, "4.3.1", "Insufficient system storage, try again later");
    return;
  }
  data_reservation_ = MemoryReservation(options_.memory_budget);
  data_no_memory_ = false;
  data_no_space_ = false;
  data_size_ = 0;
  spool_.reset();
  if (!data_reservation_.GrowTo(
          std::max(static_cast<int64_t>(expected), kDataMemoryStep))) {
    // RFC 3463 X.3.1: mail system full; the client tries again later.
    Send(out, 452, "4.3.1", "Insufficient system storage, try again later");
    return;
  }
  // 3xx: no enhanced code (RFC 2034 §3 covers 2xx, 4xx and 5xx).
  Send(out, 354, "", "End data with <CR><LF>.<CR><LF>");
  phase_ = Phase::kData;
  message_.clear();
  if (expected > 0) message_.reserve(static_cast<size_t>(expected));
  StartLine(/*after_bare=*/false);
  data_bare_ = 0;
  data_smuggling_ = false;
  data_too_big_ = false;
  data_header_ = mime::HeaderEnd();
  data_header_too_big_ = false;
  data_header_line_too_long_ = false;
  data_line_too_long_ = false;
}

void ServerProtocol::OnStartTls(std::string_view args,
                                std::vector<Action>& out) {
  if (!options_.tls_available) {
    Send(out, 502, "5.5.1", "Command not implemented");
    return;
  }
  if (options_.tls_active) {
    Send(out, 503, "5.5.1", "TLS already active");
    return;
  }
  if (!args.empty()) {
    // RFC 3207 §4: "501 Syntax error (no parameters allowed)".
    Send(out, 501, "5.5.4", "Syntax error (no parameters allowed)");
    return;
  }
  Send(out, 220, "2.0.0", "Ready to start TLS");
  Action a;
  a.kind = Action::Kind::kStartTls;
  out.push_back(std::move(a));
  phase_ = Phase::kAwaitTls;
  // Anything pipelined after STARTTLS arrived in plaintext: drop it
  // (RFC 3207 §6; the CVE-2011-0411 command injection).
  in_.clear();
  in_pos_ = 0;
}

void ServerProtocol::Send(std::vector<Action>& out, Reply reply) {
  const bool error = reply.code >= 400;
  Action a;
  a.kind = Action::Kind::kReply;
  a.reply = std::move(reply);
  out.push_back(std::move(a));
  if (error && options_.max_errors > 0 && ++errors_ >= options_.max_errors &&
      phase_ != Phase::kClosed) {
    Close(out, Reply::Make(421, "4.7.0",
                           options_.hostname + " Error: too many errors"));
  }
}

void ServerProtocol::Send(std::vector<Action>& out, int code,
                          std::string_view enhanced, std::string_view text) {
  Send(out, Reply::Make(code, enhanced, text));
}

void ServerProtocol::Close(std::vector<Action>& out, Reply reply) {
  Action r;
  r.kind = Action::Kind::kReply;
  r.reply = std::move(reply);
  out.push_back(std::move(r));
  Action c;
  c.kind = Action::Kind::kClose;
  out.push_back(std::move(c));
  phase_ = Phase::kClosed;
  in_.clear();
  in_pos_ = 0;
  std::string().swap(message_);
  spool_.reset();
}

void ServerProtocol::ResetTransaction() {
  in_transaction_ = false;
  Envelope fresh;
  fresh.helo = std::move(envelope_.helo);
  fresh.esmtp = envelope_.esmtp;
  fresh.tls = options_.tls_active;
  envelope_ = std::move(fresh);
  std::string().swap(message_);
  spool_.reset();
  data_reservation_.Release();
}

}  // namespace sealpost::smtp
