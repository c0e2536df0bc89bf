// Large bodies in PostgreSQL (issue 14): a queued message's content or a
// portal copy of kLargeBodyBytes or more is kept as chunks of
// kPgBodyChunkBytes (1 MiB) in `body_chunks`, under one row of `bodies`
// that says its size and how many chunks it has (migration 21); the row
// that names the body (queue_messages.content, portal_copies.container)
// holds an empty bytea, as SQLite's rows do for a body file. Every node
// reaches the chunks, and each is written and read in a statement of its
// own, so neither a body nor a connection is held for the length of a
// transfer.
//
// Why a table of chunks rather than large objects (lo_*): chunks are
// ordinary rows, so they go with their body by ON DELETE CASCADE and are
// copied by pg_dump, streaming and logical replication alike (logical
// replication skips large objects); a large object is unlinked only by
// hand (orphans are left unless every path calls lo_unlink) and is read
// through a descriptor that lives as long as one transaction, which a
// slow portal download would keep open (holding back vacuum and a pooled
// connection).
//
// A body is written before the commit that names it (StartBody, or
// StageBody): its `bodies` row first, with size -1 ("being written"), then
// each chunk in a short transaction of its own, then the size and count,
// set only if the chunks the server holds add up to them (a chunk lost to a
// crash between two statements fails the body instead of shortening it).
// The chunk transactions commit without waiting for the WAL flush
// (synchronous_commit off); the last statement waits as every commit does,
// and PostgreSQL flushes the WAL in order, so when it returns every chunk
// before it is durable too. A body inside the transaction that names it
// (CommitQueueBatch given a large body it did not stage) is written in that
// transaction. A body no commit names (its writer failed, or its node died
// before the commit) is removed by DiscardBody, or by ReclaimSpace once an
// hour has passed; neither removes one a committed row names.
//
// Reads check each chunk's length against the body's row, and the reader
// fails (DATA_LOSS) on a chunk missing or cut short rather than returning
// short data. A body removed while it is read (a portal copy pruned at
// expiry) fails the same way at its next chunk.
#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "base/log.h"
#include "base/string_source.h"
#include "store/postgres/pg_bodies.h"
#include "store/postgres/postgres_store.h"

namespace sealpost::store {
using internal::PgParams;
using internal::PgPool;
using internal::PgResult;

namespace {

// A body's staged rows that no commit named are removed after this long:
// a commit follows its staging within seconds.
constexpr int64_t kUnnamedBodyGraceSeconds = 3600;

std::string_view KindOf(BodyKind kind) {
  return kind == BodyKind::kQueue ? "q" : "p";
}

std::string NameOf(BodyKind kind, std::string_view id) {
  return std::string(KindOf(kind)) + "/" + std::string(id);
}

// A body's `bodies` row.
struct BodyRow {
  int64_t size = 0;
  int64_t chunk_bytes = 0;
  int64_t chunks = 0;
};

// The length chunk `seq` must have.
int64_t ChunkLength(const BodyRow& b, int64_t seq) {
  return seq + 1 < b.chunks ? b.chunk_bytes
                            : b.size - (b.chunks - 1) * b.chunk_bytes;
}

// A finished body's row that makes sense (a damaged one is an error).
Result<BodyRow> ReadBodyRow(const PgResult& r, BodyKind kind,
                            std::string_view id) {
  BodyRow b{r.Int(0, 0), r.Int(0, 1), r.Int(0, 2)};
  if (b.size < 0) {
    return FailedPreconditionError("body " + NameOf(kind, id) +
                                   " is still being written");
  }
  if (b.chunk_bytes <= 0 || b.chunks < 0 ||
      b.chunks != (b.size + b.chunk_bytes - 1) / b.chunk_bytes) {
    return DataLossError("body " + NameOf(kind, id) + " has a damaged record");
  }
  return b;
}

Result<std::optional<BodyRow>> FindBody(internal::PgConn& c, BodyKind kind,
                                        std::string_view id) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query("SELECT size, chunk_bytes, chunks FROM bodies WHERE kind = $1 "
              "AND id = $2",
              PgParams().Text(KindOf(kind)).Text(id)));
  if (r.rows() == 0) return std::optional<BodyRow>();
  SP_ASSIGN_OR_RETURN(BodyRow b, ReadBodyRow(r, kind, id));
  return std::optional<BodyRow>(b);
}

