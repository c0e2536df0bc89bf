// libFuzzer target for the SMTP server state machine (smtp/server_protocol.h):
// arbitrary client bytes, split into arbitrary chunks, under options chosen
// by the first bytes. Checks the invariants the I/O layer relies on.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "smtp/server_protocol.h"

namespace {

using sealpost::smtp::Action;
using sealpost::smtp::ProtocolOptions;
using sealpost::smtp::Reply;
using sealpost::smtp::ServerProtocol;

void Check(bool ok) {
  if (!ok) std::abort();
}

// Returns false once the session is closed.
bool Handle(ServerProtocol& p, const ProtocolOptions& o,
            std::vector<Action> actions, int depth = 0) {
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
        Check(a.message.size() <= o.max_message_bytes);
        Check(!a.envelope.recipients.empty());
        Check(a.envelope.recipients.size() <= o.max_recipients);
        Check(p.awaiting_commit());
        if (depth < 64) {
          // Alternate success and temporary failure.
          Reply r = a.message.size() % 2 == 0
                        ? Reply::Make(250, "2.0.0", "OK")
                        : Reply::Make(451, "4.3.0", "Try later");
          open = Handle(p, o, p.Committed(r), depth + 1) && open;
        }
        break;
      case Action::Kind::kStartTls:
        Check(p.awaiting_tls());
        p.TlsStarted();
        break;
      case Action::Kind::kClose:
        Check(p.closed());
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
  o.max_recipients = (data[0] & 16) ? 2 : 100;
  o.max_data_line = (data[0] & 32) ? 80 : 1000;
  o.max_command_line = (data[0] & 64) ? 40 : 512;
  o.max_pending_input = 256;
  const size_t chunk = 1 + data[1] % 64;
  ServerProtocol p(o);
  if (!Handle(p, o, p.Start())) return 0;
  std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  for (size_t off = 0; off < in.size(); off += chunk) {
    if (!Handle(p, o, p.Feed(in.substr(off, chunk)))) {
      Check(p.Feed("NOOP\r\n").empty());
      return 0;
    }
  }
  Handle(p, o, p.Timeout());
  Check(p.closed());
  return 0;
}
