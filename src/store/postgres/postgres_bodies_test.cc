// Large bodies in PostgreSQL's chunks (postgres_bodies.cc), on the tests'
// own PostgreSQL server: round trips at the chunk size's edges, damage that
// must fail rather than read short, the chunks going with their body, the
// sweep of bodies no commit named, two nodes reading one body, and
// migration 21 moving large rows into chunks. (The BodyStore round trip
// both engines share is in store_engine_test.cc.)
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/body_store.h"
#include "store/postgres/postgres_store.h"
#include "store/queue_batches_for_testing.h"
#include "store/store_engines_for_testing.h"
#include "testing/postgres_server.h"

namespace sealpost::store {
namespace {

// `n` bytes that differ from chunk to chunk and within one, so that a chunk
// read in the wrong place or twice shows.
std::string Pattern(size_t n, int seed = 0) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; ++i) {
    out[i] = static_cast<char>((i * 131 + i / 4099 + seed) % 251);
  }
  return out;
}

// Everything a reader gives, `max` bytes per call; its error if it fails.
Result<std::string> ReadAll(BodyReader& reader, size_t max = 70'000) {
  std::string out;
  for (;;) {
    SP_ASSIGN_OR_RETURN(size_t n, reader.Read(max, &out));
    if (n == 0) return out;
  }
}

