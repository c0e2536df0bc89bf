// Metrics: counters, gauges and latency histograms, exposed at /metrics in
// the Prometheus text format (version 0.0.4).
//
// Thread-safety: all members are safe to call from any thread; registration
// takes a mutex, updates are lock-free atomics.
#ifndef SEALPOST_BASE_METRICS_H_
#define SEALPOST_BASE_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "base/thread_annotations.h"

namespace sealpost {

class Counter {
 public:
  void Add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

class Gauge {
 public:
  void Set(int64_t v) { v_.store(v, std::memory_order_relaxed); }
  void Add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// Latency histogram in seconds with fixed buckets from 0.5 ms to 10 s.
class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  void Observe(double seconds);
  std::string Render(std::string_view name, std::string_view labels) const;

 private:
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_micros_{0};
};

class MetricsRegistry {
 public:
  // name may carry labels: `sealpost_http_requests_total{code="200"}`.
  // Returns the same object for the same name; pointers stay valid.
  Counter* GetCounter(std::string_view name, std::string_view help);
  Gauge* GetGauge(std::string_view name, std::string_view help);
  Histogram* GetHistogram(std::string_view name, std::string_view help);
  std::string Render() const;

 private:
  struct Entry {
    std::string name;  // with labels
    std::string help;
    enum Kind { kCounter, kGauge, kHistogram } kind;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::unique_ptr<Histogram> histogram;
  };
  Entry* Find(std::string_view name) SP_REQUIRES(mu_);
  mutable Mutex mu_;
  std::deque<Entry> entries_ SP_GUARDED_BY(mu_);
};

}  // namespace sealpost

#endif  // SEALPOST_BASE_METRICS_H_
