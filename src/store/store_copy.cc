#include "store/store_copy.h"

#include <sqlite3.h>

#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <utility>

#include "base/files.h"
#include "store/postgres/pg_bodies.h"
#include "store/postgres/pg_conn.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/body_files.h"
#include "store/sqlite/sqlite_store.h"

namespace sealpost::store {
namespace {

using internal::PgConn;
using internal::PgParams;
using internal::PgResult;

// A batch is sent when it has this many rows or bytes (one INSERT of
// several rows: a round trip per row would make large stores slow).
constexpr int kBatchRows = 200;
constexpr size_t kBatchBytes = 8 << 20;

struct SqliteReader {
  sqlite3* db = nullptr;
  ~SqliteReader() { sqlite3_close(db); }
};

struct SqliteStmt {
  sqlite3_stmt* s = nullptr;
  ~SqliteStmt() { sqlite3_finalize(s); }
};

Status SqliteFailed(sqlite3* db, std::string_view what) {
  return InternalError("reading the SQLite store (" + std::string(what) +
                       "): " + sqlite3_errmsg(db));
}

std::string Quoted(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Every column of every table of the store (not schema_migrations, which
// each engine keeps itself), by table, in column order.
using Schema = std::map<std::string, std::vector<std::string>>;

Result<Schema> SqliteSchema(sqlite3* db) {
  Schema out;
  SqliteStmt q;
  if (sqlite3_prepare_v2(db,
                         "SELECT m.name, p.name FROM sqlite_master m, "
                         "pragma_table_info(m.name) p WHERE m.type = 'table' "
                         "AND m.name NOT LIKE 'sqlite_%' AND m.name <> "
                         "'schema_migrations' ORDER BY m.name, p.cid",
                         -1, &q.s, nullptr) != SQLITE_OK) {
    return SqliteFailed(db, "tables");
  }
  int rc;
  while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
    out[reinterpret_cast<const char*>(sqlite3_column_text(q.s, 0))].push_back(
        reinterpret_cast<const char*>(sqlite3_column_text(q.s, 1)));
  }
  if (rc != SQLITE_DONE) return SqliteFailed(db, "tables");
  return out;
}

bool IsPgBodyTable(std::string_view table) {
  for (std::string_view t : internal::kPgBodyTables) {
    if (t == table) return true;
  }
  return false;
}

// The same for PostgreSQL (but the tables of its large bodies, which the
// SQLite store keeps as files: TableCopy fills them), and which columns
// are bytea.
Result<Schema> PgSchema(PgConn& c, std::set<std::string>* bytea) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query("SELECT table_name, column_name, data_type FROM "
              "information_schema.columns WHERE table_schema = "
              "current_schema() AND table_name <> 'schema_migrations' "
              "ORDER BY table_name, ordinal_position"));
  Schema out;
  for (int i = 0; i < r.rows(); ++i) {
    if (IsPgBodyTable(r.Text(i, 0))) continue;
    out[r.Text(i, 0)].push_back(r.Text(i, 1));
    if (r.Text(i, 2) == "bytea")
      bytea->insert(r.Text(i, 0) + "." + r.Text(i, 1));
  }
  return out;
}

Result<int64_t> SqliteCount(sqlite3* db, const std::string& table) {
  SqliteStmt q;
  std::string sql = "SELECT COUNT(*) FROM " + Quoted(table);
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &q.s, nullptr) != SQLITE_OK ||
      sqlite3_step(q.s) != SQLITE_ROW) {
    return SqliteFailed(db, "counting " + table);
  }
  return sqlite3_column_int64(q.s, 0);
}

Result<int64_t> PgCount(PgConn& c, const std::string& table) {
  return c.QueryInt("SELECT COUNT(*) FROM " + Quoted(table));
}

// Copies one table's rows, as stored, in batches.
class TableCopy {
 public:
  TableCopy(sqlite3* db, PgConn& pg, std::string table,
            const std::vector<std::string>& columns,
            const std::set<std::string>& bytea, int64_t total,
            const CopyProgress& progress, const internal::BodyFiles& bodies,
            int64_t now)
      : db_(db),
        pg_(pg),
        table_(std::move(table)),
        columns_(columns),
        total_(total),
        progress_(progress),
        bodies_(bodies),
        now_(now) {
    for (const std::string& col : columns_) {
      is_bytea_.push_back(bytea.count(table_ + "." + col) > 0);
      if (col == "id") id_column_ = static_cast<int>(is_bytea_.size()) - 1;
    }
    // Large bodies are files beside the SQLite database (body_files.h);
    // PostgreSQL keeps them in chunks (postgres_bodies.cc), written from
    // the file a chunk at a time, and an empty blob in the row as SQLite
    // has.
    if (table_ == "queue_messages") {
      body_column_ = "content";
      body_kind_ = internal::BodyKind::kQueue;
    } else if (table_ == "portal_copies") {
      body_column_ = "container";
      body_kind_ = internal::BodyKind::kPortal;
    }
  }

