// IndexMerger on a real SQLite store: full batches merge, a smaller one
// only when everything is asked for, and the thread stops when told.
#include "search/index_merger.h"

#include <gtest/gtest.h>

#include "store/temp_store_for_testing.h"

namespace sealpost::search {
namespace {

void Protect(store::Store& s, int n) {
  store::NewProtectedMessage m;
  m.record.id = "m" + std::to_string(n);
  m.record.owner = "alice@example.com";
  m.record.template_id = "encrypt";
  m.record.recipients_json = "[\"bob@partner.test\"]";
  m.record.grants_json = "[]";
  m.record.created_at = 100 + n;
  m.audit = {0, 0, "alice@example.com", "protect", m.record.id, "ok", ""};
  m.index_terms = {1, 1000 + n};
  ASSERT_TRUE(s.AddProtectedMessage(m).ok());
}

int64_t Pending(store::Store& s) {
  auto size = s.CountSearchIndex();
  EXPECT_TRUE(size.ok());
  return size.ok() ? size->pending : -1;
}

TEST(IndexMergerTest, MergesFullBatchesAndTheRestWhenAsked) {
  FakeClock clock(1'800'000'000);
  store::testing::TempStore temp(clock);
  store::Store& s = *temp.store;
  for (int i = 0; i < 5; ++i) Protect(s, i);
  IndexMergerOptions options;
  options.batch = 2;
  IndexMerger merger(s, options);
  auto merged = merger.MergeNow(false);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, 4);  // two full batches; one message waits
  EXPECT_EQ(Pending(s), 1);
  merged = merger.MergeNow(true);
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(*merged, 1);
  EXPECT_EQ(Pending(s), 0);
  // Merged or not, every message is found.
  store::SearchQuery q{{1}};
  auto found = s.SearchMessages(q);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 5u);
}

TEST(IndexMergerTest, StopEndsTheWaitAndTheThreadMergesOnlyAfterItsPoll) {
  FakeClock clock(1'800'000'000);
  store::testing::TempStore temp(clock);
  Protect(*temp.store, 1);
  IndexMergerOptions options;
  options.poll = std::chrono::hours(1);
  IndexMerger merger(*temp.store, options);
  merger.Start();
  merger.Stop();  // the signal ends the hour's wait
  merger.Stop();  // and again, as the destructor does
  EXPECT_EQ(Pending(*temp.store), 1);
}

}  // namespace
}  // namespace sealpost::search
