// The systemd notification protocol (sd_notify(3)), without libsystemd: one
// datagram of "KEY=VALUE" lines to the AF_UNIX socket named by
// $NOTIFY_SOCKET (a path, or "@name" in the abstract namespace). It lets the
// unit be Type=notify: systemd counts the service as started only once the
// server says READY=1, after its listeners are bound.
//
// Thread-safety: free function; safe from any thread.
#ifndef SEALPOST_BASE_SD_NOTIFY_H_
#define SEALPOST_BASE_SD_NOTIFY_H_

#include <string_view>

#include "base/status.h"

namespace sealpost {

// Sends `state` (e.g. "READY=1\nSTATUS=serving") when $NOTIFY_SOCKET is set;
// OK and nothing sent when it is not (not started by systemd).
Status NotifySystemd(std::string_view state);

}  // namespace sealpost

#endif  // SEALPOST_BASE_SD_NOTIFY_H_
