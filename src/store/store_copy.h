// `sealpost store migrate --to URL`: copies a SQLite store, every table and
// every row as stored (org keys stay wrapped under the master key; queue
// contents stay sealed under the queue's key; large bodies go from their
// files into PostgreSQL's chunks a chunk at a time), into an empty PostgreSQL
// database, in one PostgreSQL transaction: all of it or nothing. The row
// counts of every table are compared before the commit. Run again on a
// database that already holds exactly the same counts, it copies nothing
// and says so; on a database holding anything else it refuses and names
// the table.
//
// Thread-safety: free function; opens its own connections.
#ifndef SEALPOST_STORE_STORE_COPY_H_
#define SEALPOST_STORE_STORE_COPY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace sealpost::store {

struct TableCount {
  std::string table;
  int64_t rows = 0;
};

struct CopyReport {
  int schema_version = 0;
  bool already_copied = false;     // nothing written: the target had it all
  std::vector<TableCount> tables;  // as verified in both stores
};

// Progress lines ("audit: 5000/12000 rows"), at most about one a second per
// table and one at each table's end.
using CopyProgress = std::function<void(const std::string& line)>;

// The SQLite store at `sqlite_path` (migrated to this binary's schema
// first) into PostgreSQL at `target` (migrated likewise). The node using
// the SQLite file must be stopped: what it writes during the copy would
// not be copied.
Result<CopyReport> CopySqliteToPostgres(const std::string& sqlite_path,
                                        const PostgresOptions& target,
                                        const Clock& clock,
                                        const CopyProgress& progress);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_STORE_COPY_H_