// Chunk `seq` of a body, appended to *out; DATA_LOSS when it is missing or
// not the length the body's row says.
Status ReadChunk(internal::PgConn& c, BodyKind kind, std::string_view id,
                 const BodyRow& b, int64_t seq, std::string* out) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.QueryBinary("SELECT data FROM body_chunks WHERE kind = $1 AND id = "
                    "$2 AND seq = $3",
                    PgParams().Text(KindOf(kind)).Text(id).Int(seq)));
  const std::string where = "body " + NameOf(kind, id) + ": chunk " +
                            std::to_string(seq + 1) + " of " +
                            std::to_string(b.chunks);
  if (r.rows() == 0) {
    return DataLossError(where +
                         " is missing (the body was removed, or "
                         "is damaged)");
  }
  std::string_view data = r.Raw(0, 0);
  const int64_t expected = ChunkLength(b, seq);
  if (static_cast<int64_t>(data.size()) != expected) {
    return DataLossError(where + " has " + std::to_string(data.size()) +
                         " bytes, not " + std::to_string(expected));
  }
  out->append(data);
  return Status::Ok();
}

// One chunk in a transaction of its own that does not wait for the WAL
// flush: the body's last statement (Finish) does, for every chunk before
// it.
Status InsertChunkAlone(internal::PgConn& c, BodyKind kind, std::string_view id,
                        int64_t seq, std::string_view data) {
  SP_RETURN_IF_ERROR(c.Exec("BEGIN; SET LOCAL synchronous_commit = off"));
  Status st = c.Run(
      "INSERT INTO body_chunks (kind, id, seq, data) VALUES ($1, $2, $3, $4)",
      PgParams().Text(KindOf(kind)).Text(id).Int(seq).Blob(data));
  if (!st.ok()) {
    (void)c.Exec("ROLLBACK");
    return st;
  }
  return c.Exec("COMMIT");
}

class PgBodyWriter final : public BodyWriter {
 public:
  PgBodyWriter(PgPool& pool, BodyKind kind, std::string id)
      : pool_(pool), kind_(kind), id_(std::move(id)) {}
  ~PgBodyWriter() override {
    if (finished_) return;
    // Not finished: its rows go (the chunks with them, ON DELETE CASCADE).
    auto conn = pool_.Take();
    Status st = conn.ok() ? (*conn)->Run(
                                "DELETE FROM bodies WHERE kind = $1 AND id = "
                                "$2 AND size = -1",
                                PgParams().Text(KindOf(kind_)).Text(id_))
                          : conn.status();
    if (!st.ok()) {
      log::Warn("store: body {} left behind ({}); removed within the hour",
                NameOf(kind_, id_), st.message());
    }
  }

  Status Append(std::string_view bytes) override {
    if (finished_) return FailedPreconditionError("body already finished");
    // Whole chunks straight from `bytes`; only a partial one is kept.
    if (!pending_.empty()) {
      const size_t take =
          std::min(bytes.size(), kPgBodyChunkBytes - pending_.size());
      pending_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (pending_.size() < kPgBodyChunkBytes) return Status::Ok();
      SP_RETURN_IF_ERROR(WriteChunk(pending_));
      pending_.clear();
    }
    while (bytes.size() >= kPgBodyChunkBytes) {
      SP_RETURN_IF_ERROR(WriteChunk(bytes.substr(0, kPgBodyChunkBytes)));
      bytes.remove_prefix(kPgBodyChunkBytes);
    }
    pending_.append(bytes);
    return Status::Ok();
  }

