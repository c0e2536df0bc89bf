// Large bodies in PostgreSQL's chunks (postgres_bodies.cc), for what writes
// them on a connection of its own inside a transaction: the store's
// CommitQueueBatch and `sealpost store migrate` (store_copy.cc), which
// moves SQLite's body files into chunks.
//
// Thread-safety: free functions on the caller's connection.
#ifndef SEALPOST_STORE_POSTGRES_PG_BODIES_H_
#define SEALPOST_STORE_POSTGRES_PG_BODIES_H_

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "store/body_store.h"
#include "store/postgres/pg_conn.h"

namespace sealpost::store::internal {

// The tables of PostgreSQL's large bodies (migration 21), which SQLite
// does not have (its large bodies are files).
inline constexpr std::string_view kPgBodyTables[] = {"bodies", "body_chunks"};

// `body` (its size() known) as body `id` of `kind`, a chunk at a time, in
// `c`'s open transaction. ALREADY_EXISTS when the body is there;
// DATA_LOSS when `body` ends before or after its size.
Status WritePgBody(PgConn& c, BodyKind kind, std::string_view id,
                   BodyReader& body, int64_t created_at);

}  // namespace sealpost::store::internal

#endif  // SEALPOST_STORE_POSTGRES_PG_BODIES_H_
