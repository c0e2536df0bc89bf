// The eDiscovery blind index on both engines: a doc written with a
// protected message (directly and in a queue commit), found before and
// after the merge into segments, searched with every filter, replaced, and
// gone, segments included, with a shredded message.
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "store/queue_batches_for_testing.h"
#include "store/store_engines_for_testing.h"

namespace sealpost::store {
namespace {

NewProtectedMessage Indexed(const std::string& id, const std::string& owner,
                            const std::string& to, int64_t created_at,
                            std::vector<int64_t> terms) {
  NewProtectedMessage p;
  p.record.id = id;
  p.record.owner = owner;
  p.record.template_id = "encrypt";
  p.record.recipients_json = "[\"" + to + "\"]";
  p.record.grants_json = "[]";
  p.record.created_at = created_at;
  p.audit = {0, 0, owner, "message.protect", id, "ok", ""};
  p.portal_copy = "sealed " + id;
  p.index_terms = std::move(terms);
  return p;
}

std::vector<std::string> Find(Store& s, SearchQuery q) {
  auto ids = s.SearchMessages(q);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? *ids : std::vector<std::string>{};
}

int64_t Merge(Store& s, int min_docs, int max_docs) {
  auto merged = s.MergeSearchIndex(min_docs, max_docs);
  EXPECT_TRUE(merged.ok()) << merged.status().ToString();
  return merged.ok() ? *merged : -1;
}

int64_t MergeAll(Store& s) { return Merge(s, 1, 1000); }

// The merged segments that still list `term`, read past the Store
// interface: what a thief of the database would find.
class StoreSearchTest : public StoreEngineTest {
 protected:
  int64_t SegmentsOf(int64_t term) {
    const std::string sql =
        "SELECT COUNT(*) FROM search_segments WHERE term = " +
        std::to_string(term);
    if (GetParam() == "sqlite") {
      sqlite3* db = nullptr;
      int64_t n = -1;
      sqlite3_stmt* st = nullptr;
      if (sqlite3_open(path_.c_str(), &db) == SQLITE_OK &&
          sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
          sqlite3_step(st) == SQLITE_ROW) {
        n = sqlite3_column_int64(st, 0);
      }
      sqlite3_finalize(st);
      sqlite3_close(db);
      return n;
    }
    PGconn* c = PQconnectdb(conninfo_.c_str());
    PGresult* r = PQexec(c, sql.c_str());
    int64_t n = PQresultStatus(r) == PGRES_TUPLES_OK
                    ? std::stoll(PQgetvalue(r, 0, 0))
                    : -1;
    PQclear(r);
    PQfinish(c);
    return n;
  }
};

INSTANTIATE_TEST_SUITE_P(Engines, StoreSearchTest, BothEngines(), EngineName);

TEST_P(StoreSearchTest, FindsFiltersReplacesAndShreds) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  // Terms are any 64-bit values (keyed hashes), negative ones too.
  ASSERT_TRUE(
      s.AddProtectedMessage(Indexed("m1", "alice@example.com",
                                    "Carol@Gmail.test", 100, {7, -3, 7, 11}))
          .ok());
  QueueBatch batch = testing::MessageAt("q2", 1, 1);
  batch.protected_messages.push_back(
      Indexed("m2", "bob@example.com", "dave@gmail.test", 200, {7, 12}));
  ASSERT_TRUE(s.CommitQueueBatch(batch).ok());
  // Found while pending, and the same once merged.
  EXPECT_EQ(Find(s, {{7, 12}}), std::vector<std::string>{"m2"});
  auto size = s.CountSearchIndex();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->messages, 2);
  EXPECT_EQ(size->pending, 2);
  EXPECT_EQ(Merge(s, 3, 1000), 0);  // too few wait
  EXPECT_EQ(MergeAll(s), 2);
  EXPECT_EQ(SegmentsOf(7), 1);  // one batch: m1 and m2 in one segment
  EXPECT_EQ(SegmentsOf(12), 1);

