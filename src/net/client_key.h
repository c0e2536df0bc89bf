// The key by which per-client limits (connections, passcodes, sign-ins,
// portal mail) count a client address. One IPv4 address is one client; an
// IPv6 client is its /64, because one subscriber gets a whole /64 (RFC
// 6177) and would otherwise have 2^64 fresh addresses to rotate through.
// And whether a client address is this host's loopback (what /metrics
// serves without a token).
//
// Thread-safety: a pure function.
#ifndef SEALPOST_NET_CLIENT_KEY_H_
#define SEALPOST_NET_CLIENT_KEY_H_

#include <string>
#include <string_view>

namespace sealpost::net {

// "192.0.2.7" -> "192.0.2.7"; "::ffff:192.0.2.7" -> "192.0.2.7";
// "2001:db8:1:2:3:4:5:6" -> "2001:db8:1:2::/64". Text that is not an IP
// address is its own key.
std::string ClientKey(std::string_view address);

// Whether `address`, a peer's address as the listener gives it, is a
// loopback address: 127.0.0.0/8, ::1, or 127.0.0.0/8 mapped into IPv6
// ("::ffff:127.0.0.1", an IPv4 client of a dual-stack listener). Text that
// is not an IP address (an empty one: the peer was not known) is not.
bool IsLoopbackAddress(std::string_view address);

}  // namespace sealpost::net

#endif  // SEALPOST_NET_CLIENT_KEY_H_
