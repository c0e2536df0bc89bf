#include "server/node_id.h"

#include <unistd.h>

#include "base/encoding.h"
#include "base/files.h"
#include "base/strings.h"
#include "crypto/random.h"

namespace sealpost::server {
namespace {

constexpr size_t kMaxNodeId = 64;

bool NodeIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

std::string HostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') {
    return "localhost";
  }
  return buf;
}

Status CheckNodeId(std::string_view id) {
  if (id.empty() || id.size() > kMaxNodeId) {
    return InvalidArgumentError("server.node_id: expected 1 to 64 characters");
  }
  for (char c : id) {
    if (!NodeIdChar(c)) {
      return InvalidArgumentError(
          "server.node_id: only letters, digits, '.', '_' and '-'");
    }
  }
  return Status::Ok();
}

Result<std::string> ResolveNodeId(const Config& config) {
  if (!config.node_id.empty()) {
    SP_RETURN_IF_ERROR(CheckNodeId(config.node_id));
    return config.node_id;
  }
  const std::string path = config.data_dir + "/node_id";
  if (FileExists(path)) {
    SP_ASSIGN_OR_RETURN(std::string kept, ReadFile(path));
    while (!kept.empty() && (kept.back() == '\n' || kept.back() == '\r')) {
      kept.pop_back();
    }
    SP_RETURN_IF_ERROR(CheckNodeId(kept).WithContext(path));
    return kept;
  }
  // The host name's first label, in the characters an id allows.
  std::string host;
  for (char c : HostName()) {
    if (c == '.' || host.size() >= kMaxNodeId - 9) break;
    host += NodeIdChar(c) ? c : '-';
  }
  if (host.empty()) host = "node";
  SecretBytes r = crypto::RandomBytes(4);
  std::string id = host + "-" + HexEncode(r.InsecureBytes());
  SP_RETURN_IF_ERROR(WriteFileAtomic(path, id + "\n"));
  return id;
}

}  // namespace sealpost::server
