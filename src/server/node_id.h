// This node's id among several sharing one store (docs/scaling.md): the
// name its queue leases and heartbeat carry. `server.node_id` when set;
// otherwise made once ("HOSTNAME-" and 8 random hex digits) and kept in
// DATA_DIR/node_id, so that a restart is the same node (it takes back its
// own leases at once) while two nodes on one machine, each with its own
// data directory, are two.
//
// Thread-safety: functions of no shared state.
#ifndef SEALPOST_SERVER_NODE_ID_H_
#define SEALPOST_SERVER_NODE_ID_H_

#include <string>
#include <string_view>

#include "base/config.h"
#include "base/status.h"

namespace sealpost::server {

// The machine's host name ("localhost" when it has none).
std::string HostName();

// OK for 1 to 64 characters of A-Z a-z 0-9 . _ -.
Status CheckNodeId(std::string_view id);

// server.node_id, else the id in DATA_DIR/node_id, made on first use.
Result<std::string> ResolveNodeId(const Config& config);

}  // namespace sealpost::server

#endif  // SEALPOST_SERVER_NODE_ID_H_
