// The admin dashboard's counts and the sent page's "Opened by" details, on
// both engines (StoreEngineTest, store_engines_for_testing.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/metrics.h"
#include "store/queue_batches_for_testing.h"
#include "store/store_engines_for_testing.h"

namespace sealpost::store {
namespace {

int64_t CountOf(const std::vector<ActivityCount>& counts, std::string_view key,
                int64_t bucket) {
  for (const auto& c : counts) {
    if (c.key == key && c.bucket == bucket) return c.count;
  }
  return 0;
}

TEST_P(StoreEngineTest, AnOpenKeepsItsDeviceKindAndSignIn) {
  auto store = std::move(Open()).value();
  AuditRecord open{0,    0,         "carol@gmail.test",    "license.acquire",
                   "m1", "granted", "rights=VIEW (portal)"};
  open.device = "mobile";
  open.sign_in = "passcode";
  ASSERT_TRUE(store->AppendAudit(open).ok());
  AuditRecord cached = open;
  cached.device = "tablet";
  cached.sign_in = "oidc";
  ASSERT_TRUE(store->AppendAudits({cached}).ok());
  ASSERT_TRUE(
      store->AppendAudit({0, 0, "admin", "settings.set", "irm", "ok", ""})
          .ok());
  auto m1 = *store->ListAudit("m1", 10);
  ASSERT_EQ(m1.size(), 2u);
  EXPECT_EQ(m1[0].device, "tablet");  // newest first
  EXPECT_EQ(m1[0].sign_in, "oidc");
  EXPECT_EQ(m1[1].device, "mobile");
  EXPECT_EQ(m1[1].sign_in, "passcode");
  auto other = *store->ListAudit("irm", 10);
  ASSERT_EQ(other.size(), 1u);
  EXPECT_EQ(other[0].device, "");
  EXPECT_EQ(other[0].sign_in, "");
}

TEST_P(StoreEngineTest, ActivityIsCountedPerBucketFromTheStore) {
  auto store = std::move(Open()).value();
  const int64_t since = 1'800'000'000;
  const int64_t hour = 3600;
  // Audit: two opens in the first hour, one in the third, one refusal, one
  // before `since` (not counted), and another action.
  for (int64_t at : {since, since + 10, since + 2 * hour + 5, since - 1}) {
    ASSERT_TRUE(store
                    ->AppendAudit({0, at, "c@x.test", "license.acquire", "m",
                                   "granted", ""})
                    .ok());
  }
  ASSERT_TRUE(store
                  ->AppendAudit({0, since + 20, "c@x.test", "license.acquire",
                                 "m", "refused", ""})
                  .ok());
  ASSERT_TRUE(store
                  ->AppendAudit(
                      {0, since + 30, "admin", "message.revoke", "m", "ok", ""})
                  .ok());
  auto opens = store->CountAuditActivity("license.acquire", since, hour);
  ASSERT_TRUE(opens.ok()) << opens.status().ToString();
  EXPECT_EQ(CountOf(*opens, "granted", 0), 2);
  EXPECT_EQ(CountOf(*opens, "granted", 2), 1);
  EXPECT_EQ(CountOf(*opens, "refused", 0), 1);
  EXPECT_EQ(opens->size(), 3u);

  // Protected messages per template.
  for (int i = 0; i < 4; ++i) {
    ProtectedMessageRecord m;
    m.id = "p" + std::to_string(i);
    m.owner = "alice@example.com";
    m.template_id = i < 3 ? "encrypt" : "dnf";
    m.recipients_json = "[]";
    m.grants_json = "[]";
    m.created_at = i == 0 ? since - 5 : since + i * hour;
    ASSERT_TRUE(store->AddProtectedMessage(testing::AsNew(m)).ok());
  }
  auto made = *store->CountProtectedActivity(since, hour);
  EXPECT_EQ(CountOf(made, "encrypt", 1), 1);
  EXPECT_EQ(CountOf(made, "encrypt", 2), 1);
  EXPECT_EQ(CountOf(made, "dnf", 3), 1);
  EXPECT_EQ(made.size(), 3u);

  // Queue trace events (milliseconds in the table).
  QueueBatch batch;
  batch.events.push_back({0, "q1", since * 1000 + 1, "a@x.test", "deferred"});
  batch.events.push_back({0, "q1", since * 1000 + 2, "b@x.test", "deferred"});
  batch.events.push_back(
      {0, "q1", (since + hour) * 1000, "a@x.test", "bounced"});
  batch.events.push_back({0, "q1", since * 1000 - 1, "a@x.test", "deferred"});
  ASSERT_TRUE(store->CommitQueueBatch(batch).ok());
  auto deferred = *store->CountQueueActivity("deferred", since, hour);
  ASSERT_EQ(deferred.size(), 1u);
  EXPECT_EQ(CountOf(deferred, "deferred", 0), 2);
  auto bounced = *store->CountQueueActivity("bounced", since, hour);
  EXPECT_EQ(CountOf(bounced, "bounced", 1), 1);

  EXPECT_FALSE(store->CountAuditActivity("x", since, 0).ok());
}

TEST_P(StoreEngineTest, WrittenAuditRecordsAreCountedForMetrics) {
  auto store = std::move(Open()).value();
  MetricsRegistry metrics;
  store->SetAuditMetrics(&metrics);
  ASSERT_TRUE(
      store->AppendAudit({0, 0, "c@x.test", "license.acquire", "m", "granted"})
          .ok());
  ASSERT_TRUE(
      store
          ->AppendAudits({{0, 0, "c@x.test", "portal.otp", "m", "sent"},
                          {0, 0, "c@x.test", "portal.otp", "m", "sent"}})
          .ok());
  NewProtectedMessage m;
  m.record = {"p1", "alice@example.com", "encrypt", "[]", "[]", 1};
  m.audit = {0, 0, "alice@example.com", "protect", "p1", "ok"};
  ASSERT_TRUE(store->AddProtectedMessage(m).ok());
  store->SetAuditMetrics(nullptr);
  ASSERT_TRUE(
      store->AppendAudit({0, 0, "c@x.test", "license.acquire", "m", "granted"})
          .ok());
  const std::string text = metrics.Render();
  EXPECT_NE(text.find("sealpost_audit_records_total{action=\"license.acquire\","
                      "result=\"granted\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("sealpost_audit_records_total{action=\"portal.otp\","
                      "result=\"sent\"} 2\n"),
            std::string::npos);
  EXPECT_NE(text.find("sealpost_audit_records_total{action=\"protect\","
                      "result=\"ok\"} 1\n"),
            std::string::npos);
}

TEST_P(StoreEngineTest, ProtectedMessagesFilterByCreationDateRange) {
  auto store = std::move(Open()).value();
  for (int i = 0; i < 5; ++i) {
    ProtectedMessageRecord m;
    m.id = "d" + std::to_string(i);
    m.owner = "alice@example.com";
    m.template_id = "encrypt";
    m.recipients_json = "[]";
    m.grants_json = "[]";
    m.created_at = 86400 * (10 + i);
    ASSERT_TRUE(store->AddProtectedMessage(testing::AsNew(m)).ok());
  }
  ProtectedMessageQuery q;
  q.owner = "alice@example.com";
  q.since = 86400 * 11;
  q.until = 86400 * 13;  // days 11 and 12
  q.limit = 1;
  auto first = *store->QueryProtectedMessages(q);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, "d2");
  q.before_created_at = first[0].created_at;
  q.before_id = first[0].id;
  auto second = *store->QueryProtectedMessages(q);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, "d1");
  q.before_created_at = second[0].created_at;
  q.before_id = second[0].id;
  EXPECT_TRUE(store->QueryProtectedMessages(q)->empty());
}

}  // namespace
}  // namespace sealpost::store
