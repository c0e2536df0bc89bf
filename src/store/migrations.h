// Versioned schema migrations, shared by both engines. Each migration is
// written once in portable SQL with placeholders that the engine
// substitutes: {blob} (BLOB / BYTEA), {autoid} (an auto-increment primary
// key) and {without_rowid} (after a table with a primary key: SQLite's
// WITHOUT ROWID, so its rows are stored once, in the key's B-tree;
// nothing on PostgreSQL). Migrations only ever append: never edit one that has
// shipped. A migration for one engine only (postgres_only: the tables of
// PostgreSQL's large bodies, which SQLite keeps as files) is recorded as
// applied by the other without running, so both count the same versions.
//
// Thread-safety: immutable data.
#ifndef SEALPOST_STORE_MIGRATIONS_H_
#define SEALPOST_STORE_MIGRATIONS_H_

#include <string>
#include <string_view>
#include <vector>

namespace sealpost::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;  // may hold several statements separated by ';'
  bool postgres_only = false;
};

const std::vector<Migration>& AllMigrations();

enum class Dialect { kSqlite, kPostgres };
std::string RenderMigrationSql(std::string_view sql, Dialect dialect);

}  // namespace sealpost::store

#endif  // SEALPOST_STORE_MIGRATIONS_H_