  Status Run() {
    std::string list;
    for (const std::string& col : columns_) {
      list += (list.empty() ? "" : ", ") + Quoted(col);
    }
    insert_head_ = "INSERT INTO " + Quoted(table_) + " (" + list + ") VALUES ";
    SqliteStmt q;
    std::string sql = "SELECT " + list + " FROM " + Quoted(table_);
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &q.s, nullptr) != SQLITE_OK) {
      return SqliteFailed(db_, "reading " + table_);
    }
    auto last_report = std::chrono::steady_clock::now();
    int rc;
    while ((rc = sqlite3_step(q.s)) == SQLITE_ROW) {
      SP_RETURN_IF_ERROR(AddRow(q.s));
      if (rows_ >= kBatchRows || bytes_ >= kBatchBytes) {
        SP_RETURN_IF_ERROR(Flush());
      }
      auto now = std::chrono::steady_clock::now();
      if (now - last_report >= std::chrono::seconds(1)) {
        last_report = now;
        Report();
      }
    }
    if (rc != SQLITE_DONE) return SqliteFailed(db_, "reading " + table_);
    SP_RETURN_IF_ERROR(Flush());
    Report();
    return Status::Ok();
  }

 private:
  // The body of a row whose blob is empty, from its file into
  // PostgreSQL's chunks; the number of bytes copied (0: it has no file).
  Result<size_t> CopyBodyOf(sqlite3_stmt* s, size_t col) {
    if (body_column_.empty() || columns_[col] != body_column_ ||
        id_column_ < 0 || !bodies_.enabled()) {
      return size_t{0};
    }
    const unsigned char* id = sqlite3_column_text(s, id_column_);
    if (id == nullptr) return size_t{0};
    const std::string name(reinterpret_cast<const char*>(id));
    if (!FileExists(bodies_.PathOf(body_kind_, name))) {
      return size_t{0};  // a done message's: no body
    }
    SP_ASSIGN_OR_RETURN(auto file, bodies_.Open(body_kind_, name));
    SP_RETURN_IF_ERROR(internal::WritePgBody(pg_, body_kind_, name, *file, now_)
                           .WithContext("copying body " + name));
    return static_cast<size_t>(file->size());
  }

  Status AddRow(sqlite3_stmt* s) {
    values_ += rows_ == 0 ? "(" : ", (";
    for (size_t i = 0; i < columns_.size(); ++i) {
      int col = static_cast<int>(i);
      values_ += (i == 0 ? "$" : ", $") + std::to_string(++params_count_);
      size_t n = static_cast<size_t>(sqlite3_column_bytes(s, col));
      if (sqlite3_column_type(s, col) == SQLITE_NULL) {
        params_.Null();
      } else if (is_bytea_[i]) {
        const void* blob = sqlite3_column_blob(s, col);
        params_.Blob(std::string_view(static_cast<const char*>(blob), n));
        if (n == 0) {
          SP_ASSIGN_OR_RETURN(n, CopyBodyOf(s, i));
        }
      } else {
        const unsigned char* text = sqlite3_column_text(s, col);
        params_.Text(std::string_view(reinterpret_cast<const char*>(text), n));
      }
      bytes_ += n;
    }
    values_ += ")";
    ++rows_;
    return Status::Ok();
  }

  Status Flush() {
    if (rows_ == 0) return Status::Ok();
    SP_RETURN_IF_ERROR(pg_.Run(insert_head_ + values_, std::move(params_))
                           .WithContext("copying " + table_));
    done_ += rows_;
    params_ = PgParams();
    values_.clear();
    rows_ = 0;
    params_count_ = 0;
    bytes_ = 0;
    return Status::Ok();
  }

  void Report() {
    if (progress_) {
      progress_(table_ + ": " + std::to_string(done_) + "/" +
                std::to_string(total_) + " rows");
    }
  }

  // Not owned (references and pointers below): must outlive this object.
  sqlite3* db_;
  PgConn& pg_;
  const std::string table_;
  const std::vector<std::string>& columns_;
  const int64_t total_;
  const CopyProgress& progress_;
  const internal::BodyFiles& bodies_;
  const int64_t now_;  // the copied bodies' created_at
  std::vector<bool> is_bytea_;
  int id_column_ = -1;
  std::string body_column_;  // "" for a table without body files
  internal::BodyKind body_kind_ = internal::BodyKind::kQueue;
  std::string insert_head_;
  std::string values_;
  PgParams params_;
  int rows_ = 0;
  int params_count_ = 0;
  size_t bytes_ = 0;
  int64_t done_ = 0;
};

// Auto-increment ids were copied as they are: each sequence continues
// after the highest.
Status ResetSequences(PgConn& c) {
  SP_ASSIGN_OR_RETURN(
      PgResult r,
      c.Query("SELECT table_name, column_name FROM information_schema.columns "
              "WHERE table_schema = current_schema() AND column_default LIKE "
              "'nextval(%'"));
  for (int i = 0; i < r.rows(); ++i) {
    std::string table = r.Text(i, 0), column = r.Text(i, 1);
    SP_RETURN_IF_ERROR(
        c.Run("SELECT setval(pg_get_serial_sequence($1, $2), COALESCE(MAX(" +
                  Quoted(column) + "), 0) + 1, false) FROM " + Quoted(table),
              PgParams().Text(Quoted(table)).Text(column)));
  }
  return Status::Ok();
}

