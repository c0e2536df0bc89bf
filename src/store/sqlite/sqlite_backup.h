// Online copies of the SQLite store (`sealpost backup` and `restore`), with
// SQLite's backup API (sqlite3_backup_*): the whole copy is made in one read
// transaction, so it is a consistent snapshot even while the server keeps
// committing (WAL readers do not block the writer, nor it them).
//
// Thread-safety: free function; opens its own connections.
#ifndef SEALPOST_STORE_SQLITE_SQLITE_BACKUP_H_
#define SEALPOST_STORE_SQLITE_SQLITE_BACKUP_H_

#include <string>

#include "base/status.h"

namespace sealpost::store {

struct SqliteCopyInfo {
  int schema_version = 0;  // of the copy (schema_migrations)
  int64_t bytes = 0;       // size of the copy
};

// Copies the database `source` to `dest`, which must not exist
// (ALREADY_EXISTS naming it). The copy is written to a temporary name,
// turned into one self-contained file (rollback journal, no -wal),
// checked with PRAGMA integrity_check, fsynced, then renamed into place.
// A missing `source` is NOT_FOUND naming it.
Result<SqliteCopyInfo> CopySqliteDatabase(const std::string& source,
                                          const std::string& dest);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_SQLITE_SQLITE_BACKUP_H_
