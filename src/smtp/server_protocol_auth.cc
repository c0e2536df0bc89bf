// The AUTH command and its SASL exchange (RFC 4954; PLAIN, RFC 4616, and
// LOGIN), part of ServerProtocol (server_protocol.h).
#include <utility>

#include "base/strings.h"
#include "smtp/command.h"
#include "smtp/server_protocol.h"

namespace sealpost::smtp {
namespace {

// LOGIN's challenges, base64 of "Username:" and "Password:".
constexpr std::string_view kLoginUserChallenge = "VXNlcm5hbWU6";
constexpr std::string_view kLoginPasswordChallenge = "UGFzc3dvcmQ6";

}  // namespace

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
  if (EqualsIgnoringAsciiCase(mechanism, "PLAIN")) {
    step = Sasl::kPlain;
  } else if (EqualsIgnoringAsciiCase(mechanism, "LOGIN")) {
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

}  // namespace sealpost::smtp
