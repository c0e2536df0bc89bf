// Test-only: loads the python-made vectors of tests/data/format/ (written by
// make_vectors.py), so C++ tests check our code against an independent
// implementation. Include from *_test.cc files only.
//
// Thread-safety: pure functions.
#ifndef SEALPOST_CRYPTO_FORMAT_VECTORS_FOR_TESTING_H_
#define SEALPOST_CRYPTO_FORMAT_VECTORS_FOR_TESTING_H_

#include <cstddef>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "base/encoding.h"

#ifndef SEALPOST_FORMAT_VECTORS_DIR
#error "define SEALPOST_FORMAT_VECTORS_DIR to tests/data/format"
#endif

namespace sealpost::testing {

inline std::string ReadFormatFile(const std::string& name) {
  std::ifstream in(std::string(SEALPOST_FORMAT_VECTORS_DIR) + "/" + name,
                   std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// vectors.txt as name -> decoded bytes; empty map if missing.
inline std::map<std::string, std::string> LoadFormatVectors() {
  std::map<std::string, std::string> out;
  std::istringstream in(ReadFormatFile("vectors.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find(" = ");
    if (eq == std::string::npos) continue;
    auto value = HexDecode(line.substr(eq + 3));
    if (value.ok()) out[line.substr(0, eq)] = *value;
  }
  return out;
}

// The deterministic plaintext make_vectors.py calls pattern(n).
inline std::string Pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) % 256);
  return s;
}

}  // namespace sealpost::testing

#endif  // SEALPOST_CRYPTO_FORMAT_VECTORS_FOR_TESTING_H_
