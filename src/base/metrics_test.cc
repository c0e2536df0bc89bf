#include "base/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sealpost {
namespace {

using ::testing::HasSubstr;

TEST(MetricsTest, RendersPrometheusText) {
  MetricsRegistry r;
  r.GetCounter("sealpost_http_requests_total{code=\"200\"}", "Requests")
      ->Add(3);
  r.GetCounter("sealpost_http_requests_total{code=\"404\"}", "Requests")->Add();
  r.GetGauge("sealpost_queue_depth", "Queued")->Set(7);
  r.GetHistogram("sealpost_http_seconds", "Latency")->Observe(0.003);
  std::string text = r.Render();
  EXPECT_THAT(text, HasSubstr("# TYPE sealpost_http_requests_total counter\n"));
  // HELP/TYPE once per family.
  EXPECT_EQ(text.find("# TYPE sealpost_http_requests_total"),
            text.rfind("# TYPE sealpost_http_requests_total"));
  EXPECT_THAT(text,
              HasSubstr("sealpost_http_requests_total{code=\"200\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("sealpost_queue_depth 7\n"));
  EXPECT_THAT(text,
              HasSubstr("sealpost_http_seconds_bucket{le=\"0.0025\"} 0\n"));
  EXPECT_THAT(text,
              HasSubstr("sealpost_http_seconds_bucket{le=\"0.005\"} 1\n"));
  EXPECT_THAT(text, HasSubstr("sealpost_http_seconds_count 1\n"));
}

TEST(MetricsTest, SameNameSameObject) {
  MetricsRegistry r;
  EXPECT_EQ(r.GetCounter("a", "x"), r.GetCounter("a", "x"));
}

}  // namespace
}  // namespace sealpost