class PostgresBodiesTest : public PostgresDatabaseTest {
 protected:
  void SetUp() override {
    PostgresDatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    auto opened = PostgresStore::Open({conninfo_, "", 2}, clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(*opened);
  }
  // "chunks|bytes" the server holds for body `id` of kind `kind`.
  std::string Chunks(const std::string& kind, const std::string& id) {
    return Psql(
        "SELECT COUNT(*) || '|' || COALESCE(SUM(length(data)), 0) "
        "FROM body_chunks WHERE kind = '" +
        kind + "' AND id = '" + id + "'");
  }
  std::unique_ptr<PostgresStore> store_;
};

// Sizes on both sides of the chunk size, written in slices that do not
// line up with it (and once whole), read back in other slices: the same
// bytes, in ceil(size / 1 MiB) chunks.
TEST_F(PostgresBodiesTest, RoundTripAtChunkBoundaries) {
  constexpr size_t kChunk = kPgBodyChunkBytes;
  const size_t sizes[] = {kLargeBodyBytes,   kChunk - 1, kChunk,
                          kChunk + 1,        2 * kChunk, 2 * kChunk + 1,
                          5 * kChunk / 2 + 3};
  int n = 0;
  for (size_t size : sizes) {
    SCOPED_TRACE(size);
    const std::string id = "b" + std::to_string(++n);
    const std::string body = Pattern(size, n);
    if (n % 2 == 0) {
      ASSERT_TRUE(store_->StageBody(BodyKind::kQueue, id, body).ok());
    } else {
      auto writer = store_->StartBody(BodyKind::kQueue, id);
      ASSERT_TRUE(writer.ok()) << writer.status().ToString();
      for (size_t at = 0; at < size; at += 65'537) {
        ASSERT_TRUE(
            (*writer)->Append(std::string_view(body).substr(at, 65'537)).ok());
      }
      ASSERT_TRUE((*writer)->Finish().ok());
    }
    const size_t chunks = (size + kChunk - 1) / kChunk;
    EXPECT_EQ(Chunks("q", id),
              std::to_string(chunks) + "|" + std::to_string(size));
    auto reader = store_->OpenBody(BodyKind::kQueue, id);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    EXPECT_EQ((*reader)->size(), static_cast<int64_t>(size));
    auto read = ReadAll(**reader, n % 3 == 0 ? kChunk + 7 : 70'000);
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_TRUE(*read == body) << "read " << read->size() << " bytes";
  }
  // A body is written once: the same id again is refused.
  EXPECT_EQ(store_->StartBody(BodyKind::kQueue, "b1").status().code(),
            StatusCode::kAlreadyExists);
  // The same id as the other kind is another body.
  EXPECT_TRUE(
      store_->StageBody(BodyKind::kPortal, "b1", Pattern(300'000)).ok());
  EXPECT_EQ(store_->OpenBody(BodyKind::kQueue, "nothing").status().code(),
            StatusCode::kNotFound);
}

// The queue's way: staged, then named by the group commit (its row holds
// an empty content); or handed whole to the commit, which writes the chunks
// in its transaction. Both read back whole and a chunk at a time; the
// commit that ends the last recipient takes the chunks with the body.
TEST_F(PostgresBodiesTest, QueueBodiesAreChunksUntilDelivered) {
  const std::string staged = Pattern(3 * kPgBodyChunkBytes / 2, 1);
  ASSERT_TRUE(store_->StageBody(BodyKind::kQueue, "staged", staged).ok());
  QueueBatch a = testing::MessageAt("staged", 1, 1, 0);
  a.new_messages[0].content_staged = true;
  a.new_messages[0].size = static_cast<int64_t>(staged.size());
  QueueBatch b = testing::MessageAt("whole", 1, 1, 0);
  b.new_messages[0].content = Pattern(kLargeBodyBytes + 10, 2);
  const std::string whole = b.new_messages[0].content;
  QueueBatch small = testing::MessageAt("small", 1, 1, 4096);
  ASSERT_TRUE(store_->CommitQueueBatch(a).ok());
  ASSERT_TRUE(store_->CommitQueueBatch(b).ok());
  ASSERT_TRUE(store_->CommitQueueBatch(small).ok());
  EXPECT_EQ(Psql("SELECT id || ':' || length(content) FROM queue_messages "
                 "ORDER BY id"),
            "small:4096\nstaged:0\nwhole:0");
  EXPECT_EQ(Chunks("q", "staged"), "2|" + std::to_string(staged.size()));
  EXPECT_EQ(Chunks("q", "whole"), "1|" + std::to_string(whole.size()));
  EXPECT_EQ(Chunks("q", "small"), "0|0");  // in its row
  for (const auto& [id, body] :
       {std::pair{"staged", staged}, std::pair{"whole", whole}}) {
    auto m = store_->GetQueuedMessage(id, true);
    ASSERT_TRUE(m.ok() && m->has_value()) << m.status().ToString();
    EXPECT_TRUE((*m)->content == body) << id;
    auto reader = store_->OpenBody(BodyKind::kQueue, id);
    ASSERT_TRUE(reader.ok());
    EXPECT_TRUE(*ReadAll(**reader) == body) << id;
  }
  EXPECT_EQ(store_->OpenBody(BodyKind::kQueue, "small").status().code(),
            StatusCode::kNotFound);
  auto m = store_->GetQueuedMessage("staged", false);
  QueueBatch done =
      testing::Finish("staged", (*m)->recipients[0].id, "delivered");
  ASSERT_TRUE(store_->CommitQueueBatch(done).ok());
  EXPECT_EQ(Chunks("q", "staged"), "0|0");
  EXPECT_EQ(Psql("SELECT COUNT(*) FROM bodies WHERE id = 'staged'"), "0");
  EXPECT_EQ(Chunks("q", "whole"), "1|" + std::to_string(whole.size()));
}

// A commit naming a staged body that is not there (never staged, or
// discarded) fails whole: no message is queued without its body.
TEST_F(PostgresBodiesTest, CommitWithoutItsStagedBodyFails) {
  QueueBatch a = testing::MessageAt("lost", 1, 1, 0);
  a.new_messages[0].content_staged = true;
  Status st = store_->CommitQueueBatch(a);
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st.ToString();
  ASSERT_TRUE(
      store_->StageBody(BodyKind::kQueue, "gone", Pattern(300'000)).ok());
  store_->DiscardBody(BodyKind::kQueue, "gone");
  EXPECT_EQ(Chunks("q", "gone"), "0|0");
  QueueBatch b = testing::MessageAt("gone", 1, 1, 0);
  b.new_messages[0].content_staged = true;
  EXPECT_FALSE(store_->CommitQueueBatch(b).ok());
  EXPECT_EQ(Psql("SELECT COUNT(*) FROM queue_messages"), "0");
}

// A commit whose answer is lost reads as failed to its caller, who then
// discards what it staged: a body a committed row names stays (a queued
// message's, a portal copy's); one no row names still goes at once.
TEST_F(PostgresBodiesTest, ADiscardLeavesABodyACommittedRowNames) {
  const std::string body = Pattern(300'000, 4);
  ASSERT_TRUE(store_->StageBody(BodyKind::kQueue, "named", body).ok());
  QueueBatch a = testing::MessageAt("named", 1, 1, 0);
  a.new_messages[0].content_staged = true;
  a.new_messages[0].size = static_cast<int64_t>(body.size());
  ASSERT_TRUE(store_->CommitQueueBatch(a).ok());
  store_->DiscardBody(BodyKind::kQueue, "named");
  auto reader = store_->OpenBody(BodyKind::kQueue, "named");
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_TRUE(*ReadAll(**reader) == body);
  const std::string large = Pattern(kLargeBodyBytes + 10, 5);
  ASSERT_TRUE(
      store_->AddProtectedMessage(testing::ProtectedMessage("copy", large))
          .ok());
  store_->DiscardBody(BodyKind::kPortal, "copy");
  auto copy = store_->OpenBody(BodyKind::kPortal, "copy");
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_TRUE(*ReadAll(**copy) == large);
  ASSERT_TRUE(store_->StageBody(BodyKind::kQueue, "unnamed", body).ok());
  store_->DiscardBody(BodyKind::kQueue, "unnamed");
  EXPECT_EQ(store_->OpenBody(BodyKind::kQueue, "unnamed").status().code(),
            StatusCode::kNotFound);
}

// A chunk missing or cut short (a damaged database, or a copy pruned
// while it is read): the reader fails with DATA_LOSS where the damage is,
// never ends early as if the body were shorter; whole reads fail too.
TEST_F(PostgresBodiesTest, DamagedBodyFailsClearlyNeverShort) {
  const std::string body = Pattern(5 * kPgBodyChunkBytes / 2, 3);
  for (const char* id : {"cut", "missing", "last"}) {
    ASSERT_TRUE(
        store_->AddProtectedMessage(testing::ProtectedMessage(id, body)).ok());
  }
  Psql("DELETE FROM body_chunks WHERE id = 'missing' AND seq = 1");
  Psql(
      "UPDATE body_chunks SET data = substring(data FROM 1 FOR 1000) "
      "WHERE id = 'cut' AND seq = 0");
  Psql(
      "UPDATE body_chunks SET data = substring(data FROM 2) WHERE id = "
      "'last' AND seq = 2");
  for (const char* id : {"cut", "missing", "last"}) {
    SCOPED_TRACE(id);
    auto reader = store_->OpenBody(BodyKind::kPortal, id);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    auto read = ReadAll(**reader);
    ASSERT_FALSE(read.ok()) << "read " << read->size() << " bytes";
    EXPECT_EQ(read.status().code(), StatusCode::kDataLoss);
    EXPECT_NE(read.status().message().find("chunk"), std::string::npos)
        << read.status().message();
    auto whole = store_->GetPortalCopy(id);
    EXPECT_EQ(whole.status().code(), StatusCode::kDataLoss);
  }
  // What is read before the damage is the body's own bytes.
  auto reader = store_->OpenBody(BodyKind::kPortal, "missing");
  std::string first;
  ASSERT_EQ(*(*reader)->Read(kPgBodyChunkBytes, &first), kPgBodyChunkBytes);
  EXPECT_TRUE(first == body.substr(0, kPgBodyChunkBytes));
  EXPECT_EQ((*reader)->Read(10, &first).status().code(), StatusCode::kDataLoss);
  // A body whose record was changed to say less than its chunks hold.
  Psql("UPDATE bodies SET size = 5 WHERE id = 'cut'");
  EXPECT_EQ(store_->OpenBody(BodyKind::kPortal, "cut").status().code(),
            StatusCode::kDataLoss);
}

// A chunk that disappears while its body is written (a server restart
// loses an unflushed chunk) fails Finish instead of making a short body.
TEST_F(PostgresBodiesTest, FinishFailsWhenAChunkWasLost) {
  auto writer = store_->StartBody(BodyKind::kQueue, "w");
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)->Append(Pattern(2 * kPgBodyChunkBytes + 5)).ok());
  EXPECT_EQ(Chunks("q", "w"), "2|" + std::to_string(2 * kPgBodyChunkBytes));
  Psql("DELETE FROM body_chunks WHERE id = 'w' AND seq = 0");
  Status st = (*writer)->Finish();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  // Dropped unfinished: nothing of it stays.
  writer->reset();
  EXPECT_EQ(Psql("SELECT (SELECT COUNT(*) FROM bodies) || '|' || (SELECT "
                 "COUNT(*) FROM body_chunks)"),
            "0|0");
}

// Portal copies: pruned at expiry or shredded, their chunks go in the
// same transaction; none is left behind.
TEST_F(PostgresBodiesTest, PruneAndShredRemoveTheChunks) {
  NewProtectedMessage expiring =
      testing::ProtectedMessage("exp", Pattern(3'000'000));
  expiring.record.expires_at = clock_.NowUnix() + 60;
  ASSERT_TRUE(store_->AddProtectedMessage(expiring).ok());
  ASSERT_TRUE(store_
                  ->AddProtectedMessage(
                      testing::ProtectedMessage("keep", Pattern(400'000)))
                  .ok());
  ASSERT_TRUE(store_
                  ->AddProtectedMessage(
                      testing::ProtectedMessage("shred", Pattern(400'000)))
                  .ok());
  EXPECT_EQ(Chunks("p", "exp"), "3|3000000");
  EXPECT_EQ(Psql("SELECT length(container) FROM portal_copies WHERE id = "
                 "'exp'"),
            "0");
  clock_.Advance(std::chrono::hours(1));
  auto pruned = store_->PrunePortalCopies(clock_.NowUnix(), 0, 10);
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_EQ(*pruned, 1);
  EXPECT_EQ(Chunks("p", "exp"), "0|0");
  EXPECT_FALSE(store_->GetPortalCopy("exp")->has_value());
  ASSERT_TRUE(store_
                  ->ShredProtectedMessage(
                      "shred", {0, 0, "admin", "shred", "shred", "ok", ""})
                  .ok());
  EXPECT_EQ(Chunks("p", "shred"), "0|0");
  EXPECT_EQ(Psql("SELECT string_agg(id, ',') FROM bodies"), "keep");
  EXPECT_EQ(Chunks("p", "keep"), "1|400000");
  EXPECT_TRUE(**store_->GetPortalCopy("keep") == Pattern(400'000));
}

// Bodies no commit named (a node died between staging and its commit, or
// mid-body) stay an hour, then ReclaimSpace removes them; a body a row
// names is never removed.
TEST_F(PostgresBodiesTest, UnnamedBodiesGoAfterAnHour) {
  ASSERT_TRUE(
      store_->StageBody(BodyKind::kQueue, "named", Pattern(300'000)).ok());
  QueueBatch a = testing::MessageAt("named", 1, 1, 0);
  a.new_messages[0].content_staged = true;
  ASSERT_TRUE(store_->CommitQueueBatch(a).ok());
  ASSERT_TRUE(store_
                  ->AddProtectedMessage(
                      testing::ProtectedMessage("copy", Pattern(300'000)))
                  .ok());
  ASSERT_TRUE(
      store_->StageBody(BodyKind::kQueue, "orphan", Pattern(300'000)).ok());
  ASSERT_TRUE(
      store_->StageBody(BodyKind::kPortal, "orphan", Pattern(300'000)).ok());
  // A writer that died after one chunk (its process gone: no destructor).
  Psql("INSERT INTO bodies VALUES ('q', 'half', -1, 1048576, 0, " +
       std::to_string(clock_.NowUnix()) +
       "); INSERT INTO body_chunks VALUES ('q', 'half', 0, 'xyz')");
  EXPECT_EQ(*store_->ReclaimSpace(100), 0);  // within the hour
  clock_.Advance(std::chrono::minutes(61));
  auto removed = store_->ReclaimSpace(100);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 3);
  EXPECT_EQ(Psql("SELECT string_agg(kind || id, ',' ORDER BY kind, id) FROM "
                 "bodies"),
            "pcopy,qnamed");
  EXPECT_EQ(Psql("SELECT COUNT(DISTINCT (kind, id)) FROM body_chunks"), "2");
  EXPECT_EQ(*store_->ReclaimSpace(100), 0);
}

// Two nodes on one database: a body one node staged and committed, the
// other reads whole and a chunk at a time, while the first reads it too.
TEST_F(PostgresBodiesTest, TwoNodesReadTheSameBody) {
  auto other = PostgresStore::Open({conninfo_, "", 2}, clock_);
  ASSERT_TRUE(other.ok());
  const std::string body = Pattern(4 * kPgBodyChunkBytes + 100, 9);
  ASSERT_TRUE(store_->StageBody(BodyKind::kPortal, "pm", body).ok());
  NewProtectedMessage m = testing::ProtectedMessage("pm", "");
  m.portal_copy_staged = true;
  ASSERT_TRUE(store_->AddProtectedMessage(m).ok());
  auto mine = store_->OpenBody(BodyKind::kPortal, "pm");
  auto theirs = (*other)->OpenBody(BodyKind::kPortal, "pm");
  ASSERT_TRUE(mine.ok() && theirs.ok()) << theirs.status().ToString();
  std::string a, b;
  for (;;) {  // in turns
    auto n = (*mine)->Read(300'000, &a);
    auto k = (*theirs)->Read(500'000, &b);
    ASSERT_TRUE(n.ok() && k.ok());
    if (*n == 0 && *k == 0) break;
  }
  EXPECT_TRUE(a == body);
  EXPECT_TRUE(b == body);
  EXPECT_TRUE(**(*other)->GetPortalCopy("pm") == body);
  EXPECT_NE(BodyStoreOf(**other), nullptr);
}

// Migration 21 on a store made before it: large bodies already in rows
// move into chunks, read back the same; small ones stay in their rows.
TEST_F(PostgresBodiesTest, MigrationMovesLargeRowsIntoChunks) {
  std::vector<Migration> before;
  for (const Migration& m : AllMigrations()) {
    if (m.version < 21) before.push_back(m);
  }
  // A database of its own, made at schema 20 (the fixture's is at the
  // latest).
  db_ += "_old";
  conninfo_ = test::SharedPostgres().CreateDatabase(db_);
  ASSERT_FALSE(conninfo_.empty());
  {
    auto old = PostgresStore::Open({conninfo_, "", 1}, clock_, before);
    ASSERT_TRUE(old.ok()) << old.status().ToString();
    Psql(
        "INSERT INTO queue_messages (id, received_ms, mail_from, "
        "envelope_json, header_message_id, size, content, state) SELECT "
        "'old', 1, '', '{}', '', 1, decode(repeat('ab', 3000000), 'hex'), "
        "'queued' UNION ALL SELECT 'tiny', 1, '', '{}', '', 1, 'abc', "
        "'queued'; INSERT INTO portal_copies VALUES ('oldcopy', "
        "decode(repeat('cd', 300000), 'hex'), 7)");
  }
  auto store = PostgresStore::Open({conninfo_, "", 1}, clock_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Psql("SELECT string_agg(id || ':' || length(content), ',' ORDER "
                 "BY id) FROM queue_messages"),
            "old:0,tiny:3");
  EXPECT_EQ(Psql("SELECT string_agg(kind || id || ':' || size || ':' || "
                 "chunks, ',' ORDER BY id) FROM bodies"),
            "qold:3000000:3,poldcopy:300000:1");
  auto m = (*store)->GetQueuedMessage("old", true);
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_TRUE((*m)->content == std::string(3'000'000, '\xab'));
  EXPECT_EQ((**(*store)->GetPortalCopy("oldcopy")),
            std::string(300'000, '\xcd'));
  EXPECT_EQ((**(*store)->GetQueuedMessage("tiny", true)).content, "abc");
}

}  // namespace
}  // namespace sealpost::store