  Status Finish() override {
    if (finished_) return FailedPreconditionError("body already finished");
    if (!pending_.empty()) {
      SP_RETURN_IF_ERROR(WriteChunk(pending_));
      std::string().swap(pending_);
    }
    SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
    // Only if the server holds every chunk written, whole.
    SP_ASSIGN_OR_RETURN(
        PgResult r,
        conn->Query(
            "UPDATE bodies SET size = $3, chunks = $4 WHERE kind = $1 AND "
            "id = $2 AND size = -1 AND (SELECT COUNT(*) FROM body_chunks "
            "WHERE kind = $1 AND id = $2) = $4 AND (SELECT "
            "COALESCE(SUM(length(data)), 0) FROM body_chunks WHERE kind = $1 "
            "AND id = $2) = $3",
            PgParams().Text(KindOf(kind_)).Text(id_).Int(size_).Int(chunks_)));
    if (r.affected() != 1) {
      return DataLossError("body " + NameOf(kind_, id_) +
                           " lost a chunk or its record while it was "
                           "written (a server restart?)");
    }
    finished_ = true;
    return Status::Ok();
  }

 private:
  Status WriteChunk(std::string_view data) {
    SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
    SP_RETURN_IF_ERROR(InsertChunkAlone(*conn, kind_, id_, chunks_, data));
    ++chunks_;
    size_ += static_cast<int64_t>(data.size());
    return Status::Ok();
  }

  // Not owned (references and pointers below): must outlive this object.
  PgPool& pool_;
  const BodyKind kind_;
  const std::string id_;
  std::string pending_;  // less than a chunk, not written yet
  int64_t chunks_ = 0;   // written
  int64_t size_ = 0;     // bytes written
  bool finished_ = false;
};

class PgBodyReader final : public BodyReader {
 public:
  PgBodyReader(PgPool& pool, BodyKind kind, std::string id, BodyRow body)
      : pool_(pool), kind_(kind), id_(std::move(id)), body_(body) {}

  Status Restart() override {
    std::string().swap(chunk_);
    at_ = 0;
    next_ = 0;
    return Status::Ok();
  }
  Result<size_t> Read(size_t max, std::string* out) override {
    if (at_ == chunk_.size()) {
      if (next_ == body_.chunks) return size_t{0};
      std::string().swap(chunk_);
      at_ = 0;
      {
        // A connection for one statement: a slow reader holds none.
        SP_ASSIGN_OR_RETURN(auto conn, pool_.Take());
        SP_RETURN_IF_ERROR(ReadChunk(*conn, kind_, id_, body_, next_, &chunk_));
      }
      ++next_;
    }
    const size_t n = std::min(max, chunk_.size() - at_);
    out->append(chunk_, at_, n);
    at_ += n;
    return n;
  }
  int64_t size() const override { return body_.size; }

 private:
  // Not owned (references and pointers below): must outlive this object.
  PgPool& pool_;
  const BodyKind kind_;
  const std::string id_;
  const BodyRow body_;
  std::string chunk_;  // the chunk being read
  size_t at_ = 0;      // in chunk_
  int64_t next_ = 0;   // the next chunk to fetch
};

}  // namespace

Result<std::unique_ptr<BodyWriter>> PostgresStore::StartBody(
    BodyKind kind, std::string_view id) {
  // ALREADY_EXISTS (unique_violation) when the body is there already.
  SP_RETURN_IF_ERROR(
      Run("INSERT INTO bodies (kind, id, size, chunk_bytes, chunks, "
          "created_at) VALUES ($1, $2, -1, $3, 0, $4)",
          PgParams()
              .Text(KindOf(kind))
              .Text(id)
              .Int(static_cast<int64_t>(kPgBodyChunkBytes))
              .Int(clock_.NowUnix())));
  return std::unique_ptr<BodyWriter>(
      new PgBodyWriter(pool_, kind, std::string(id)));
}

