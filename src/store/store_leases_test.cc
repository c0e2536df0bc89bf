// The store test suite on both engines (store_engines_for_testing.h),
// continued: several nodes on one queue. Leases (which node delivers which
// message), their renewal and release, results another node had already
// recorded, heartbeats and the queue depth per node (docs/scaling.md).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/queue_batches_for_testing.h"
#include "store/store_engines_for_testing.h"

namespace sealpost::store {
namespace {

using testing::Finish;
using testing::MessageAt;

std::vector<std::string> Ids(const std::vector<QueueClaim>& claims) {
  std::vector<std::string> out;
  for (const QueueClaim& c : claims) out.push_back(c.id);
  return out;
}

// The first delivery's id of a stored message.
int64_t DeliveryId(Store& store, const std::string& id) {
  auto m = store.GetQueuedMessage(id, false);
  EXPECT_TRUE(m.ok() && m->has_value());
  return m.ok() && m->has_value() ? (**m).recipients[0].id : 0;
}

// Two nodes on one queue: a leased message is its node's until the lease
// expires; then another node takes it.
TEST_P(StoreEngineTest, LeasedMessagesGoToOneNodeUntilTheLeaseExpires) {
  auto store = std::move(Open()).value();
  for (int i = 0; i < 5; ++i) {
    QueueBatch b = MessageAt("l" + std::to_string(i), 100 + i, 1);
    ASSERT_TRUE(store->CommitQueueBatch(b).ok());
  }
  QueueBatch later = MessageAt("later", 50, 1);
  later.new_messages[0].recipients[0].next_attempt_ms = 9'000;
  ASSERT_TRUE(store->CommitQueueBatch(later).ok());
  auto a = store->ClaimDueQueueMessages(1'000, 3, "node-a", 5'000);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Ids(*a), (std::vector<std::string>{"l0", "l1", "l2"}));
  auto b = store->ClaimDueQueueMessages(1'000, 10, "node-b", 5'000);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(Ids(*b), (std::vector<std::string>{"l3", "l4"}));  // not "later"
  EXPECT_TRUE(
      store->ClaimDueQueueMessages(2'000, 10, "node-c", 6'000)->empty());
  EXPECT_TRUE(store->ClaimDueQueueMessages(2'000, 10, "node-a", 6'000)->empty())
      << "a lease is not claimed again while it holds, even by its node";
  // The nodes died: at 5,000 their leases expired, and others take over.
  // The claim names the node whose lease expired: a takeover.
  EXPECT_EQ(*store->ClaimDueQueueMessages(5'000, 2, "node-c", 8'000),
            (std::vector<QueueClaim>{{"l0", "node-a"}, {"l1", "node-a"}}));
  EXPECT_EQ(Ids(*store->ClaimDueQueueMessages(6'000, 10, "node-d", 8'500)),
            (std::vector<std::string>{"l2", "l3", "l4"}));
  // Done messages are never claimed.
  QueueBatch done = Finish("l0", 1, "delivered");
  auto l0 = store->GetQueuedMessage("l0", false);
  done.updates[0].delivery_id = (*l0)->recipients[0].id;
  ASSERT_TRUE(store->CommitQueueBatch(done).ok());
  EXPECT_EQ(Ids(*store->ClaimDueQueueMessages(9'000, 10, "node-e", 10'000)),
            (std::vector<std::string>{"later", "l1", "l2", "l3", "l4"}));
}

// Nodes claiming at the same moment never get the same message.
TEST_P(StoreEngineTest, ConcurrentClaimsNeverShareAMessage) {
  auto store = std::move(Open()).value();
  constexpr int kMessages = 60;
  for (int i = 0; i < kMessages; ++i) {
    QueueBatch b = MessageAt("c" + std::to_string(1000 + i), i, 1, 100);
    ASSERT_TRUE(store->CommitQueueBatch(b).ok());
  }
  std::vector<std::vector<std::string>> got(4);
  std::vector<std::thread> nodes;
  for (int n = 0; n < 4; ++n) {
    nodes.emplace_back([&, n] {
      for (int round = 0; round < 10; ++round) {
        auto r = store->ClaimDueQueueMessages(
            1'000, 3, "node-" + std::to_string(n), 100'000);
        if (r.ok()) {
          for (const QueueClaim& c : *r) got[n].push_back(c.id);
        }
      }
    });
  }
  for (auto& t : nodes) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& ids : got) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, all.size()) << "a message was leased twice";
  EXPECT_EQ(all.size(), static_cast<size_t>(kMessages));
}

