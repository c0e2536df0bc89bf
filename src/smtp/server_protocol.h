// ServerProtocol: the server side of SMTP (RFC 5321) as a pure state machine,
// with PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152),
// SMTPUTF8 (RFC 6531), ENHANCEDSTATUSCODES (RFC 2034, codes from RFC 3463),
// STARTTLS (RFC 3207), DSN (RFC 3461), on a submission listener AUTH
// (RFC 4954) with PLAIN and LOGIN (smtp/sasl.h), and for an authorized proxy
// in front, Postfix's XFORWARD (the forwarded client lands in
// Envelope::forwarded).
//
// It owns no socket. The I/O layer feeds it the bytes it reads and carries out
// the actions it returns, in order:
//   kReply     write reply.Wire() (consecutive replies may be sent together,
//              RFC 2920 §3.2);
//   kStartTls  after writing the 220 before it, run the TLS handshake, then
//              call TlsStarted() (or close on failure);
//   kAuth      check `login` (user and password), then call AuthChecked()
//              with the address it belongs to or the error; input is only
//              buffered meanwhile, so nothing pipelined after AUTH runs
//              unauthenticated;
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
// kept exactly as received, and only CRLF "." CRLF ends the data. RFC 5321
// §2.3.8 lets CR and LF travel only together: a bare one rejects the message
// (or, if so configured, becomes CRLF), and a "." alone between line breaks
// that are not both CRLF -- where a lenient next hop would end the message
// (SMTP smuggling) -- closes the session.
//
// Thread-safety: not thread-safe; one instance per connection, used from that
// connection's strand.
#ifndef SEALPOST_SMTP_SERVER_PROTOCOL_H_
#define SEALPOST_SMTP_SERVER_PROTOCOL_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/byte_spool.h"
#include "base/memory_budget.h"
#include "base/status.h"
#include "mime/header_section.h"
#include "smtp/command.h"
#include "smtp/envelope.h"
#include "smtp/reply.h"
#include "smtp/sasl.h"

