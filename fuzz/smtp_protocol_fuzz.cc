// libFuzzer target for the SMTP server state machine (smtp/server_protocol.h)
// and the SASL decoding it runs for AUTH (smtp/sasl.h): arbitrary client
// bytes, split into arbitrary chunks, under options chosen by the first
// bytes. Checks the invariants the I/O layer relies on. Run with the
// dictionary and seeds beside it (`make fuzz` does): smtp_protocol_fuzz.dict,
// corpus/smtp_protocol_fuzz/.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "mime/gmime_header_size_for_testing.h"
#include "mime/header_section.h"
#include "smtp/sasl.h"
#include "smtp/server_protocol.h"

namespace {

using sealpost::Result;
using sealpost::SecretBytes;
using sealpost::UnauthenticatedError;
using sealpost::smtp::Action;
using sealpost::smtp::BareNewline;
using sealpost::smtp::ProtocolOptions;
using sealpost::smtp::Reply;
using sealpost::smtp::ServerProtocol;

void Check(bool ok) {
  if (!ok) std::abort();
}

// RFC 5321 §2.3.8: whatever came in, a message handed on holds CR and LF
// only as CRLF pairs (so no next hop can find a smuggled end in it).
bool OnlyCrlf(std::string_view m) {
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == '\r' && (i + 1 == m.size() || m[i + 1] != '\n')) return false;
    if (m[i] == '\n' && (i == 0 || m[i - 1] != '\r')) return false;
  }
  return true;
}

// Nothing a header field could be broken with: printable ASCII, no space.
bool Printable(std::string_view s) {
  for (char c : s) {
    if (c < 33 || c > 126) return false;
  }
  return true;
}

// The fields GMime reads in our Received field, the empty line the queue
// may put after it and `message` are our Received field and what GMime
// reads in `message` alone, by name (a field of no name, " : x" first,
// continues ours instead; the fields after it are read alike).
bool DeliveredFieldsAreOurs(std::string_view message) {
  const std::string delivered =
      "Received: from fuzz.test\r\n\tby mx.test; Sat, 5 Dec 2026\r\n" +
      std::string(sealpost::mime::SeparatorAfterAddedFields(message)) +
      std::string(message);
  std::vector<std::string> ours = sealpost::mime::GMimeFieldNames(message);
  std::vector<std::string> read = sealpost::mime::GMimeFieldNames(delivered);
  std::erase(ours, "");
  std::erase(read, "");
  ours.insert(ours.begin(), "Received");
  return read == ours;
}

struct Session {
  ServerProtocol& p;
  const ProtocolOptions& o;
  bool granted = false;  // AuthChecked was given an address
};

// Returns false once the session is closed.
bool Handle(Session& s, std::vector<Action> actions, int depth = 0) {
  bool open = true;
  for (Action& a : actions) {
    Check(open);  // nothing may follow kClose
    switch (a.kind) {
      case Action::Kind::kReply: {
        Check(a.reply.code >= 200 && a.reply.code <= 599);
        std::string wire = a.reply.Wire();
        Check(wire.size() >= 6 && wire.ends_with("\r\n"));
        break;
      }
      case Action::Kind::kMessage:
        Check(a.message.size() <= s.o.max_message_bytes);
        Check(!a.envelope.recipients.empty());
        Check(a.envelope.recipients.size() <= s.o.max_recipients);
        Check(s.p.awaiting_commit());
        Check(OnlyCrlf(a.message));
        // smtp.max_header_bytes, over the header section that GMime's
        // parser holds (the protection stage's).
        Check(sealpost::mime::GMimeHeaderSize(a.message) <=
              s.o.max_header_bytes);
        // As the queue delivers it, with our Received field in front (issue
        // 14): a GMime reader after us reads the client's fields as GMime
        // read them on our side, and none when it made no message of them.
        Check(DeliveredFieldsAreOurs(a.message));
        // XFORWARD only from an authorized proxy, and what it forwards is
        // safe to put into a header field.
        Check(a.envelope.forwarded.empty() || s.o.xforward_allowed);
        Check(Printable(a.envelope.forwarded.helo));
        Check(Printable(a.envelope.forwarded.ident));
        Check(Printable(a.envelope.forwarded.name));
        Check(Printable(a.envelope.forwarded.addr));
        // A login only ever comes from a granted AUTH.
        Check(a.envelope.auth_user.empty() || s.granted);
        Check(!s.o.require_auth || !a.envelope.auth_user.empty());
        if (depth < 64) {
          // Alternate success and temporary failure.
          Reply r = a.message.size() % 2 == 0
                        ? Reply::Make(250, "2.0.0", "OK")
                        : Reply::Make(451, "4.3.0", "Try later");
          open = Handle(s, s.p.Committed(r), depth + 1) && open;
        }
        break;
      case Action::Kind::kAuth: {
        // RFC 4954 §4: never a password before TLS.
        Check(s.o.auth_available && s.p.tls_active());
        Check(s.p.awaiting_auth());
        Check(sealpost::smtp::CheckSaslUser(a.login.user).ok());
        Check(!a.login.password.empty());
        Check(a.login.password.size() <= sealpost::smtp::kMaxSaslPassword);
        if (depth < 64) {
          const bool grant = a.login.password.size() % 2 == 0;
          s.granted = s.granted || grant;
          Result<std::string> verdict =
              grant ? Result<std::string>(a.login.user)
                    : Result<std::string>(UnauthenticatedError("no"));
          open = Handle(s, s.p.AuthChecked(verdict), depth + 1) && open;
        }
        break;
      }
      case Action::Kind::kStartTls:
        Check(s.p.awaiting_tls());
        s.p.TlsStarted();
        break;
      case Action::Kind::kClose:
        Check(s.p.closed());
        open = false;
        break;
    }
  }
  return open;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  ProtocolOptions o;
  o.tls_available = data[0] & 1;
  o.require_tls = data[0] & 2;
  o.tls_active = data[0] & 4;
  o.max_message_bytes = (data[0] & 8) ? 64 : 4096;
  // With room for a message, a header section limit that is reached.
  o.max_header_bytes = (data[0] & 8) ? 4096 : 300;
  o.max_recipients = (data[0] & 16) ? 2 : 100;
  o.max_data_line = (data[0] & 32) ? 80 : 1000;
  o.max_command_line = (data[0] & 64) ? 40 : 512;
  o.auth_available = data[0] & 128;
  o.bare_newline =
      (data[1] & 64) ? BareNewline::kNormalize : BareNewline::kReject;
  o.require_auth = data[1] & 128;
  o.max_pending_input = 256;
  o.xforward_allowed = data[1] & 32;
  const size_t chunk = 1 + (data[1] & 31);
  ServerProtocol p(o);
  Session s{p, o};
  if (!Handle(s, p.Start())) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  for (size_t off = 0; off < in.size(); off += chunk) {
    if (!Handle(s, p.Feed(in.substr(off, chunk)))) {
      Check(p.Feed("NOOP\r\n").empty());
      return 0;
    }
  }
  // The same bytes as one SASL PLAIN message: parsing never crashes, and
  // a login it yields is well formed.
  auto login =
      sealpost::smtp::ParseSaslPlain(SecretBytes::FromStringInsecure(in));
  if (login.ok()) Check(sealpost::smtp::CheckSaslUser(login->user).ok());
  Handle(s, p.Timeout());
  Check(p.closed());
  return 0;
}
