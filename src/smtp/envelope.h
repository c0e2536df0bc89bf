// Envelope: what an SMTP transaction says about a message besides its bytes:
// the reverse-path, the forward-paths and the ESMTP parameters that travel
// with them (SIZE RFC 1870, BODY RFC 6152, SMTPUTF8 RFC 6531, DSN RFC 3461).
// The protocol state machine fills it in; the queue keeps it.
//
// Thread-safety: value types.
#ifndef SEALPOST_SMTP_ENVELOPE_H_
#define SEALPOST_SMTP_ENVELOPE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sealpost::smtp {

// RFC 3461 §4.1 NOTIFY, as bits; 0 means "not given" (the MTA then behaves
// as for FAILURE,DELAY).
inline constexpr uint8_t kNotifyNever = 1;
inline constexpr uint8_t kNotifySuccess = 2;
inline constexpr uint8_t kNotifyFailure = 4;
inline constexpr uint8_t kNotifyDelay = 8;

struct Recipient {
  std::string address;  // forward-path without <> (source route dropped)
  uint8_t notify = 0;   // kNotify* bits
  std::string orcpt;    // RFC 3461 §4.2 "addr-type;xtext", as received
  friend bool operator==(const Recipient&, const Recipient&) = default;
};

// What an authorized proxy in front (Postfix with smtp_send_xforward_command)
// says about the client it received the message from (Postfix's
// XFORWARD_README). Empty fields were not sent, or were [UNAVAILABLE] or
// [TEMPUNAVAIL]; values are xtext-decoded and checked by the protocol.
struct ForwardedClient {
  std::string name;    // NAME: the client's host name (verified by the proxy)
  std::string addr;    // ADDR: its IP address, without an "IPv6:" prefix
  std::string port;    // PORT: its TCP port
  std::string helo;    // HELO: the name it gave in HELO/EHLO
  std::string proto;   // PROTO: SMTP or ESMTP
  std::string ident;   // IDENT: the proxy's queue id
  std::string source;  // SOURCE: LOCAL or REMOTE
  bool empty() const {
    return name.empty() && addr.empty() && port.empty() && helo.empty() &&
           proto.empty() && ident.empty() && source.empty();
  }
  friend bool operator==(const ForwardedClient&,
                         const ForwardedClient&) = default;
};

enum class BodyType { kUnspecified, k7Bit, k8BitMime };
enum class DsnReturn { kUnspecified, kFull, kHeaders };  // RFC 3461 §4.3

struct Envelope {
  std::string helo;    // the EHLO/HELO argument
  bool esmtp = false;  // EHLO rather than HELO
  bool tls = false;    // the transaction ran over TLS
  // RFC 4954: the address AUTH proved for this session, "" if none.
  std::string auth_user;
  std::string mail_from;  // "" is the null reverse-path <>
  std::vector<Recipient> recipients;
  BodyType body = BodyType::kUnspecified;
  bool smtputf8 = false;
  std::optional<uint64_t> declared_size;  // MAIL FROM SIZE=
  DsnReturn ret = DsnReturn::kUnspecified;
  std::string envid;  // RFC 3461 §4.4, xtext as received
  // XFORWARD before this transaction's MAIL (reset when it ends).
  ForwardedClient forwarded;
  friend bool operator==(const Envelope&, const Envelope&) = default;
};

}  // namespace sealpost::smtp

#endif  // SEALPOST_SMTP_ENVELOPE_H_