namespace sealpost::smtp {

// What a bare CR or LF does (RFC 5321 §2.3.8; Postfix's
// smtpd_forbid_bare_newline).
enum class BareNewline {
  // In the data: 550 5.5.2 once the data ends (the session goes on). Ending
  // a command line: 500 5.5.2 and close.
  kReject,
  // Rewritten to CRLF in the data, accepted at the end of a command. Not
  // byte-faithful for such mail.
  kNormalize,
};

// The longest line of a top-level header region accepted, CRLF included
// (mime::kMaxHeaderLine: GMime and readers after us agree up to it); a
// longer one gets 552 5.3.4 at the end of the data.
inline constexpr size_t kMaxHeaderLine = mime::kMaxHeaderLine;

struct ProtocolOptions {
  std::string hostname = "localhost";  // in the greeting and EHLO reply
  // SIZE (RFC 1870); larger messages get 552 5.3.4.
  uint64_t max_message_bytes = 35 * 1024 * 1024;
  // The header section, the empty line that ends it included, as GMime
  // holds it (mime::HeaderEnd::size(): to the first empty line, past lines
  // that are no field; smtp.max_header_bytes, issue 14: the protection
  // stage parses the message with GMime, which holds its header section
  // in memory, a header object per field). Past it, nothing
  // more of the message is kept, the rest of the data is read and
  // dropped, then 552 5.3.4.
  size_t max_header_bytes = 256 * 1024;
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
  BareNewline bare_newline = BareNewline::kReject;
  // AUTH PLAIN LOGIN (RFC 4954), offered and accepted only once TLS is
  // active: both send the password in the clear (RFC 4954 §4, RFC 8314 §3).
  bool auth_available = false;
  // 530 5.7.0 to MAIL until AUTH succeeded (a submission listener, RFC 6409
  // §4.3 and RFC 4954 §6).
  bool require_auth = false;
  // The client may send XFORWARD (smtp.xforward_hosts): offered in EHLO
  // and accepted; otherwise XFORWARD gets 550 5.7.0.
  bool xforward_allowed = false;
  // Failed AUTH attempts in a session before 421 and close.
  size_t max_auth_failures = 3;
  // Shared by every session (smtp.max_memory_bytes): the message buffer is
  // reserved from DATA on (its declared SIZE at once) and the reservation
  // travels with the kMessage action until the commit. No room at DATA:
  // 452 4.3.1 instead of 354; none left while the data arrives: the rest
  // is read and dropped, then 452 4.3.1. Null: not counted. Must outlive
  // the protocol.
  MemoryBudget* memory_budget = nullptr;
  // Opens a spool (queue/spool_file.h: an encrypted temporary file) for a
  // message once more than `spool_threshold` bytes of it have arrived
  // (issue 14): the rest goes there as it arrives, and the budget above
  // counts only what stays in memory (the first `spool_threshold` bytes
  // until the spool opens, then nothing once the data has ended). A spool
  // that cannot be opened or written (a full disk): the rest of the data
  // is read and dropped, then 452 4.3.1. Null: every message stays in
  // memory.
  std::function<Result<std::unique_ptr<ByteSpool>>()> open_spool;
  size_t spool_threshold = 256 * 1024;
  // Whether the data directory keeps its free-space floor after `bytes`
  // more (server.min_free_bytes, base/disk_space.h): asked at MAIL with
  // the declared SIZE (0 without one) and again at DATA; false gets 452
  // 4.3.1 (RFC 1870 §6.1), before any of the message is read. Null: not
  // asked.
  std::function<bool(uint64_t bytes)> disk_has_room;
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
  enum class Kind { kReply, kStartTls, kAuth, kMessage, kClose };
  Kind kind = Kind::kReply;
  Reply reply;          // kReply
  SaslLogin login;      // kAuth
  Envelope envelope;    // kMessage
  std::string message;  // kMessage: the unstuffed bytes, CRLF as received
  // kMessage: the memory budget `message` holds; keep it until committed.
  MemoryReservation reservation;
  // kMessage, for a message past ProtocolOptions::spool_threshold: its
  // bytes, instead of `message` (then empty).
  std::unique_ptr<ByteSpool> spool;
  // kReply: the answer at the end of DATA that refuses the message (the
  // protocol's own: size, header section, bare newline, line length,
  // storage), for the I/O layer's count; and whether it is the 552 for a
  // header section over ProtocolOptions::max_header_bytes, or the one for
  // a line of it over mime::kMaxHeaderLine, for its log.
  bool data_refused = false;
  bool header_too_big = false;
  bool header_line_too_long = false;
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
  // The verdict on the login of the last kAuth action: the address it
  // belongs to, UNAUTHENTICATED for wrong credentials (535),
  // RESOURCE_EXHAUSTED when the client or user is throttled, anything else
  // a temporary failure (454). Resumes processing buffered input.
  std::vector<Action> AuthChecked(const Result<std::string>& address);
  // The TLS handshake after kStartTls succeeded. RFC 3207 §4.2: the server
  // forgets everything the client said before, so EHLO must come again.
  void TlsStarted();
  // The I/O layer's read deadline expired: 421 4.4.2 and close.
  std::vector<Action> Timeout();

  bool closed() const { return phase_ == Phase::kClosed; }
  bool in_data() const { return phase_ == Phase::kData; }
  bool awaiting_commit() const { return phase_ == Phase::kAwaitCommit; }
  bool awaiting_tls() const { return phase_ == Phase::kAwaitTls; }
  bool awaiting_auth() const { return phase_ == Phase::kAwaitAuth; }
  // The address AUTH proved, or "".
  const std::string& auth_user() const { return auth_user_; }
  bool tls_active() const { return options_.tls_active; }
  // The transaction so far (for logging and tests).
  const Envelope& envelope() const { return envelope_; }

 private:
  enum class Phase {
    kCommand,
    kSasl,  // AUTH: the next line is a SASL response
    kData,
    kAwaitCommit,
    kAwaitAuth,
    kAwaitTls,
    kClosed
  };
  enum class Sasl { kPlain, kLoginUser, kLoginPassword };
  // The memory budget is taken ahead in steps of this many bytes.
  static constexpr int64_t kDataMemoryStep = 256 * 1024;

