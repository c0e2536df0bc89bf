#include "store/migrations.h"

namespace sealpost::store {

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "settings, audit, users",
       R"sql(
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE audit (
  id {autoid},
  at BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL,
  result TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_object ON audit (object, id);
CREATE TABLE users (
  email TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  display_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
)
)sql"},
      {2, "org keys",
       R"sql(
CREATE TABLE org_keys (
  kind TEXT NOT NULL,
  version INTEGER NOT NULL,
  wrapped {blob} NOT NULL,
  is_primary INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (kind, version)
)
)sql"},
  };
  return migrations;
}

std::string RenderMigrationSql(std::string_view sql, Dialect dialect) {
  std::string out(sql);
  auto replace = [&](std::string_view from, std::string_view to) {
    for (size_t pos = out.find(from); pos != std::string::npos;
         pos = out.find(from, pos + to.size())) {
      out.replace(pos, from.size(), to);
    }
  };
  if (dialect == Dialect::kSqlite) {
    replace("{blob}", "BLOB");
    replace("{autoid}", "INTEGER PRIMARY KEY AUTOINCREMENT");
  } else {
    replace("{blob}", "BYTEA");
    replace("{autoid}", "BIGSERIAL PRIMARY KEY");
  }
  return out;
}

}  // namespace sealpost::store