// The tables of both stores, which must be the same.
Result<std::vector<std::string>> SameTables(const Schema& source,
                                            const Schema& target) {
  std::vector<std::string> out;
  for (const auto& [table, columns] : source) {
    auto it = target.find(table);
    if (it == target.end() || it->second.size() != columns.size() ||
        std::set<std::string>(columns.begin(), columns.end()) !=
            std::set<std::string>(it->second.begin(), it->second.end())) {
      return FailedPreconditionError(
          "table " + table +
          " differs between the SQLite store and PostgreSQL (same "
          "sealpost version on both?)");
    }
    out.push_back(table);
  }
  if (source.size() != target.size()) {
    return FailedPreconditionError(
        "PostgreSQL has tables the SQLite store has not");
  }
  return out;
}

}  // namespace

Result<CopyReport> CopySqliteToPostgres(const std::string& sqlite_path,
                                        const PostgresOptions& target,
                                        const Clock& clock,
                                        const CopyProgress& progress) {
  if (!FileExists(sqlite_path)) {
    return NotFoundError("no SQLite store at " + sqlite_path);
  }
  CopyReport report;
  {
    // Both at this binary's schema version first.
    SP_ASSIGN_OR_RETURN(auto source, SqliteStore::Open(sqlite_path, clock));
    SP_ASSIGN_OR_RETURN(report.schema_version, source->SchemaVersion());
    SP_ASSIGN_OR_RETURN(auto pg, PostgresStore::Open(target, clock));
    SP_ASSIGN_OR_RETURN(int pg_version, pg->SchemaVersion());
    if (pg_version != report.schema_version) {
      return FailedPreconditionError(
          "PostgreSQL is at schema version " + std::to_string(pg_version) +
          ", the SQLite store at " + std::to_string(report.schema_version) +
          ": migrate with the sealpost version that last used PostgreSQL");
    }
  }
  SqliteReader reader;
  if (sqlite3_open_v2(sqlite_path.c_str(), &reader.db, SQLITE_OPEN_READONLY,
                      nullptr) != SQLITE_OK) {
    return SqliteFailed(reader.db, "open");
  }
  // One read transaction: every table from the same snapshot.
  if (sqlite3_exec(reader.db, "BEGIN", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    return SqliteFailed(reader.db, "begin");
  }
  SP_ASSIGN_OR_RETURN(auto pg,
                      internal::PgConnect(target.url, target.password));
  SP_ASSIGN_OR_RETURN(Schema source, SqliteSchema(reader.db));
  std::set<std::string> bytea;
  SP_ASSIGN_OR_RETURN(Schema dest, PgSchema(*pg, &bytea));
  SP_ASSIGN_OR_RETURN(auto tables, SameTables(source, dest));

  bool empty = true, same = true;
  std::string first_different;
  for (const std::string& table : tables) {
    SP_ASSIGN_OR_RETURN(int64_t rows, SqliteCount(reader.db, table));
    SP_ASSIGN_OR_RETURN(int64_t there, PgCount(*pg, table));
    report.tables.push_back({table, rows});
    if (there != 0) empty = false;
    if (there != rows && first_different.empty()) {
      same = false;
      first_different = table + " (" + std::to_string(there) + " rows there, " +
                        std::to_string(rows) + " here)";
    }
  }
  for (std::string_view table : internal::kPgBodyTables) {
    SP_ASSIGN_OR_RETURN(int64_t there, PgCount(*pg, std::string(table)));
    if (there != 0) empty = false;
  }
  if (!empty) {
    if (same) {
      report.already_copied = true;
      return report;
    }
    return FailedPreconditionError(
        "the PostgreSQL database already holds other data: " + first_different +
        "; nothing copied. Migrate into a new, empty database.");
  }
  SP_RETURN_IF_ERROR(pg->Exec("BEGIN"));
  const internal::BodyFiles bodies(sqlite_path);
  auto copy = [&]() -> Status {
    for (const TableCount& t : report.tables) {
      SP_RETURN_IF_ERROR(TableCopy(reader.db, *pg, t.table, source.at(t.table),
                                   bytea, t.rows, progress, bodies,
                                   clock.NowUnix())
                             .Run());
    }
    SP_RETURN_IF_ERROR(ResetSequences(*pg));
    for (const TableCount& t : report.tables) {
      SP_ASSIGN_OR_RETURN(int64_t there, PgCount(*pg, t.table));
      if (there != t.rows) {
        return InternalError("table " + t.table + ": " + std::to_string(there) +
                             " rows copied of " + std::to_string(t.rows));
      }
    }
    return Status::Ok();
  };
  if (Status st = copy(); !st.ok()) {
    (void)pg->Exec("ROLLBACK");
    return st.WithContext("nothing copied");
  }
  SP_RETURN_IF_ERROR(pg->Exec("COMMIT"));
  return report;
}

}  // namespace sealpost::store
