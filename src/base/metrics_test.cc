#include "base/metrics.h"

#include <gtest/gtest.h>

namespace sealpost {
namespace {

TEST(MetricsTest, RendersPrometheusText) {
  MetricsRegistry r;
  r.GetCounter("sealpost_http_requests_total{code=\"200\"}", "Requests")
      ->Add(3);
  r.GetCounter("sealpost_http_requests_total{code=\"404\"}", "Requests")->Add();
  r.GetGauge("sealpost_queue_depth", "Queued")->Set(7);
  r.GetHistogram("sealpost_http_seconds", "Latency")->Observe(0.003);
  std::string text = r.Render();
  EXPECT_NE(text.find("# TYPE sealpost_http_requests_total counter\n"),
            std::string::npos);
  // HELP/TYPE once per family.
  EXPECT_EQ(text.find("# TYPE sealpost_http_requests_total"),
            text.rfind("# TYPE sealpost_http_requests_total"));
  EXPECT_NE(text.find("sealpost_http_requests_total{code=\"200\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("sealpost_queue_depth 7\n"), std::string::npos);
  EXPECT_NE(text.find("sealpost_http_seconds_bucket{le=\"0.0025\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("sealpost_http_seconds_bucket{le=\"0.005\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("sealpost_http_seconds_count 1\n"), std::string::npos);
}

TEST(MetricsTest, SameNameSameObject) {
  MetricsRegistry r;
  EXPECT_EQ(r.GetCounter("a", "x"), r.GetCounter("a", "x"));
}

}  // namespace
}  // namespace sealpost