Status PostgresStore::StageBody(BodyKind kind, std::string_view id,
                                std::string_view body) {
  SP_ASSIGN_OR_RETURN(auto writer, StartBody(kind, id));
  SP_RETURN_IF_ERROR(writer->Append(body));
  return writer->Finish();
}

Result<std::unique_ptr<BodyReader>> PostgresStore::OpenBody(
    BodyKind kind, std::string_view id) {
  std::optional<BodyRow> body;
  SP_RETURN_IF_ERROR(With([&](Conn& c) -> Status {
    SP_ASSIGN_OR_RETURN(body, FindBody(c, kind, id));
    return Status::Ok();
  }));
  if (!body) return NotFoundError("no body " + NameOf(kind, id) + " apart");
  return std::unique_ptr<BodyReader>(
      new PgBodyReader(pool_, kind, std::string(id), *body));
}

void PostgresStore::DiscardBody(BodyKind kind, std::string_view id) {
  // Never one a committed row names (ReclaimSpace's test): a COMMIT whose
  // answer was lost (the connection dropped) reads to its caller as a
  // failure, and discarding then would leave a queued message or a portal
  // copy without its body.
  Status st = Run(
      "DELETE FROM bodies b WHERE b.kind = $1 AND b.id = $2 AND NOT EXISTS "
      "(SELECT 1 FROM queue_messages m WHERE b.kind = 'q' AND m.id = b.id "
      "AND m.state = 'queued') AND NOT EXISTS (SELECT 1 FROM portal_copies p "
      "WHERE b.kind = 'p' AND p.id = b.id)",
      PgParams().Text(KindOf(kind)).Text(id));
  if (!st.ok()) {
    log::Warn("store: body {} left behind ({}); removed within the hour",
              NameOf(kind, id), st.message());
  }
}

namespace internal {

Status WritePgBody(PgConn& c, BodyKind kind, std::string_view id,
                   BodyReader& body, int64_t created_at) {
  const int64_t size = body.size();
  if (size < 0) return InternalError("a body of unknown size");
  const int64_t chunk_bytes = static_cast<int64_t>(kPgBodyChunkBytes);
  const int64_t chunks = (size + chunk_bytes - 1) / chunk_bytes;
  SP_RETURN_IF_ERROR(
      c.Run("INSERT INTO bodies (kind, id, size, chunk_bytes, chunks, "
            "created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            PgParams()
                .Text(KindOf(kind))
                .Text(id)
                .Int(size)
                .Int(chunk_bytes)
                .Int(chunks)
                .Int(created_at)));
  std::string chunk;
  for (int64_t seq = 0; seq < chunks; ++seq) {
    chunk.clear();
    const size_t want = static_cast<size_t>(
        ChunkLength(BodyRow{size, chunk_bytes, chunks}, seq));
    while (chunk.size() < want) {
      SP_ASSIGN_OR_RETURN(size_t n, body.Read(want - chunk.size(), &chunk));
      if (n == 0) break;
    }
    if (chunk.size() != want) {
      return DataLossError("body " + NameOf(kind, id) + " ended before " +
                           std::to_string(size) + " bytes");
    }
    SP_RETURN_IF_ERROR(
        c.Run("INSERT INTO body_chunks (kind, id, seq, data) VALUES ($1, $2, "
              "$3, $4)",
              PgParams().Text(KindOf(kind)).Text(id).Int(seq).Blob(chunk)));
  }
  chunk.clear();
  SP_ASSIGN_OR_RETURN(size_t more, body.Read(1, &chunk));
  if (more != 0) {
    return DataLossError("body " + NameOf(kind, id) + " is longer than " +
                         std::to_string(size) + " bytes");
  }
  return Status::Ok();
}

}  // namespace internal

Status PostgresStore::WriteBody(Conn& c, BodyKind kind, std::string_view id,
                                std::string_view body) {
  StringSource reader(body);
  return internal::WritePgBody(c, kind, id, reader, clock_.NowUnix());
}

