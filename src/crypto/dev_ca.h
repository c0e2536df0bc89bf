// Dev-mode certificates: a self-signed CA and a server certificate it signs,
// for localhost, 127.0.0.1 and ::1. Used by `sealpost server -dev` only.
//
// Thread-safety: free function.
#ifndef SEALPOST_CRYPTO_DEV_CA_H_
#define SEALPOST_CRYPTO_DEV_CA_H_

#include <string>

#include "base/status.h"

namespace sealpost::crypto {

struct DevCaFiles {
  std::string ca_cert;      // DIR/ca.pem
  std::string ca_key;       // DIR/ca.key (0600)
  std::string server_cert;  // DIR/server.pem (leaf + CA)
  std::string server_key;   // DIR/server.key (0600)
};

// Creates the four files in `dir` (EC P-256 keys, SHA-256 signatures).
Result<DevCaFiles> CreateDevCa(const std::string& dir);

}  // namespace sealpost::crypto

#endif  // SEALPOST_CRYPTO_DEV_CA_H_