  EXPECT_EQ(Find(s, {{7}}), (std::vector<std::string>{"m2", "m1"}));
  EXPECT_EQ(Find(s, {{7, -3}}), std::vector<std::string>{"m1"});
  EXPECT_EQ(Find(s, {{-3, 12}}), std::vector<std::string>{});
  EXPECT_EQ(Find(s, {{99}}), std::vector<std::string>{});
  SearchQuery q{{7}};
  q.owner = "bob@example.com";
  EXPECT_EQ(Find(s, q), std::vector<std::string>{"m2"});
  q = {{7}};
  q.recipient = "CAROL";
  EXPECT_EQ(Find(s, q), std::vector<std::string>{"m1"});
  q = {{7}};
  q.after = 150;
  EXPECT_EQ(Find(s, q), std::vector<std::string>{"m2"});
  q = {{7}};
  q.before = 150;
  EXPECT_EQ(Find(s, q), std::vector<std::string>{"m1"});
  q = {{7}};
  q.template_id = "other";
  EXPECT_EQ(Find(s, q), std::vector<std::string>{});
  q = {{7}};
  q.limit = 1;
  EXPECT_EQ(Find(s, q), std::vector<std::string>{"m2"});
  EXPECT_FALSE(s.SearchMessages({}).ok());
  size = s.CountSearchIndex();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->messages, 2);
  EXPECT_EQ(size->pending, 0);

  // Replaced (reindex): the old terms are gone.
  ASSERT_TRUE(s.PutSearchTerms("m1", {42}).ok());
  EXPECT_EQ(Find(s, {{7}}), std::vector<std::string>{"m2"});
  EXPECT_EQ(Find(s, {{42}}), std::vector<std::string>{"m1"});
  EXPECT_EQ(SegmentsOf(-3), 0);  // m1's alone: its segment went
  EXPECT_EQ(s.CountSearchIndex()->pending, 1);

  // Shredded: record, copy and postings go, with the audit record.
  ASSERT_TRUE(s.ShredProtectedMessage(
                   "m2", {0, 5, "admin", "message.shred", "m2", "ok", ""})
                  .ok());
  EXPECT_EQ(Find(s, {{12}}), std::vector<std::string>{});
  EXPECT_FALSE(s.GetProtectedMessage("m2")->has_value());
  EXPECT_FALSE(s.GetPortalCopy("m2")->has_value());
  auto audit = s.ListAudit("m2", 10);
  ASSERT_TRUE(audit.ok());
  ASSERT_FALSE(audit->empty());
  EXPECT_EQ(audit->front().action, "message.shred");
  EXPECT_EQ(s.ShredProtectedMessage("m2", {}).status().code(),
            StatusCode::kNotFound);
  size = s.CountSearchIndex();
  EXPECT_EQ(size->messages, 1);
  // Nothing of m2 is left in a segment: its terms cannot be tied to it.
  EXPECT_EQ(SegmentsOf(7), 0);
  EXPECT_EQ(SegmentsOf(12), 0);
}