Status PostgresStore::ExpectStagedBody(Conn& c, BodyKind kind,
                                       std::string_view id) {
  // FOR KEY SHARE: ReclaimSpace, which locks what it removes FOR UPDATE,
  // passes over a body while the transaction naming it is open.
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query("SELECT size FROM bodies WHERE kind = $1 AND id = $2 FOR KEY "
              "SHARE",
              PgParams().Text(KindOf(kind)).Text(id)));
  if (r.rows() == 0 || r.Int(0, 0) < 0) {
    return FailedPreconditionError("the staged body " + NameOf(kind, id) +
                                   " is not in the store");
  }
  return Status::Ok();
}

Result<std::string> PostgresStore::ReadBody(Conn& c, BodyKind kind,
                                            std::string_view id) {
  SP_ASSIGN_OR_RETURN(std::optional<BodyRow> body, FindBody(c, kind, id));
  if (!body) return NotFoundError("no body " + NameOf(kind, id));
  std::string out;
  out.reserve(static_cast<size_t>(body->size));
  for (int64_t seq = 0; seq < body->chunks; ++seq) {
    SP_RETURN_IF_ERROR(ReadChunk(c, kind, id, *body, seq, &out));
  }
  return out;
}

Status PostgresStore::DropBody(Conn& c, BodyKind kind, std::string_view id) {
  return c.Run("DELETE FROM bodies WHERE kind = $1 AND id = $2",
               PgParams().Text(KindOf(kind)).Text(id));
}

Result<int64_t> PostgresStore::ReclaimSpace(int64_t max_pages) {
  // PostgreSQL's autovacuum makes dead rows' space reusable; giving it back
  // to the file system takes VACUUM FULL, an operator's decision. What is
  // done here is removing bodies no row names an hour after they were
  // staged (a node that died between staging a body and its commit), at
  // most `max_pages` of them per pass.
  const int64_t before = clock_.NowUnix() - kUnnamedBodyGraceSeconds;
  int64_t removed = 0;
  SP_RETURN_IF_ERROR(InTransaction([&](Conn& c) -> Status {
    removed = 0;
    // SKIP LOCKED: a body that an open transaction is naming right now
    // (ExpectStagedBody), or that another node is sweeping, is left.
    SP_ASSIGN_OR_RETURN(
        PgResult found,
        c.Query("SELECT b.kind, b.id FROM bodies b WHERE b.created_at < $1 "
                "AND NOT EXISTS (SELECT 1 FROM queue_messages m WHERE "
                "b.kind = 'q' AND m.id = b.id AND m.state = 'queued') AND NOT "
                "EXISTS (SELECT 1 FROM portal_copies p WHERE b.kind = 'p' AND "
                "p.id = b.id) ORDER BY b.created_at LIMIT $2 FOR UPDATE OF b "
                "SKIP LOCKED",
                PgParams().Int(before).Int(max_pages)));
    for (int i = 0; i < found.rows(); ++i) {
      // Asked again in a statement of its own (a snapshot taken after the
      // lock): a commit that named it just before is seen now.
      SP_ASSIGN_OR_RETURN(
          PgResult gone,
          c.Query("DELETE FROM bodies b WHERE b.kind = $1 AND b.id = $2 AND "
                  "NOT EXISTS (SELECT 1 FROM queue_messages m WHERE b.kind = "
                  "'q' AND m.id = b.id AND m.state = 'queued') AND NOT EXISTS "
                  "(SELECT 1 FROM portal_copies p WHERE b.kind = 'p' AND "
                  "p.id = b.id)",
                  PgParams().Text(found.Text(i, 0)).Text(found.Text(i, 1))));
      removed += gone.affected();
    }
    return Status::Ok();
  }));
  if (removed > 0) {
    log::Info("store: removed {} staged bodies no message names", removed);
  }
  return removed;
}

}  // namespace sealpost::store
