#include "base/metrics.h"

#include <fmt/core.h>

#include <set>

namespace sealpost {
namespace {

// Splits `name{labels}` into name and the label text inside the braces.
std::pair<std::string_view, std::string_view> SplitLabels(
    std::string_view full) {
  auto brace = full.find('{');
  if (brace == std::string_view::npos) return {full, {}};
  return {full.substr(0, brace),
          full.substr(brace + 1, full.size() - brace - 2)};
}

}  // namespace

void Histogram::Observe(double seconds) {
  size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(static_cast<uint64_t>(seconds * 1e6),
                        std::memory_order_relaxed);
}

std::string Histogram::Render(std::string_view name,
                              std::string_view labels) const {
  std::string out;
  std::string sep = labels.empty() ? "" : ",";
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= kBounds.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    std::string le = i < kBounds.size() ? fmt::format("{}", kBounds[i])
                                        : std::string("+Inf");
    out += fmt::format("{}_bucket{{{}{}le=\"{}\"}} {}\n", name, labels, sep, le,
                       cumulative);
  }
  std::string braces = labels.empty() ? "" : fmt::format("{{{}}}", labels);
  out += fmt::format("{}_sum{} {}\n", name, braces,
                     sum_micros_.load(std::memory_order_relaxed) / 1e6);
  out += fmt::format("{}_count{} {}\n", name, braces,
                     count_.load(std::memory_order_relaxed));
  return out;
}

MetricsRegistry::Entry* MetricsRegistry::Find(std::string_view name) {
  for (auto& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

Counter* MetricsRegistry::GetCounter(std::string_view name,
                                     std::string_view help) {
  MutexLock lock(&mu_);
  if (Entry* e = Find(name)) return e->counter.get();
  entries_.push_back({std::string(name), std::string(help), Entry::kCounter,
                      std::make_unique<Counter>(), nullptr, nullptr});
  return entries_.back().counter.get();
}

Gauge* MetricsRegistry::GetGauge(std::string_view name, std::string_view help) {
  MutexLock lock(&mu_);
  if (Entry* e = Find(name)) return e->gauge.get();
  entries_.push_back({std::string(name), std::string(help), Entry::kGauge,
                      nullptr, std::make_unique<Gauge>(), nullptr});
  return entries_.back().gauge.get();
}

Histogram* MetricsRegistry::GetHistogram(std::string_view name,
                                         std::string_view help) {
  MutexLock lock(&mu_);
  if (Entry* e = Find(name)) return e->histogram.get();
  entries_.push_back({std::string(name), std::string(help), Entry::kHistogram,
                      nullptr, nullptr, std::make_unique<Histogram>()});
  return entries_.back().histogram.get();
}

std::string MetricsRegistry::Render() const {
  MutexLock lock(&mu_);
  std::string out;
  std::set<std::string, std::less<>> described;
  for (const auto& e : entries_) {
    auto [base, labels] = SplitLabels(e.name);
    if (described.insert(std::string(base)).second) {
      static constexpr std::string_view kTypes[] = {"counter", "gauge",
                                                    "histogram"};
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", base, e.help, base,
                         kTypes[e.kind]);
    }
    switch (e.kind) {
      case Entry::kCounter:
        out += fmt::format("{} {}\n", e.name, e.counter->value());
        break;
      case Entry::kGauge:
        out += fmt::format("{} {}\n", e.name, e.gauge->value());
        break;
      case Entry::kHistogram:
        out += e.histogram->Render(base, labels);
        break;
    }
  }
  return out;
}

}  // namespace sealpost