  void Process(std::vector<Action>& out);
  enum class LineStatus { kNone, kLine, kTooLong, kBareLf };
  // Takes the next command line (without CRLF) off the input. kNone: no
  // complete line yet; kTooLong: a line over the limit, discarded; kBareLf:
  // it ended in a bare LF and bare newlines are rejected.
  LineStatus NextCommandLine(std::string& line);
  // The line limit for what is buffered now: RFC 4954 §4 allows AUTH lines
  // and SASL responses of 12288 octets.
  size_t LineLimit() const;
  // Moves data bytes from the input into message_; true at CRLF "." CRLF,
  // or at a smuggling attempt (data_smuggling_).
  bool ConsumeData();
  // At a line start holding "."; false when more input is needed.
  enum class DotLine { kMore, kEnd, kSmuggling, kText };
  DotLine CheckDotLine();
  void AppendData(std::string_view bytes);
  // Lets go of the message so far (message_, spool_, the reservation).
  void DropData();
  // The spool failed: data_no_space_, and DropData.
  void NoSpace();
  void BareNewlineInData(char c);
  void StartLine(bool after_bare);
  void FinishData(std::vector<Action>& out);
  void HandleCommand(std::string_view line, std::vector<Action>& out);

  void OnEhlo(std::string_view args, bool esmtp, std::vector<Action>& out);
  void OnMail(std::string_view args, std::vector<Action>& out);
  void OnRcpt(std::string_view args, std::vector<Action>& out);
  // The path and parameters of MAIL FROM or RCPT TO (`prefix` "FROM:" or
  // "TO:"); nullopt once the error is sent: a malformed argument, or
  // parameters without EHLO (they are service extensions).
  std::optional<PathArgument> ReadPath(std::string_view args,
                                       std::string_view prefix,
                                       std::vector<Action>& out);
  void OnData(std::string_view args, std::vector<Action>& out);
  void OnStartTls(std::string_view args, std::vector<Action>& out);
  void OnXforward(std::string_view args, std::vector<Action>& out);
  void OnAuth(std::string_view args, std::vector<Action>& out);
  void OnSaslResponse(std::string_view line, std::vector<Action>& out);
  void SaslStep(Sasl step, const SecretBytes& response,
                std::vector<Action>& out);
  void Challenge(Sasl next, std::string_view base64, std::vector<Action>& out);
  void RequestAuth(SaslLogin login, std::vector<Action>& out);
  void AuthFailed(Reply reply, std::vector<Action>& out);

  void Send(std::vector<Action>& out, Reply reply);
  void Send(std::vector<Action>& out, int code, std::string_view enhanced,
            std::string_view text);
  void Close(std::vector<Action>& out, Reply reply);
  void ResetTransaction();

  ProtocolOptions options_;
  // Not owned (references and pointers below): must outlive this object.
  SessionPolicy* policy_;
  Phase phase_ = Phase::kCommand;

  std::string in_;  // unconsumed input starts at in_pos_
  size_t in_pos_ = 0;
  bool discarding_line_ = false;  // inside an over-long command line

  bool have_helo_ = false;
  std::string auth_user_;  // after AUTH succeeded
  size_t auth_failures_ = 0;
  Sasl sasl_ = Sasl::kPlain;     // in Phase::kSasl
  std::string sasl_user_;        // LOGIN: the user, while asking the password
  bool in_transaction_ = false;  // MAIL accepted
  Envelope envelope_;
  size_t errors_ = 0;

  // Data mode.
  std::string message_;
  bool data_line_start_ = true;
  bool data_after_bare_ = false;  // this line started after a bare CR/LF
  char data_bare_ = 0;            // the first bare '\r' or '\n', or 0
  bool data_smuggling_ = false;
  size_t data_line_length_ = 0;
  bool data_too_big_ = false;
  // The header section so far, and whether it went past max_header_bytes
  // (dropping the rest).
  mime::HeaderEnd data_header_;
  bool data_header_too_big_ = false;
  // A line of it over mime::kMaxHeaderLine (dropping the rest).
  bool data_header_line_too_long_ = false;
  bool data_line_too_long_ = false;
  bool data_no_memory_ = false;       // the budget ran out: dropping the rest
  bool data_no_space_ = false;        // the spool failed: dropping the rest
  uint64_t data_size_ = 0;            // bytes of this message so far
  std::unique_ptr<ByteSpool> spool_;  // past spool_threshold
  MemoryReservation data_reservation_;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_SERVER_PROTOCOL_H_
