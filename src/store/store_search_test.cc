// The eDiscovery blind index on both engines: postings written with a
// protected message (directly and in a queue commit), searched with every
// filter, replaced, and gone with a shredded message.
#include <gtest/gtest.h>

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

TEST_P(StoreEngineTest, SearchIndexFindsFiltersReplacesAndShreds) {
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
  auto size = s.CountSearchIndex();
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(size->messages, 2);
  EXPECT_EQ(size->postings, 5);  // 7 counted once for m1

  // Replaced (reindex): the old terms are gone.
  ASSERT_TRUE(s.PutSearchTerms("m1", {42}).ok());
  EXPECT_EQ(Find(s, {{7}}), std::vector<std::string>{"m2"});
  EXPECT_EQ(Find(s, {{42}}), std::vector<std::string>{"m1"});

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
  EXPECT_EQ(s.ShredProtectedMessage("m2", {}).code(), StatusCode::kNotFound);
  size = s.CountSearchIndex();
  EXPECT_EQ(size->messages, 1);
  EXPECT_EQ(size->postings, 1);
}

}  // namespace
}  // namespace sealpost::store
