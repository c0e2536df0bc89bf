#include "portal/view_cache.h"

#include <gtest/gtest.h>

namespace sealpost::portal {
namespace {

ViewCache::Entry Page(std::string body, int64_t expires_ms,
                      uint64_t generation) {
  return {.response = {.body = std::move(body)},
          .email = "ext@gmail.test",
          .message_id = "m1",
          .expires_ms = expires_ms,
          .generation = generation};
}

TEST(ViewCacheTest, HitUntilExpiryOrARightsChange) {
  ViewCache cache;
  cache.Put("s1", "/m/m1", Page("page", 30'000, 7));
  ASSERT_TRUE(cache.Get("s1", "/m/m1", 1'000, 7).has_value());
  EXPECT_EQ(cache.Get("s1", "/m/m1", 1'000, 7)->response.body, "page");
  EXPECT_TRUE(cache.Contains("s1", "/m/m1", 29'999, 7));
  EXPECT_FALSE(cache.Contains("s1", "/m/m1", 30'000, 7));  // expired
  EXPECT_FALSE(cache.Contains("s1", "/m/m1", 1'000, 8));   // revoked since
  EXPECT_FALSE(cache.Contains("s2", "/m/m1", 1'000, 7));   // other session
  EXPECT_FALSE(cache.Contains("s1", "/m/m1?images=1", 1'000, 7));
}

TEST(ViewCacheTest, SignOutDropsTheSessionsPages) {
  ViewCache cache;
  cache.Put("s1", "/m/a", Page("a", 30'000, 1));
  cache.Put("s1", "/m/b", Page("b", 30'000, 1));
  cache.Put("s10", "/m/a", Page("c", 30'000, 1));
  cache.DropSession("s1");
  EXPECT_FALSE(cache.Contains("s1", "/m/a", 0, 1));
  EXPECT_FALSE(cache.Contains("s1", "/m/b", 0, 1));
  EXPECT_TRUE(cache.Contains("s10", "/m/a", 0, 1));  // not a prefix match
}

TEST(ViewCacheTest, OversizedPagesAreNotKeptAndTheBudgetHolds) {
  ViewCache cache;
  cache.Put("s", "/m/big",
            Page(std::string(ViewCache::kMaxPageBytes + 1, 'x'), 30'000, 1));
  EXPECT_FALSE(cache.Contains("s", "/m/big", 0, 1));
  // Filling past the byte budget starts over instead of growing.
  size_t pages = ViewCache::kMaxBytes / ViewCache::kMaxPageBytes + 2;
  for (size_t i = 0; i < pages; ++i) {
    cache.Put("s", "/m/" + std::to_string(i),
              Page(std::string(ViewCache::kMaxPageBytes, 'x'), 30'000, 1));
  }
  EXPECT_TRUE(cache.Contains("s", "/m/" + std::to_string(pages - 1), 0, 1));
  EXPECT_FALSE(cache.Contains("s", "/m/0", 0, 1));
}

}  // namespace
}  // namespace sealpost::portal