// A node leases what it accepts in the same commit; renewal keeps it; the
// commit of the result gives it back; a takeover is named; a result for a
// delivery another node concluded first is not applied but reported, and
// so is a lease another node held when its holder gave it back.
TEST_P(StoreEngineTest, LeasesFollowADeliveryFromAcceptanceToItsResult) {
  auto store = std::move(Open()).value();
  QueueBatch accept = MessageAt("m1", 100, 1);
  accept.new_messages[0].lease_node = "node-a";
  accept.new_messages[0].lease_until_ms = 5'000;
  ASSERT_TRUE(store->CommitQueueBatch(accept).ok());
  auto m1 = store->GetQueuedMessage("m1", false);
  ASSERT_TRUE(m1.ok() && m1->has_value());
  EXPECT_EQ((*m1)->lease_node, "node-a");
  EXPECT_EQ((*m1)->lease_until_ms, 5'000);
  EXPECT_TRUE(store->ClaimDueQueueMessages(1'000, 10, "node-b", 9'000)->empty())
      << "a fresh message is its accepting node's";
  // Renewal: only the holder renews.
  EXPECT_EQ(*store->RenewQueueLeases("node-a", {"m1", "nope"}, 9'000),
            (std::vector<std::string>{"m1"}));
  EXPECT_TRUE(store->RenewQueueLeases("node-b", {"m1"}, 20'000)->empty());
  EXPECT_TRUE(store->ClaimDueQueueMessages(6'000, 10, "node-b", 9'000)->empty())
      << "the renewed lease holds past the first expiry";
  // Deferred, lease given back with the result: anyone may claim it when
  // it is due, and nobody's lease was taken over.
  const int64_t d1 = DeliveryId(*store, "m1");
  QueueBatch deferred;
  deferred.updates.push_back({d1, "queued", 1, 7'000, "451 later"});
  deferred.lease_node = "node-a";
  deferred.release_leases = {"m1"};
  ASSERT_TRUE(store->CommitQueueBatch(deferred).ok());
  EXPECT_TRUE(deferred.lost_leases.empty());
  EXPECT_TRUE(deferred.stale_updates.empty());
  EXPECT_EQ((*store->GetQueuedMessage("m1", false))->lease_node, "");
  EXPECT_TRUE(
      store->ClaimDueQueueMessages(6'500, 10, "node-b", 8'000)->empty());
  EXPECT_EQ(*store->ClaimDueQueueMessages(7'000, 10, "node-b", 8'000),
            (std::vector<QueueClaim>{{"m1", ""}}));
  // node-b stalls past its lease: node-c takes over, naming node-b.
  EXPECT_EQ(*store->ClaimDueQueueMessages(8'000, 10, "node-c", 20'000),
            (std::vector<QueueClaim>{{"m1", "node-b"}}));
  EXPECT_TRUE(store->RenewQueueLeases("node-b", {"m1"}, 30'000)->empty());
  // Both deliver. node-b records first: applied, but its lease was lost.
  QueueBatch by_b;
  by_b.updates.push_back({d1, "delivered", 2, 0, "250 b"});
  by_b.maybe_done.push_back("m1");
  by_b.lease_node = "node-b";
  by_b.release_leases = {"m1"};
  ASSERT_TRUE(store->CommitQueueBatch(by_b).ok());
  EXPECT_EQ(by_b.lost_leases, (std::vector<std::string>{"m1"}));
  EXPECT_TRUE(by_b.stale_updates.empty());
  // node-c's result comes second: a duplicate, reported, not applied.
  QueueBatch by_c;
  by_c.updates.push_back({d1, "queued", 2, 50'000, "451 c"});
  by_c.lease_node = "node-c";
  by_c.release_leases = {"m1"};
  ASSERT_TRUE(store->CommitQueueBatch(by_c).ok());
  EXPECT_EQ(by_c.stale_updates, (std::vector<int64_t>{d1}));
  auto after = store->GetQueuedMessage("m1", false);
  EXPECT_EQ((*after)->state, "done");
  EXPECT_EQ((*after)->recipients[0].state, "delivered");
  EXPECT_EQ((*after)->recipients[0].last_reply, "250 b");
  EXPECT_EQ(*store->CountQueuedDeliveries(), 0);
}

// A node stopping (or restarting after a crash) gives back all it holds;
// the queue depth per node counts live leases only.
TEST_P(StoreEngineTest, ReleasingANodesLeasesAndTheDepthPerNode) {
  auto store = std::move(Open()).value();
  for (int i = 0; i < 4; ++i) {
    QueueBatch b = MessageAt("r" + std::to_string(i), 100 + i, 2);
    ASSERT_TRUE(store->CommitQueueBatch(b).ok());
  }
  ASSERT_EQ(store->ClaimDueQueueMessages(1'000, 3, "node-a", 5'000)->size(),
            3u);
  ASSERT_EQ(store->ClaimDueQueueMessages(1'000, 3, "node-b", 5'000)->size(),
            1u);
  auto depth = store->QueueDepthByNode(2'000);
  ASSERT_TRUE(depth.ok()) << depth.status().ToString();
  ASSERT_EQ(depth->size(), 2u);
  EXPECT_EQ((*depth)[0].node, "node-a");
  EXPECT_EQ((*depth)[0].messages, 3);
  EXPECT_EQ((*depth)[0].deliveries, 6);
  EXPECT_EQ((*depth)[1].node, "node-b");
  EXPECT_EQ((*depth)[1].messages, 1);
  // Expired leases count as nobody's.
  depth = store->QueueDepthByNode(5'000);
  ASSERT_EQ(depth->size(), 1u);
  EXPECT_EQ((*depth)[0].node, "");
  EXPECT_EQ((*depth)[0].deliveries, 8);
  EXPECT_EQ(*store->ReleaseQueueLeases("node-a"), 3);
  EXPECT_EQ(*store->ReleaseQueueLeases("node-a"), 0);
  // node-a's messages are free at once, node-b's still held.
  EXPECT_EQ(*store->ClaimDueQueueMessages(2'000, 10, "node-c", 9'000),
            (std::vector<QueueClaim>{{"r0", ""}, {"r1", ""}, {"r2", ""}}));
}

TEST_P(StoreEngineTest, HeartbeatsListTheNodesSeenRecently) {
  auto store = std::move(Open()).value();
  ASSERT_TRUE(store->PutNodeHeartbeat({"node-a", "h1", "1.0", 10, 1'000}).ok());
  ASSERT_TRUE(store->PutNodeHeartbeat({"node-b", "h2", "1.0", 20, 2'000}).ok());
  // A later beat replaces the node's row.
  ASSERT_TRUE(store->PutNodeHeartbeat({"node-a", "h1", "1.1", 10, 3'000}).ok());
  auto nodes = store->ListNodes(1'500);
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ(nodes->size(), 2u);
  EXPECT_EQ((*nodes)[0].node_id, "node-a");
  EXPECT_EQ((*nodes)[0].version, "1.1");
  EXPECT_EQ((*nodes)[0].seen_ms, 3'000);
  EXPECT_EQ((*nodes)[1].hostname, "h2");
  EXPECT_EQ(store->ListNodes(2'500)->size(), 1u);
  EXPECT_TRUE(store->ListNodes(3'001)->empty());
}

}  // namespace
}  // namespace sealpost::store
