// ServerProtocol: the server side of SMTP (RFC 5321) as a pure state machine,
// with PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152),
// SMTPUTF8 (RFC 6531), ENHANCEDSTATUSCODES (RFC 2034, codes from RFC 3463),
// STARTTLS (RFC 3207) and DSN (RFC 3461).
//
// It owns no socket. The I/O layer feeds it the bytes it reads and carries out
// the actions it returns, in order:
//   kReply     write reply.Wire() (consecutive replies may be sent together,
//              RFC 2920 §3.2);
//   kStartTls  after writing the 220 before it, run the TLS handshake, then
//              call TlsStarted() (or close on failure);
//   kMessage   a message is complete: store `envelope` and `message` durably,
//              then call Committed() with the 250 or a 4xx/5xx reply
//              (STYLE.md §5: durable before 250). Until then input is only
//              buffered, so the I/O layer may keep reading or pause;
//   kClose     close the connection after writing what came before.
// Recipient and sender acceptance (accepted domains, relay from the client's
// network) is asked of a SessionPolicy, synchronously, per command.
//
// Data mode is streaming: the message is unstuffed (RFC 5321 §4.5.2) into
// one string as bytes arrive, each byte copied once; CRLF line endings are
// kept exactly as received, and only CRLF "." CRLF ends the data, so a bare
// LF can never end a message early (SMTP smuggling).
//
// Thread-safety: not thread-safe; one instance per connection, used from that
// connection's strand.
#ifndef SEALPOST_SMTP_SERVER_PROTOCOL_H_
#define SEALPOST_SMTP_SERVER_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/envelope.h"
#include "smtp/reply.h"

namespace sealpost::smtp {

struct ProtocolOptions {
  std::string hostname = "localhost";  // in the greeting and EHLO reply
  // SIZE (RFC 1870); larger messages get 552 5.3.4.
  uint64_t max_message_bytes = 35 * 1024 * 1024;
  // RFC 5321 §4.5.3.1.8 asks for at least 100; more get 452 4.5.3.
  size_t max_recipients = 100;
  // RFC 5321 §4.5.3.1.4: 512 octets including CRLF.
  size_t max_command_line = 512;
  // RFC 5321 §4.5.3.1.6 says 1000 octets including CRLF, but real mail
  // (unwrapped HTML) exceeds it, so the limit is configurable; data lines are
  // streamed, so a long one costs no extra memory.
  size_t max_data_line = 1024 * 1024;
  // Error replies (4xx/5xx) in a session before 421 and close.
  size_t max_errors = 20;
  // Input buffered while a message awaits Committed(); beyond it, 421.
  size_t max_pending_input = 64 * 1024;
  bool tls_available = false;  // a certificate is loaded: offer STARTTLS
  bool tls_active = false;     // implicit TLS (submissions, RFC 8314)
  // 530 5.7.0 to MAIL until STARTTLS has run.
  bool require_tls = false;
};

// Decisions the I/O layer owns. Each returns std::nullopt to accept, or the
// 4xx/5xx reply to send instead (a 2xx/3xx reply counts as acceptance).
class SessionPolicy {
 public:
  virtual ~SessionPolicy() = default;
  // After a syntactically valid MAIL; envelope.mail_from and its parameters
  // are filled in.
  virtual std::optional<Reply> CheckSender(const Envelope& /*envelope*/) {
    return std::nullopt;
  }
  // After a syntactically valid RCPT, before it is added to the envelope:
  // e.g. 554 5.7.1 "Relay access denied" for a foreign domain from an
  // untrusted network, 550 5.1.1 for an unknown local user.
  virtual std::optional<Reply> CheckRecipient(const Envelope& envelope,
                                              const Recipient& recipient) = 0;
};

struct Action {
  enum class Kind { kReply, kStartTls, kMessage, kClose };
  Kind kind = Kind::kReply;
  Reply reply;          // kReply
  Envelope envelope;    // kMessage
  std::string message;  // kMessage: the unstuffed bytes, CRLF as received
};

class ServerProtocol {
 public:
  // `policy` may be null: every sender and recipient is accepted (tests).
  // It must outlive the ServerProtocol.
  explicit ServerProtocol(ProtocolOptions options,
                          SessionPolicy* policy = nullptr);

  // The 220 greeting (RFC 5321 §4.3.1). Call once, first.
  std::vector<Action> Start();
  // Consumes bytes from the client; handles as many complete commands (and
  // data) as they contain.
  std::vector<Action> Feed(std::string_view bytes);
  // The result of storing the message of the last kMessage action: 250 once
  // it is durable, 4xx if not. Resumes processing buffered input.
  std::vector<Action> Committed(Reply reply);
  // The TLS handshake after kStartTls succeeded. RFC 3207 §4.2: the server
  // forgets everything the client said before, so EHLO must come again.
  void TlsStarted();
  // The I/O layer's read deadline expired: 421 4.4.2 and close.
  std::vector<Action> Timeout();

  bool closed() const { return phase_ == Phase::kClosed; }
  bool in_data() const { return phase_ == Phase::kData; }
  bool awaiting_commit() const { return phase_ == Phase::kAwaitCommit; }
  bool awaiting_tls() const { return phase_ == Phase::kAwaitTls; }
  bool tls_active() const { return options_.tls_active; }
  // The transaction so far (for logging and tests).
  const Envelope& envelope() const { return envelope_; }

 private:
  enum class Phase { kCommand, kData, kAwaitCommit, kAwaitTls, kClosed };

  void Process(std::vector<Action>& out);
  // Takes the next command line (without CRLF) off the input, or returns
  // false when there is no complete line yet. Sets `too_long` for a line over
  // max_command_line, which has been discarded.
  bool NextCommandLine(std::string& line, bool& too_long);
  // Moves data bytes from the input into message_; true at CRLF "." CRLF.
  bool ConsumeData();
  void AppendData(size_t from, size_t to);
  void FinishData(std::vector<Action>& out);
  void HandleCommand(std::string_view line, std::vector<Action>& out);

  void OnEhlo(std::string_view args, bool esmtp, std::vector<Action>& out);
  void OnMail(std::string_view args, std::vector<Action>& out);
  void OnRcpt(std::string_view args, std::vector<Action>& out);
  void OnData(std::string_view args, std::vector<Action>& out);
  void OnStartTls(std::string_view args, std::vector<Action>& out);

  void Send(std::vector<Action>& out, Reply reply);
  void Send(std::vector<Action>& out, int code, std::string_view enhanced,
            std::string_view text);
  void Close(std::vector<Action>& out, Reply reply);
  void ResetTransaction();

  ProtocolOptions options_;
  SessionPolicy* policy_;
  Phase phase_ = Phase::kCommand;

  std::string in_;  // unconsumed input starts at in_pos_
  size_t in_pos_ = 0;
  bool discarding_line_ = false;  // inside an over-long command line

  bool have_helo_ = false;
  bool in_transaction_ = false;  // MAIL accepted
  Envelope envelope_;
  size_t errors_ = 0;

  // Data mode.
  std::string message_;
  bool data_line_start_ = true;
  size_t data_line_length_ = 0;
  bool data_too_big_ = false;
  bool data_line_too_long_ = false;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_SERVER_PROTOCOL_H_
