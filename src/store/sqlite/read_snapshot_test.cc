// Store::ReadSnapshot on SQLite (reader_pool.h): a request's lookups share
// one read transaction, which sees every commit made before its first
// lookup and none made after; the next snapshot sees them.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "base/temp_dir_for_testing.h"
#include "store/sqlite/sqlite_store.h"

namespace sealpost::store {
namespace {

class ReadSnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::Open(dir_.File("store.db"), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
    ASSERT_TRUE(store_->AddUser({"ann@example.com", "", "Ann", 0, false}).ok());
    ASSERT_TRUE(store_->PutSession(Session("s1", 2'000'000'000)).ok());
  }
  void TearDown() override { store_.reset(); }
  static SessionRecord Session(const std::string& hash, int64_t expires) {
    return {hash, "ann@example.com", "portal", 1'800'000'000, expires};
  }
  // The session `hash` again with a new expiry (a session is never
  // changed in place: this is a sign-out and a new sign-in).
  Status Resession(const std::string& hash, int64_t expires) {
    SP_RETURN_IF_ERROR(store_->DeleteSession(hash));
    return store_->PutSession(Session(hash, expires));
  }
  // The session's expiry as a lookup sees it now; 0 when there is none.
  int64_t ExpiryOf(const std::string& hash) {
    auto s = store_->GetSession(hash);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() && s->has_value() ? (*s)->expires_at : 0;
  }

  sealpost::testing::TempDir dir_{"snapshot"};
  FakeClock clock_{1'800'000'000};
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(ReadSnapshotTest, SeesWhatCommittedBeforeItAndTheNextSeesTheRest) {
  // Committed before the request began: seen.
  ASSERT_TRUE(Resession("s1", 1'900'000'000).ok());
  {
    ReadSnapshot reads(*store_);
    EXPECT_TRUE(store_->InReadSnapshot());
    EXPECT_EQ(ExpiryOf("s1"), 1'900'000'000);
    // Another request signs out and changes the user while this one reads:
    // this request's lookups keep the one state they began with.
    ASSERT_TRUE(store_->DeleteSession("s1").ok());
    ASSERT_TRUE(store_->SetPassword("ann@example.com", "h2").ok());
    EXPECT_EQ(ExpiryOf("s1"), 1'900'000'000);
    auto user = store_->GetUser("ann@example.com");
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->password_hash, "");
  }
  EXPECT_FALSE(store_->InReadSnapshot());
  // The next request (and any lookup outside a snapshot) sees both.
  EXPECT_EQ(ExpiryOf("s1"), 0);
  {
    ReadSnapshot reads(*store_);
    EXPECT_EQ(ExpiryOf("s1"), 0);
    auto user = store_->GetUser("ann@example.com");
    ASSERT_TRUE(user.ok() && user->has_value());
    EXPECT_EQ((*user)->password_hash, "h2");
  }
}

TEST_F(ReadSnapshotTest, TakenAtItsFirstLookup) {
  ReadSnapshot reads(*store_);
  // Committed after the scope began but before any lookup in it.
  ASSERT_TRUE(Resession("s1", 1'950'000'000).ok());
  EXPECT_EQ(ExpiryOf("s1"), 1'950'000'000);
}

TEST_F(ReadSnapshotTest, NestedScopesShareTheOuterOne) {
  {
    ReadSnapshot outer(*store_);
    EXPECT_EQ(ExpiryOf("s1"), 2'000'000'000);
    {
      ReadSnapshot inner(*store_);
      ASSERT_TRUE(Resession("s1", 1'850'000'000).ok());
      EXPECT_EQ(ExpiryOf("s1"), 2'000'000'000);
    }
    EXPECT_TRUE(store_->InReadSnapshot());
    EXPECT_EQ(ExpiryOf("s1"), 2'000'000'000);
  }
  EXPECT_FALSE(store_->InReadSnapshot());
  EXPECT_EQ(ExpiryOf("s1"), 1'850'000'000);
}

TEST_F(ReadSnapshotTest, OtherThreadsLookUpWhileOneIsHeld) {
  ReadSnapshot reads(*store_);
  EXPECT_EQ(ExpiryOf("s1"), 2'000'000'000);
  ASSERT_TRUE(Resession("s1", 1'850'000'000).ok());
  // Not this thread's snapshot: a lookup of its own, which sees the commit
  // (and does not wait for this scope to end).
  int64_t seen = -1;
  std::thread other([&] {
    EXPECT_FALSE(store_->InReadSnapshot());
    seen = ExpiryOf("s1");
  });
  other.join();
  EXPECT_EQ(seen, 1'850'000'000);
  EXPECT_EQ(ExpiryOf("s1"), 2'000'000'000);
}

TEST_F(ReadSnapshotTest, MoreThreadsThanConnectionsAllGetAnswers) {
  // Each thread holds a snapshot while the others look up and commit; the
  // pool has fewer connections than threads, so some run without one.
  constexpr int kThreads = 24;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string hash = "t" + std::to_string(t);
      for (int i = 1; i <= 30; ++i) {
        if (!Resession(hash, 1'900'000'000 + i).ok()) {
          ++wrong;
        }
        ReadSnapshot reads(*store_);
        // Its own commit, made before the scope: always seen.
        if (ExpiryOf(hash) != 1'900'000'000 + i) ++wrong;
        if (ExpiryOf("s1") != 2'000'000'000) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace sealpost::store
