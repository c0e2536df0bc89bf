#include "smtp/server_protocol.h"

#include <algorithm>
#include <utility>

#include "base/strings.h"
#include "smtp/command.h"

namespace sealpost::smtp {
namespace {

constexpr std::string_view kProduct = "Sealpost";
// RFC 4954 §4: AUTH command lines and SASL responses may be this long.
constexpr size_t kAuthLineLimit = 12288;
// LOGIN's challenges, base64 of "Username:" and "Password:".
constexpr std::string_view kLoginUserChallenge = "VXNlcm5hbWU6";
constexpr std::string_view kLoginPasswordChallenge = "UGFzc3dvcmQ6";

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

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
  if (EqualsIgnoreCase(s, "NEVER")) return kNotifyNever;
  uint8_t bits = 0;
  while (true) {
    size_t comma = s.find(',');
    std::string_view item = s.substr(0, comma);
    if (EqualsIgnoreCase(item, "SUCCESS")) {
      bits |= kNotifySuccess;
    } else if (EqualsIgnoreCase(item, "FAILURE")) {
      bits |= kNotifyFailure;
    } else if (EqualsIgnoreCase(item, "DELAY")) {
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

// RFC 5321 §2.3.8: "<CR> and <LF> MUST only occur together as CRLF"; the
// reply names the stray one (Postfix says "bare <LF> received" too).
Reply BareNewlineReply(int code, char c) {
  return Reply::Make(code, "5.5.2",
                     std::string("bare ") + (c == '\r' ? "<CR>" : "<LF>") +
                         " received; use <CR><LF> line endings");
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

std::vector<Action> ServerProtocol::AuthChecked(
    const Result<std::string>& address) {
  std::vector<Action> out;
  if (phase_ != Phase::kAwaitAuth) return out;
  phase_ = Phase::kCommand;
  if (address.ok() && !address->empty()) {
    auth_user_ = AsciiLower(*address);
    Send(out, 235, "2.7.0", "Authentication successful");  // RFC 4954 §6
  } else if (!address.ok() &&
             address.status().code() == StatusCode::kUnauthenticated) {
    AuthFailed(Reply::Make(535, "5.7.8", "Authentication credentials invalid"),
               out);
  } else if (!address.ok() &&
             address.status().code() == StatusCode::kResourceExhausted) {
    AuthFailed(Reply::Make(454, "4.7.0",
                           "Too many failed authentication attempts; try "
                           "again later"),
               out);
  } else {
    Send(out, 454, "4.7.0", "Temporary authentication failure");
  }
  if (phase_ == Phase::kCommand) Process(out);
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

void ServerProtocol::Process(std::vector<Action>& out) {
  std::string line;
  while (true) {
    if (phase_ == Phase::kCommand || phase_ == Phase::kSasl) {
      const LineStatus status = NextCommandLine(line);
      if (status == LineStatus::kNone) break;
      if (status == LineStatus::kBareLf) {
        // Postfix's smtpd_forbid_bare_newline: answer and close, so that
        // nothing more of a bare-LF stream is read as commands.
        Close(out, BareNewlineReply(500, '\n'));
        break;
      }
      const bool sasl = phase_ == Phase::kSasl;
      if (status == LineStatus::kTooLong) {
        // RFC 5321 §4.5.3.1.10: "500 Line too long"; it ends an AUTH.
        phase_ = Phase::kCommand;
        sasl_user_.clear();
        Send(out, 500, "5.5.2", "Line too long");
        continue;
      }
      if (sasl) {
        OnSaslResponse(line, out);
      } else {
        HandleCommand(line, out);
      }
    } else if (phase_ == Phase::kData) {
      if (!ConsumeData()) break;
      FinishData(out);
    } else {
      break;
    }
  }
  in_.erase(0, in_pos_);
  in_pos_ = 0;
}

size_t ServerProtocol::LineLimit() const {
  const size_t auth = std::max(kAuthLineLimit, options_.max_command_line);
  if (!options_.auth_available) return options_.max_command_line;
  if (phase_ == Phase::kSasl) return auth;
  std::string_view rest(in_.data() + in_pos_,
                        std::min<size_t>(5, in_.size() - in_pos_));
  return EqualsIgnoreCase(rest, "AUTH ") ? auth : options_.max_command_line;
}

ServerProtocol::LineStatus ServerProtocol::NextCommandLine(std::string& line) {
  const size_t limit = LineLimit();
  size_t nl = in_.find('\n', in_pos_);
  if (nl == std::string::npos) {
    if (in_.size() - in_pos_ > limit) {
      // Drop the overlong line as it arrives instead of buffering it.
      discarding_line_ = true;
      in_pos_ = in_.size();
    }
    return LineStatus::kNone;
  }
  std::string_view raw(in_.data() + in_pos_, nl - in_pos_);
  in_pos_ = nl + 1;
  if (discarding_line_) {
    discarding_line_ = false;
    return LineStatus::kTooLong;
  }
  // Commands end in CRLF (RFC 5321 §2.3.8).
  if (!raw.empty() && raw.back() == '\r') {
    raw.remove_suffix(1);
  } else if (options_.bare_newline == BareNewline::kReject) {
    return LineStatus::kBareLf;
  }
  if (raw.size() + 2 > limit) return LineStatus::kTooLong;
  line.assign(raw);
  return LineStatus::kLine;
}

bool ServerProtocol::ConsumeData() {
  while (in_pos_ < in_.size()) {
    if (data_line_start_ && in_[in_pos_] == '.') {
      switch (CheckDotLine()) {
        case DotLine::kMore:
          return false;
        case DotLine::kEnd:
          return true;
        case DotLine::kSmuggling:
          data_smuggling_ = true;
          return true;
        case DotLine::kText:
          break;
      }
    }
    data_line_start_ = false;
    const std::string_view in(in_);
    const size_t brk = in.find_first_of("\r\n", in_pos_);
    if (brk == std::string::npos) {
      AppendData(in.substr(in_pos_));
      in_pos_ = in.size();
      return false;
    }
    if (in[brk] == '\r' && brk + 1 == in.size()) {
      // The CR may be the first half of a CRLF: keep it for later.
      AppendData(in.substr(in_pos_, brk - in_pos_));
      in_pos_ = brk;
      return false;
    }
    if (in[brk] == '\r' && in[brk + 1] == '\n') {
      AppendData(in.substr(in_pos_, brk + 2 - in_pos_));
      in_pos_ = brk + 2;
      StartLine(/*after_bare=*/false);
      continue;
    }
    AppendData(in.substr(in_pos_, brk - in_pos_));
    BareNewlineInData(in[brk]);
    in_pos_ = brk + 1;
    StartLine(/*after_bare=*/true);
  }
  return false;
}

ServerProtocol::DotLine ServerProtocol::CheckDotLine() {
  const size_t avail = in_.size() - in_pos_;
  if (avail < 2) return DotLine::kMore;
  const char next = in_[in_pos_ + 1];
  if (next == '\r' && avail < 3) return DotLine::kMore;
  // RFC 5321 §4.5.2: CRLF "." CRLF ends the data.
  if (next == '\r' && in_[in_pos_ + 2] == '\n' && !data_after_bare_) {
    in_pos_ += 3;
    return DotLine::kEnd;
  }
  // A "." alone between line breaks of which one is bare: where a lenient
  // next hop would end the data (SMTP smuggling). Never ours.
  if (next == '\r' || next == '\n') {
    if (data_bare_ == 0) data_bare_ = next;
    return DotLine::kSmuggling;
  }
  // RFC 5321 §4.5.2: "If the first character is a period and there are
  // other characters on the line, the first character is deleted."
  ++in_pos_;
  data_line_length_ = 1;
  return DotLine::kText;
}

void ServerProtocol::StartLine(bool after_bare) {
  data_line_start_ = true;
  data_after_bare_ = after_bare;
  data_line_length_ = 0;
}

void ServerProtocol::BareNewlineInData(char c) {
  if (data_bare_ == 0) data_bare_ = c;
  if (options_.bare_newline == BareNewline::kNormalize) {
    AppendData("\r\n");
  } else {
    AppendData(std::string_view(&c, 1));
  }
}

void ServerProtocol::AppendData(std::string_view bytes) {
  const size_t n = bytes.size();
  data_line_length_ += n;
  if (data_line_length_ > options_.max_data_line) data_line_too_long_ = true;
  if (data_too_big_) return;
  if (message_.size() + n > options_.max_message_bytes) {
    // Keep reading to the end of the data, but stop keeping it.
    data_too_big_ = true;
    std::string().swap(message_);
    return;
  }
  message_.append(bytes);
}

void ServerProtocol::FinishData(std::vector<Action>& out) {
  phase_ = Phase::kCommand;
  if (data_smuggling_) {
    // The client thinks its message has ended, or hopes a next hop will:
    // nothing after this can be trusted to be in step.
    Close(out, BareNewlineReply(550, data_bare_));
    return;
  }
  if (data_bare_ != 0 && options_.bare_newline == BareNewline::kReject) {
    Send(out, BareNewlineReply(550, data_bare_));
    ResetTransaction();
    return;
  }
  if (data_too_big_) {
    // RFC 1870 §6.2 / RFC 3463 X.3.4.
    Send(out, 552, "5.3.4", "Message size exceeds fixed maximum message size");
    ResetTransaction();
    return;
  }
  if (data_line_too_long_) {
    Send(out, 500, "5.5.2", "Line too long");
    ResetTransaction();
    return;
  }
  Action a;
  a.kind = Action::Kind::kMessage;
  a.envelope = envelope_;
  a.message = std::move(message_);
  out.push_back(std::move(a));
  ResetTransaction();
  phase_ = Phase::kAwaitCommit;
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
  Result<PathArgument> parsed = ParsePathArgument(args, "FROM:");
  if (!parsed.ok()) {
    Send(out, 501, "5.5.4", parsed.status().message());
    return;
  }
  Envelope e = envelope_;
  e.mail_from = parsed->address;
  e.auth_user = auth_user_;
  for (const EsmtpParam& p : parsed->params) {
    if (!envelope_.esmtp) {
      // Parameters are service extensions, which need EHLO.
      Send(out, 555, "5.5.4", "Parameters require EHLO");
      return;
    }
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
      if (EqualsIgnoreCase(value, "7BIT")) {
        e.body = BodyType::k7Bit;
      } else if (EqualsIgnoreCase(value, "8BITMIME")) {
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
      if (EqualsIgnoreCase(value, "FULL")) {
        e.ret = DsnReturn::kFull;
      } else if (EqualsIgnoreCase(value, "HDRS")) {
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
  Result<PathArgument> parsed = ParsePathArgument(args, "TO:");
  if (!parsed.ok()) {
    Send(out, 501, "5.5.4", parsed.status().message());
    return;
  }
  Recipient r;
  r.address = parsed->address;
  for (const EsmtpParam& p : parsed->params) {
    if (!envelope_.esmtp) {
      Send(out, 555, "5.5.4", "Parameters require EHLO");
      return;
    }
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
  const bool postmaster = EqualsIgnoreCase(r.address, "postmaster");
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
  // 3xx: no enhanced code (RFC 2034 §3 covers 2xx, 4xx and 5xx).
  Send(out, 354, "", "End data with <CR><LF>.<CR><LF>");
  phase_ = Phase::kData;
  message_.clear();
  if (envelope_.declared_size) {
    message_.reserve(static_cast<size_t>(std::min<uint64_t>(
        *envelope_.declared_size, options_.max_message_bytes)));
  }
  StartLine(/*after_bare=*/false);
  data_bare_ = 0;
  data_smuggling_ = false;
  data_too_big_ = false;
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

void ServerProtocol::OnAuth(std::string_view args, std::vector<Action>& out) {
  if (!options_.auth_available) {
    Send(out, 502, "5.5.1", "Command not implemented");
    return;
  }
  if (!options_.tls_active) {
    // RFC 4954 §4 and §6: no plaintext password mechanism without TLS.
    Send(out, 538, "5.7.11",
         "Encryption required for requested authentication mechanism");
    return;
  }
  if (!have_helo_ || !envelope_.esmtp) {
    Send(out, 503, "5.5.1", "Send EHLO first");
    return;
  }
  // RFC 4954 §4: one AUTH per session, and not inside a transaction.
  if (!auth_user_.empty()) {
    Send(out, 503, "5.5.1", "Already authenticated");
    return;
  }
  if (in_transaction_) {
    Send(out, 503, "5.5.1", "AUTH not permitted during a mail transaction");
    return;
  }
  args = TrimBlanks(args);
  const size_t sp = args.find(' ');
  const std::string_view mechanism = args.substr(0, sp);
  Sasl step;
  if (EqualsIgnoreCase(mechanism, "PLAIN")) {
    step = Sasl::kPlain;
  } else if (EqualsIgnoreCase(mechanism, "LOGIN")) {
    step = Sasl::kLoginUser;
  } else {
    Send(out, 504, "5.5.4", "Unrecognized authentication type");
    return;
  }
  if (sp == std::string_view::npos) {
    // RFC 4954 §4: no initial response, so the server speaks first: an
    // empty challenge for PLAIN (RFC 4616 §2), "Username:" for LOGIN.
    Challenge(step, step == Sasl::kPlain ? "" : kLoginUserChallenge, out);
    return;
  }
  Result<SecretBytes> response =
      DecodeSaslResponse(TrimBlanks(args.substr(sp)));
  if (!response.ok()) {
    Send(out, 501, "5.5.2", "Cannot decode response");
    return;
  }
  SaslStep(step, *response, out);
}

void ServerProtocol::OnSaslResponse(std::string_view line,
                                    std::vector<Action>& out) {
  phase_ = Phase::kCommand;
  if (line == "*") {
    // RFC 4954 §4: the client cancelled the exchange.
    sasl_user_.clear();
    Send(out, 501, "5.0.0", "Authentication aborted");
    return;
  }
  Result<SecretBytes> response = DecodeSaslResponse(line);
  if (!response.ok()) {
    sasl_user_.clear();
    Send(out, 501, "5.5.2", "Cannot decode response");
    return;
  }
  SaslStep(sasl_, *response, out);
}

void ServerProtocol::SaslStep(Sasl step, const SecretBytes& response,
                              std::vector<Action>& out) {
  if (step == Sasl::kPlain) {
    Result<SaslLogin> login = ParseSaslPlain(response);
    if (login.ok()) {
      RequestAuth(std::move(*login), out);
    } else if (login.status().code() == StatusCode::kPermissionDenied) {
      // Asked to act as someone else: a failed attempt like a bad password.
      AuthFailed(
          Reply::Make(535, "5.7.8", "Authentication credentials invalid"), out);
    } else {
      Send(out, 501, "5.5.2", "Cannot decode response");
    }
    return;
  }
  if (step == Sasl::kLoginUser) {
    std::string user(response.InsecureStringView());
    if (!CheckSaslUser(user).ok()) {
      Send(out, 501, "5.5.2", "Cannot decode response");
      return;
    }
    sasl_user_ = std::move(user);
    Challenge(Sasl::kLoginPassword, kLoginPasswordChallenge, out);
    return;
  }
  SaslLogin login;
  login.user = std::move(sasl_user_);
  sasl_user_.clear();
  if (response.empty() || response.size() > kMaxSaslPassword) {
    Send(out, 501, "5.5.2", "Cannot decode response");
    return;
  }
  login.password = response;
  RequestAuth(std::move(login), out);
}

void ServerProtocol::Challenge(Sasl next, std::string_view base64,
                               std::vector<Action>& out) {
  sasl_ = next;
  phase_ = Phase::kSasl;
  // 3xx: no enhanced code (RFC 2034 §3); RFC 4954 §4: "334" SP challenge.
  Send(out, 334, "", base64);
}

void ServerProtocol::RequestAuth(SaslLogin login, std::vector<Action>& out) {
  Action a;
  a.kind = Action::Kind::kAuth;
  a.login = std::move(login);
  out.push_back(std::move(a));
  phase_ = Phase::kAwaitAuth;
}

void ServerProtocol::AuthFailed(Reply reply, std::vector<Action>& out) {
  ++auth_failures_;
  Send(out, std::move(reply));
  if (phase_ != Phase::kClosed &&
      auth_failures_ >= options_.max_auth_failures) {
    Close(out, Reply::Make(421, "4.7.0",
                           options_.hostname +
                               " Too many failed authentication attempts"));
  }
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
}

void ServerProtocol::ResetTransaction() {
  in_transaction_ = false;
  Envelope fresh;
  fresh.helo = std::move(envelope_.helo);
  fresh.esmtp = envelope_.esmtp;
  fresh.tls = options_.tls_active;
  envelope_ = std::move(fresh);
  std::string().swap(message_);
}

}  // namespace sealpost::smtp
