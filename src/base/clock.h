// Clock: the one source of "now", so tests can move time (expiry, OTP
// validity, retry backoff) without sleeping.
//
// Thread-safety: SystemClock is stateless; FakeClock is guarded by a mutex.
#ifndef SEALPOST_BASE_CLOCK_H_
#define SEALPOST_BASE_CLOCK_H_

#include <chrono>
#include <cstdint>
#include <string>

#include "base/thread_annotations.h"

namespace sealpost {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  // Seconds since the Unix epoch.
  int64_t NowUnix() const;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  static const SystemClock& Get();
};

class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_seconds);
  std::chrono::system_clock::time_point Now() const override;
  void Advance(std::chrono::seconds by);

 private:
  mutable Mutex mu_;
  std::chrono::system_clock::time_point now_ SP_GUARDED_BY(mu_);
};

// RFC 3339 UTC, e.g. "2026-11-29T09:10:10Z".
std::string FormatRfc3339(int64_t unix_seconds);
// "Wed, 02 Dec 2026 17:04:12 +0000" (RFC 5322 §3.3), for Date fields.
std::string Rfc5322Date(int64_t unix_seconds);

}  // namespace sealpost

#endif  // SEALPOST_BASE_CLOCK_H_