// A record made of another (a portal forward, a forward of that, an
// attachment's sealed copy) goes with it when it is shredded: its record,
// server copy, passcodes and index terms, in the same transaction (was:
// only the one id went; a forward, carrying the original's text and
// attachments, stayed in the server's copies and eDiscovery found and
// exported it). A forward of a shredded message cannot be added after.
TEST_P(StoreSearchTest, ShredTakesEveryRecordMadeOfIt) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  auto made_of = [](const std::string& id, const std::string& parent,
                    std::vector<int64_t> terms) {
    NewProtectedMessage m = Indexed(id, "alice@example.com", "carol@gmail.test",
                                    300, std::move(terms));
    m.record.parent_id = parent;
    return m;
  };
  ASSERT_TRUE(s.AddProtectedMessage(Indexed("m1", "alice@example.com",
                                            "carol@gmail.test", 100, {7, 9}))
                  .ok());
  ASSERT_TRUE(s.AddProtectedMessage(Indexed("u1", "alice@example.com",
                                            "dave@gmail.test", 200, {7}))
                  .ok());
  // Carol's forward of m1, as the portal commits it (with its mail).
  QueueBatch batch = testing::MessageAt("q1", 1, 1);
  batch.protected_messages.push_back(made_of("f1", "m1", {7, 8}));
  ASSERT_TRUE(s.CommitQueueBatch(batch).ok());
  EXPECT_EQ(MergeAll(s), 3);  // in segments: each must leave them
  ASSERT_TRUE(s.AddProtectedMessage(made_of("f2", "f1", {7, 8})).ok());
  NewProtectedMessage copy = made_of("c1", "m1", {});
  copy.portal_copy.clear();  // a sealed attachment keeps no copy
  ASSERT_TRUE(s.AddProtectedMessage(copy).ok());
  ASSERT_TRUE(s.PutOtp({"f1", "erin@gmail.test", "h", "r", 0,
                        clock_.NowUnix() + 600, 0, false})
                  .ok());
  EXPECT_EQ(Find(s, {{8}}), (std::vector<std::string>{"f2", "f1"}));

  auto shredded = s.ShredProtectedMessage(
      "m1", {0, 5, "admin", "message.shred", "m1", "ok", "destroyed"});
  ASSERT_TRUE(shredded.ok()) << shredded.status().ToString();
  EXPECT_EQ(*shredded, 3);  // f1, f2 and c1 went with it
  for (const char* id : {"m1", "f1", "f2", "c1"}) {
    EXPECT_FALSE(s.GetProtectedMessage(id)->has_value()) << id;
    EXPECT_FALSE(s.GetPortalCopy(id)->has_value()) << id;
  }
  EXPECT_FALSE(s.GetOtp("f1", "erin@gmail.test")->has_value());
  EXPECT_EQ(Find(s, {{7}}), std::vector<std::string>{"u1"});
  EXPECT_EQ(Find(s, {{8}}), std::vector<std::string>{});
  EXPECT_EQ(SegmentsOf(8), 0);
  EXPECT_EQ(SegmentsOf(9), 0);
  EXPECT_EQ(s.CountSearchIndex()->messages, 1);
  EXPECT_TRUE(s.GetProtectedMessage("u1")->has_value());
  EXPECT_TRUE(s.GetPortalCopy("u1")->has_value());
  // Each one's history says it was shredded.
  for (const char* id : {"f1", "f2", "c1"}) {
    auto audit = s.ListAudit(id, 10);
    ASSERT_TRUE(audit.ok());
    ASSERT_FALSE(audit->empty()) << id;
    EXPECT_EQ(audit->front().action, "message.shred") << id;
  }

  // Nothing is made of a shredded message any more, in either commit.
  EXPECT_EQ(s.AddProtectedMessage(made_of("f3", "m1", {7})).code(),
            StatusCode::kNotFound);
  QueueBatch late = testing::MessageAt("q2", 2, 1);
  late.protected_messages.push_back(made_of("f4", "f1", {7}));
  EXPECT_EQ(s.CommitQueueBatch(late).code(), StatusCode::kNotFound);
  EXPECT_FALSE(s.GetProtectedMessage("f3")->has_value());
  EXPECT_FALSE(s.GetProtectedMessage("f4")->has_value());
  EXPECT_EQ(Find(s, {{7}}), std::vector<std::string>{"u1"});
}

TEST_P(StoreSearchTest, MergesInBatchesAndQueriesReadTheTail) {
  auto store = Open();
  ASSERT_TRUE(store.ok());
  Store& s = **store;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(s.AddProtectedMessage(
                     Indexed("m" + std::to_string(i), "alice@example.com",
                             "bob@gmail.test", 100 + i, {1, 100 + i}))
                    .ok());
  }
  EXPECT_EQ(Merge(s, 3, 3), 3);  // m1..m3
  EXPECT_EQ(Merge(s, 3, 3), 0);  // two wait
  EXPECT_EQ(s.CountSearchIndex()->pending, 2);
  // Merged and pending together, newest first.
  EXPECT_EQ(Find(s, {{1}}),
            (std::vector<std::string>{"m5", "m4", "m3", "m2", "m1"}));
  EXPECT_EQ(Find(s, {{1, 102}}), std::vector<std::string>{"m2"});
  EXPECT_EQ(Find(s, {{1, 105}}), std::vector<std::string>{"m5"});
  // The same terms again (a reindex): nothing moves.
  ASSERT_TRUE(s.PutSearchTerms("m2", {1, 102}).ok());
  EXPECT_EQ(s.CountSearchIndex()->pending, 2);
  // A merged doc leaves its segment, a pending one leaves the tail.
  ASSERT_TRUE(s.ShredProtectedMessage(
                   "m2", {0, 5, "admin", "message.shred", "m2", "ok", ""})
                  .ok());
  ASSERT_TRUE(s.ShredProtectedMessage(
                   "m5", {0, 5, "admin", "message.shred", "m5", "ok", ""})
                  .ok());
  EXPECT_EQ(SegmentsOf(102), 0);
  EXPECT_EQ(SegmentsOf(1), 1);
  EXPECT_EQ(Find(s, {{1}}), (std::vector<std::string>{"m4", "m3", "m1"}));
  EXPECT_EQ(MergeAll(s), 1);
  EXPECT_EQ(SegmentsOf(1), 2);
  EXPECT_EQ(Find(s, {{1}}), (std::vector<std::string>{"m4", "m3", "m1"}));
  // Limits cut at the newest.
  SearchQuery q{{1}};
  q.limit = 2;
  EXPECT_EQ(Find(s, q), (std::vector<std::string>{"m4", "m3"}));
}

}  // namespace
}  // namespace sealpost::store
