// Hands a store's PostgreSQL connection to PostgreSQL's own client
// programs (pg_dump, pg_restore for `sealpost backup` and `restore`)
// without putting any of it on their command line, where `ps` shows it to
// every user of the machine: each option of the libpq URL or conninfo
// string becomes the libpq environment variable that means it (PGHOST,
// PGDATABASE, PGSSLMODE, ...), and the password PGPASSWORD, set in the
// child's environment only.
//
// Thread-safety: free functions (libpq's parser keeps no state).
#ifndef SEALPOST_STORE_POSTGRES_PG_CLIENT_ENV_H_
#define SEALPOST_STORE_POSTGRES_PG_CLIENT_ENV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/store.h"

namespace sealpost::store {

// "NAME=value" entries for `options` (its password, when set, overrides
// one in the URL). INVALID_ARGUMENT when the URL does not parse or names
// an option that has no environment variable.
Result<std::vector<std::string>> LibpqEnvironment(
    const PostgresOptions& options);

// The number of tables in the database's current schema (0: an empty
// database, one a restore may fill).
Result<int64_t> CountPostgresTables(const PostgresOptions& options);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_POSTGRES_PG_CLIENT_ENV_H_
