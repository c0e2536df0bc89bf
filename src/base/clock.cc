#include "base/clock.h"

#include <time.h>

namespace sealpost {

int64_t Clock::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             Now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Get() {
  static const SystemClock clock;
  return clock;
}

FakeClock::FakeClock(int64_t unix_seconds)
    : now_(std::chrono::system_clock::time_point(
          std::chrono::seconds(unix_seconds))) {}

std::chrono::system_clock::time_point FakeClock::Now() const {
  MutexLock lock(&mu_);
  return now_;
}

void FakeClock::Advance(std::chrono::seconds by) {
  MutexLock lock(&mu_);
  now_ += by;
}

namespace {

std::string FormatUtc(int64_t unix_seconds, const char* format) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buf[64];
  strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string Rfc5322Date(int64_t unix_seconds) {
  return FormatUtc(unix_seconds, "%a, %d %b %Y %H:%M:%S +0000");
}

std::string FormatRfc3339(int64_t unix_seconds) {
  return FormatUtc(unix_seconds, "%Y-%m-%dT%H:%M:%SZ");
}

}  // namespace sealpost
