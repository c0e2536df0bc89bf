// Logging: spdlog behind a small facade, as text or JSON lines.
//
// Never log a secret, a password, an OTP, a token or a message body: pass ids
// and sizes instead. SecretBytes has no formatter, so it cannot be logged by
// accident.
//
// Thread-safety: all functions may be called from any thread after Init.
#ifndef SEALPOST_BASE_LOG_H_
#define SEALPOST_BASE_LOG_H_

#include <fmt/core.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace sealpost::log {

enum class Level { kDebug, kInfo, kWarn, kError };
enum class Format { kText, kJson };

Result<Level> ParseLevel(std::string_view s);
Result<Format> ParseFormat(std::string_view s);

// Sets up the process-wide logger writing to stderr. Safe to call again.
void Init(Format format, Level level);

void Write(Level level, std::string_view message);

template <typename... Args>
void Debug(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Info(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Warn(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void Error(fmt::format_string<Args...> f, Args&&... args) {
  Write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sealpost::log

#endif  // SEALPOST_BASE_LOG_H_
